import { Ollama, type ProgressResponse } from 'ollama'
import { ollamaTag } from '@gpufleet/core'

export { ollamaTag }

export interface PullHandle {
  progress: AsyncIterable<ProgressResponse>
  abort: () => void
}

export interface GenerateTimings {
  evalCount: number
  evalDurationNs: number
  promptEvalCount: number
  promptEvalDurationNs: number
}

/**
 * What the agent asks of this machine's Ollama to make a plan happen: pull (streamed, abortable),
 * preload with keep_alive, unload, delete, list, and timed generations for bench-models.
 * Non-streaming calls get a deadline (ollama-js passes no signal of its own).
 */
export class OllamaControl {
  private readonly streaming: Ollama
  private readonly bounded: Ollama

  constructor (readonly host: string, options: { requestTimeoutMs?: number, fetch?: typeof fetch } = {}) {
    const base = options.fetch ?? fetch
    const timeout = options.requestTimeoutMs ?? 10 * 60_000
    this.streaming = new Ollama({ host, fetch: base })
    this.bounded = new Ollama({ host, fetch: async (input, init) => await base(input, { ...init, signal: AbortSignal.timeout(timeout) }) })
  }

  async version (): Promise<string | null> {
    try { return (await this.bounded.version()).version } catch { return null }
  }

  async installed (): Promise<string[]> {
    return (await this.bounded.list()).models.map(m => ollamaTag(m.name))
  }

  async loaded (): Promise<Array<{ name: string, sizeVram: number }>> {
    return (await this.bounded.ps()).models.map(m => ({ name: ollamaTag(m.name), sizeVram: m.size_vram }))
  }

  /** Ollama resumes a pull from the layers and partial blobs it already has. */
  async pull (model: string): Promise<PullHandle> {
    const it = await this.streaming.pull({ model, stream: true })
    return { progress: it, abort: () => { it.abort() } }
  }

  /** An empty prompt loads the model without generating; keep_alive keeps it resident. */
  async preload (model: string, keepAlive: string | number): Promise<void> {
    await this.bounded.generate({ model, prompt: '', keep_alive: keepAlive, stream: false })
  }

  async unload (model: string): Promise<void> {
    await this.bounded.generate({ model, prompt: '', keep_alive: 0, stream: false })
  }

  async remove (model: string): Promise<void> {
    await this.bounded.delete({ model })
  }

  /** One generation with Ollama's own counters (eval_count / eval_duration): real tokens per second. */
  async timedGeneration (model: string, prompt: string, numPredict: number): Promise<GenerateTimings> {
    const r = await this.bounded.generate({ model, prompt, stream: false, options: { num_predict: numPredict, temperature: 0 } })
    return { evalCount: r.eval_count, evalDurationNs: r.eval_duration, promptEvalCount: r.prompt_eval_count, promptEvalDurationNs: r.prompt_eval_duration }
  }
}
