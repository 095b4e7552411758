/** Ollama lists `mistral` as `mistral:latest`: model names are compared in that form. */
export function ollamaTag (name: string): string {
  return name.includes(':') ? name : `${name}:latest`
}
