import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import { contextModelName, type GatewayTarget } from '@gpufleet/core'

const RETRY_AFTER_FAILURE_MS = 60_000
const MAX_ENTRIES = 1000

/**
 * Ollama honours `num_ctx` only on its native API; its OpenAI and Anthropic endpoints ignore
 * `options`. So before the first request to an Ollama for a model, the gateway derives a model with
 * `/api/create` (`from` the pulled tag, `parameters.num_ctx` = the catalog's contextLength: a new
 * manifest over the same weights, no copy) and names that model on every route. A failed derivation
 * (an Ollama too old for `from`) is logged and the plain tag is used, retried after a minute.
 */
export class ContextModels {
  private readonly names = new Map<string, { name: Promise<string> }>()

  constructor (private readonly log: Logger) {}

  async nameFor (target: GatewayTarget, pool: Dispatcher): Promise<string> {
    const ollama = target.ollama
    if (ollama === undefined) return target.model
    const key = `${ollama.host}\u0000${target.model}\u0000${ollama.contextLength}`
    const cached = this.names.get(key)
    if (cached !== undefined) return await cached.name
    if (this.names.size >= MAX_ENTRIES) this.names.delete(this.names.keys().next().value!)
    const derived = contextModelName(target.model, ollama.contextLength)
    const name = this.create(ollama.host, target.model, derived, ollama.contextLength, pool).then(ok => {
      if (!ok) setTimeout(() => { if (this.names.get(key)?.name === name) this.names.delete(key) }, RETRY_AFTER_FAILURE_MS).unref()
      return ok ? derived : target.model
    })
    this.names.set(key, { name })
    return await name
  }

  /** Not tied to the first client's request: a client that goes away must not leave the plain tag cached. */
  private async create (host: string, from: string, model: string, numCtx: number, pool: Dispatcher): Promise<boolean> {
    try {
      const { request } = await import('undici')
      const res = await request(`${host}/api/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, from, parameters: { num_ctx: numCtx }, stream: false }), dispatcher: pool, signal: AbortSignal.timeout(30_000) })
      const text = await res.body.text()
      if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`)
      return true
    } catch (err) {
      this.log.warn({ host, model: from, numCtx, err: (err as Error).message }, 'could not derive a model with the catalog context length; the plain tag runs with Ollama\'s default context')
      return false
    }
  }
}
