import { Ollama } from 'ollama'
import { byName, type OllamaModel, type OllamaReport } from '@gpufleet/core'

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434'

export interface ProbeOllamaOptions {
  host?: string
  /** A missing Ollama must cost little: the default gives up after 800 ms. */
  timeoutMs?: number
  fetch?: typeof fetch
}

/** Asks Ollama for its version and installed models; an unreachable Ollama is a fact, not an error. */
export async function probeOllama (options: ProbeOllamaOptions = {}): Promise<OllamaReport> {
  const host = options.host ?? DEFAULT_OLLAMA_HOST
  const timeoutMs = options.timeoutMs ?? 800
  const baseFetch = options.fetch ?? fetch
  // ollama-js's non-streaming calls take no signal: a fetch with its own deadline bounds them.
  const timedFetch: typeof fetch = async (input, init) => await baseFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  const client = new Ollama({ host, fetch: timedFetch })
  try {
    const [version, list] = await Promise.all([client.version(), client.list()])
    const models: OllamaModel[] = list.models.map(m => ({
      name: m.name,
      sizeBytes: m.size,
      parameterSize: m.details?.parameter_size ?? null,
      quantization: m.details?.quantization_level ?? null,
      family: m.details?.family ?? null,
      digest: m.digest ?? null
    }))
    models.sort((a, b) => byName(a.name, b.name))
    return { reachable: true, host, version: version.version, models }
  } catch {
    return { reachable: false, host, version: null, models: [] }
  }
}
