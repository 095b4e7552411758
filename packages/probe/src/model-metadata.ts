import { Ollama } from 'ollama'
import { InvalidInputError, shapeFromMetadata, type ModelShape } from '@gpufleet/core'
import { DEFAULT_OLLAMA_HOST } from './ollama.js'

/** A GGUF file or an Ollama model could not be read. */
export class ModelMetadataError extends InvalidInputError {
  static override readonly NAME = 'ModelMetadataError'
  override name = ModelMetadataError.NAME
}

/** Reads a local GGUF file's header (metadata and tensor table only, never the weights). */
export async function shapeFromGgufFile (path: string, contextLength?: number): Promise<ModelShape> {
  // Loaded on demand: the parser brings @huggingface/tasks, megabytes an agent never needs.
  const { gguf } = await import('@huggingface/gguf')
  let parsed: Awaited<ReturnType<typeof gguf>> & { parameterCount: number }
  try {
    parsed = await gguf(path, { allowLocalFile: true, computeParametersCount: true })
  } catch (err) {
    throw new ModelMetadataError(`${path}: not a readable GGUF file (${(err as Error).message.split('\n')[0] ?? ''})`)
  }
  return shapeFromMetadata({ info: parsed.metadata as Record<string, unknown>, params: parsed.parameterCount > 0 ? parsed.parameterCount : undefined, contextLength })
}

/** Asks Ollama's /api/show for a model's metadata (model_info) and quantization. */
export async function shapeFromOllama (model: string, options: { host?: string, timeoutMs?: number, contextLength?: number } = {}): Promise<ModelShape> {
  const timeoutMs = options.timeoutMs ?? 5000
  const client = new Ollama({ host: options.host ?? DEFAULT_OLLAMA_HOST, fetch: async (input, init) => await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }) })
  let shown: Awaited<ReturnType<typeof client.show>>
  try {
    shown = await client.show({ model })
  } catch (err) {
    throw new ModelMetadataError(`ollama show ${model}: ${(err as Error).message.split('\n')[0] ?? ''}`)
  }
  // ollama-js types model_info as a Map, but the wire format is a plain JSON object.
  const info = shown.model_info as unknown as Record<string, unknown>
  return shapeFromMetadata({ info, quantization: shown.details?.quantization_level, contextLength: options.contextLength })
}
