import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Agent as UndiciAgent, Dispatcher } from 'undici'
import {
  breakerAllows, breakerRecord, closedBreaker, explainRoute, gatewayModelNames, mapModelName, requestProfile, retryAfterUntil, routeDocument, UsageChunkFilter,
  type BreakerState, type FleetConfig, type GatewayTarget, type LedgerOutcome, type Plan, type ResolveInput, type RouteDocument
} from '@gpufleet/core'
import { sendOpenAiError } from './errors.js'
import { ContextModels } from './context-models.js'
import { UpstreamLimiter } from './limiter.js'
import type * as Upstream from './upstream.js'
import { GatewayUsage, UsageScanner, bucketsOf, usageOf, type Tokens, type UsageFormat, type UsageRow } from './usage.js'
import type { Spend } from '../ledger/spend.js'
import { readBounded } from '../read-bounded.js'

/** The OpenAI endpoints the gateway relays. */
export const GATEWAY_ENDPOINTS = {
  '/v1/chat/completions': 'chat/completions',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings'
} as const
export type GatewayPath = keyof typeof GATEWAY_ENDPOINTS

export interface GatewayContext {
  self: string
  plan: Plan | null
  /** Online peers' Ollama OpenAI-compatible base URLs, from the inventory. */
  peerOllama: ReadonlyMap<string, string>
  /** Ollama versions by hostname (this one's included), from the inventory. */
  ollamaVersions?: ReadonlyMap<string, string>
}

export interface GatewayInit {
  config: FleetConfig
  log: Logger
  registry: Registry
  context: () => GatewayContext
  env?: NodeJS.ProcessEnv
  clock?: () => number
}

/** What one API (OpenAI, Anthropic Messages, Ollama's own) does with a target and its answer. */
export interface Exchange {
  /** Whether this target can take this API at all (an Anthropic-only cloud cannot take an OpenAI request). */
  accepts: (target: GatewayTarget) => boolean
  /** The request for an accepted target, its model already rewritten. */
  prepare: (target: GatewayTarget, model: string) => { url: string, headers: Record<string, string>, body: string }
  /** Writes an answer below 500 to the client, as it arrives; returns the tokens it reported. */
  deliver: (response: Dispatcher.ResponseData, res: ServerResponse, target: GatewayTarget) => Promise<Tokens | null>
  /** This API's error shape. */
  error: (res: ServerResponse, status: number, message: string, code: string, headers?: Record<string, string>) => void
  /** False for requests that are no prompt (count_tokens): not in the ledger nor against quotas. */
  counted?: boolean
}

/** Response headers passed on from the upstream (rate limits included); hop-by-hop ones and cookies are not. */
const PASSED_HEADERS = ['content-type', 'cache-control', 'openai-processing-ms', 'x-request-id', 'request-id', 'retry-after', 'retry-after-ms']
const PASSED_PREFIXES = ['x-ratelimit-', 'anthropic-ratelimit-']

export function passedHeaders (response: Dispatcher.ResponseData, target: GatewayTarget): Record<string, string> {
  const headers: Record<string, string> = { 'x-gpufleet-target': target.label }
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value !== 'string') continue
    if (PASSED_HEADERS.includes(name) || PASSED_PREFIXES.some(p => name.startsWith(p))) headers[name] = value
  }
  return headers
}

/**
 * The gateway of every agent: `model` names a role, a catalog model, or a name the model map sends
 * to a role; the plan in force picks local → peer → cloud, failing over before the first byte. Each
 * API (OpenAI, Anthropic Messages, Ollama's own) is an Exchange over the same resolution, limits,
 * circuit breakers and accounting. A client that goes away aborts the upstream.
 */
export class Gateway {
  readonly usage: GatewayUsage
  /** undici (~11 MiB resident) loads with the first request: an idle agent does not pay for it. */
  private upstream: Promise<{ mod: typeof Upstream, pool: UndiciAgent }> | null = null
  private readonly breakers = new Map<string, BreakerState>()
  /** First-byte times of requests this host's own Ollama served: [time, ms], last 5 minutes, at most 500. */
  private readonly localFirstBytes: Array<[number, number]> = []
  private readonly limiter: UpstreamLimiter
  readonly contextModels: ContextModels
  readonly env: NodeJS.ProcessEnv
  private readonly clock: () => number
  /** The ledger, quotas and 429 windows (set once the agent opened it; null: nothing counted). */
  spend: Spend | null = null

  constructor (readonly init: GatewayInit) {
    this.usage = new GatewayUsage(init.registry)
    this.env = init.env ?? process.env
    this.clock = init.clock ?? Date.now
    this.limiter = new UpstreamLimiter(init.config.gateway.maxStreamsPerUpstream, init.registry)
    this.contextModels = new ContextModels(init.log)
  }

  get config (): FleetConfig { return this.init.config }

  async close (): Promise<void> {
    if (this.upstream !== null) await (await this.upstream).pool.destroy()
  }

  async connectUpstream (): Promise<{ mod: typeof Upstream, pool: UndiciAgent }> {
    this.upstream ??= import('./upstream.js').then(mod => ({ mod, pool: mod.createUpstreamPool(this.init.config.gateway) }))
    return await this.upstream
  }

  usageTable (): UsageRow[] { return this.usage.table() }

  /** For this host's report: how fast its own Ollama starts answering (p95 over the last 5 minutes). */
  latency (): { localRequests: number, firstByteP95Ms: number | null } {
    const since = this.clock() - 5 * 60_000
    while (this.localFirstBytes.length > 0 && this.localFirstBytes[0]![0] < since) this.localFirstBytes.shift()
    const sorted = this.localFirstBytes.map(([, ms]) => ms).sort((a, b) => a - b)
    const p95 = sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!
    return { localRequests: sorted.length, firstByteP95Ms: p95 === null ? null : Math.round(p95 * 10) / 10 }
  }

  /** The context length a name runs with: the catalog's for a model, the best local candidate's for a role. */
  contextLength (name: string): number | null {
    const direct = this.config.models.find(m => m.name === name)
    if (direct !== undefined) return direct.contextLength
    const chain = explainRoute(this.routeInputFor(name))
    const local = chain.ok ? chain.steps.find(s => s.target?.ollama !== undefined)?.target?.ollama?.contextLength : undefined
    const catalog = this.config.models.filter(m => m.roles.includes(name)).sort((a, b) => b.quality - a.quality)[0]?.contextLength
    return local ?? catalog ?? null
  }

  /** GET /v1/models: the roles, then the catalog's models, in OpenAI's list shape with their context length. */
  models (): { object: 'list', data: Array<ReturnType<Gateway['model']> & object> } {
    const { roles, models } = gatewayModelNames(this.config)
    return { object: 'list', data: [...roles, ...models].map(id => this.model(id)!) }
  }

  /** GET /v1/models/{id}: one entry, or null for a name that is neither a role nor a catalog model. */
  model (id: string): { id: string, object: 'model', created: number, owned_by: string, context_length: number | null } | null {
    const { roles, models } = gatewayModelNames(this.config)
    if (!roles.includes(id) && !models.includes(id)) return null
    return { id, object: 'model', created: 0, owned_by: roles.includes(id) ? 'gpufleet-role' : 'gpufleet-catalog', context_length: this.contextLength(id) }
  }

  /** What the chain for `requested` is resolved from, now: plan, inventory, keys set, open circuits. */
  routeInputFor (requested: string, profile?: string): ResolveInput {
    const ctx = this.init.context()
    const keysSet = new Set(this.config.cloud.map(p => p.apiKeyEnv).filter(k => (this.env[k] ?? '') !== ''))
    const now = this.clock()
    const openCircuits = new Map([...this.breakers].filter(([, s]) => s.openUntil > now).map(([url, s]) => [url, s.openUntil]))
    const limits = this.spend?.limits(now)
    return { requested, self: ctx.self, plan: ctx.plan, config: this.config, peerOllama: ctx.peerOllama, ollamaVersions: ctx.ollamaVersions, keysSet, openCircuits, profile, now, ...limits }
  }

  /** `GET /api/route?role=&profile=`: the chain this host would try now (gpufleet.route/v1). */
  explain (role: string, profile?: string): { ok: true, document: RouteDocument } | { ok: false, available: string[] } | { ok: false, error: string } {
    const picked = requestProfile(role, profile, this.config)
    if (!picked.ok) return { ok: false, error: picked.message }
    return routeDocument(this.routeInputFor(mapModelName(picked.model, this.config), picked.profile))
  }

  /** The OpenAI-compatible endpoints: the body goes through with only `model` rewritten. */
  async handle (req: IncomingMessage, res: ServerResponse, path: GatewayPath): Promise<void> {
    const started = performance.now()
    const parsed = await this.readJson(req, res, openAiError)
    if (parsed === null) return
    const requested = parsed.model
    if (typeof requested !== 'string' || requested === '') {
      sendOpenAiError(res, 400, 'you must provide a model parameter (a role such as "chat", or a catalog model)', 'invalid_request_error', null, 'model')
      return
    }
    const field = path === '/v1/chat/completions' ? 'messages' : path === '/v1/completions' ? 'prompt' : 'input'
    if (field === 'messages' ? !Array.isArray(parsed.messages) : parsed[field] === undefined || parsed[field] === null) {
      sendOpenAiError(res, 400, `you must provide a ${field} parameter`, 'invalid_request_error', null, field)
      return
    }
    // Streams carry usage only when asked: ask for it, and hide it again from a client that did not.
    const options = parsed.stream_options as { include_usage?: unknown } | undefined
    const addUsage = parsed.stream === true && path !== '/v1/embeddings' && options?.include_usage !== true
    const body = addUsage ? { ...parsed, stream_options: { ...(typeof options === 'object' && options !== null ? options : {}), include_usage: true } } : parsed
    await this.dispatch(req, res, requested, started, {
      accepts: target => target.api === 'openai',
      prepare: (target, model) => ({ url: `${target.baseUrl}/${GATEWAY_ENDPOINTS[path]}`, headers: { ...this.authHeaders(target), 'content-type': 'application/json', accept: String(req.headers.accept ?? 'application/json, text/event-stream') }, body: JSON.stringify({ ...body, model }) }),
      deliver: async (response, out, target) => await this.relay(response, out, target, 'openai', addUsage),
      error: openAiError
    })
  }

  /** The credentials a cloud target wants, read from the environment at request time. */
  authHeaders (target: GatewayTarget): Record<string, string> {
    if (target.apiKeyEnv === undefined) return {}
    const key = this.env[target.apiKeyEnv] ?? ''
    return target.api === 'anthropic' ? { 'x-api-key': key } : { authorization: `Bearer ${key}` }
  }

  /**
   * Tries the chain for `requested` in order. Before the first byte a refusal, a timeout or a 5xx
   * moves on to the next target; a 4xx (429 included) is the answer, passed on with its headers.
   */
  async dispatch (req: IncomingMessage, res: ServerResponse, rawRequested: string, started: number, exchange: Exchange): Promise<void> {
    const header = req.headers['x-gpufleet-profile']
    const picked = requestProfile(rawRequested, Array.isArray(header) ? header[0] : header, this.config)
    if (!picked.ok) { exchange.error(res, 400, picked.message, 'unknown_profile'); return }
    const requested = mapModelName(picked.model, this.config)
    const chain = explainRoute(this.routeInputFor(requested, picked.profile))
    if (!chain.ok) {
      exchange.error(res, 404, `The model \`${rawRequested}\` does not exist. Available: ${chain.available.join(', ')} (or a name gateway.modelMap maps to one)`, 'model_not_found')
      return
    }
    const role = chain.role ?? requested
    const ledger = (target: GatewayTarget | null, outcome: LedgerOutcome, tokens: Tokens | null): void => {
      if (exchange.counted === false || this.spend === null) return
      const buckets = tokens === null ? { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 } : bucketsOf(tokens)
      this.spend.record({ at: this.clock(), role, profile: chain.profile, target: target?.label ?? '', kind: target?.kind ?? 'none', via: target?.via ?? '', model: target?.model ?? '', tokens: buckets, latencyMs: Math.round(performance.now() - started), outcome })
    }
    const controller = new AbortController()
    res.on('close', () => { if (!res.writableFinished) controller.abort(new Error('client went away')) })
    const attempts: string[] = []
    /** Targets that cannot take this API at all (an Anthropic-only cloud for an OpenAI request). */
    const unreachable: string[] = []
    let tried = 0
    for (const step of chain.steps) {
      if (controller.signal.aborted) return
      const target = step.target
      if (target === null) continue
      if (!exchange.accepts(target)) { unreachable.push(`${target.label}: speaks ${target.api === 'anthropic' ? 'only Anthropic Messages' : 'another API'}`); continue }
      if (!step.usable && step.skip !== 'breaker') { attempts.push(`${target.label}: ${step.reason ?? ''}`); this.usage.failovers.inc({ from_kind: target.kind, reason: step.skip ?? 'skipped' }); continue }
      const { allowed, state } = breakerAllows(this.breakers.get(target.baseUrl) ?? closedBreaker(), this.clock())
      this.breakers.set(target.baseUrl, state)
      if (!allowed) { attempts.push(`${target.label}: circuit open`); this.usage.failovers.inc({ from_kind: target.kind, reason: 'breaker' }); continue }
      tried++
      const { mod, pool } = await this.connectUpstream()
      const model = target.ollama === undefined ? target.model : await this.contextModels.nameFor(target, pool)
      let release: () => void
      try { release = await this.limiter.acquire(target.baseUrl, controller.signal) } catch { this.unprobe(target); return }
      try {
        const outcome = await mod.callUpstream({ ...exchange.prepare(target, model), signal: controller.signal, pool })
        if (!outcome.ok) {
          if (controller.signal.aborted) { this.unprobe(target); return }
          this.record(target, false)
          attempts.push(`${target.label}: ${outcome.detail}`)
          this.usage.failovers.inc({ from_kind: target.kind, reason: outcome.reason })
          this.init.log.warn({ target: target.label, reason: outcome.detail }, 'gateway target failed, trying the next')
          continue
        }
        const { response } = outcome
        if (response.statusCode >= 500) {
          await response.body.dump().catch(() => {})
          this.record(target, false)
          attempts.push(`${target.label}: HTTP ${response.statusCode}`)
          this.usage.failovers.inc({ from_kind: target.kind, reason: 'status' })
          this.init.log.warn({ target: target.label, status: response.statusCode }, 'gateway target failed, trying the next')
          continue
        }
        this.record(target, true)
        const firstByteMs = performance.now() - started
        this.usage.served(role, target, firstByteMs, response.statusCode)
        if (response.statusCode === 429 && target.kind === 'cloud' && this.spend !== null) {
          const h = (name: string): string | undefined => { const v = response.headers[name]; return Array.isArray(v) ? v[0] : v }
          this.spend.rateLimited(target.via, retryAfterUntil({ retryAfter: h('retry-after'), retryAfterMs: h('retry-after-ms') }, this.clock(), this.config.gateway.breakerCoolDown))
        }
        const answered: LedgerOutcome = response.statusCode < 400 ? 'ok' : response.statusCode === 429 ? 'rate_limited' : 'client_error'
        if (target.kind === 'local') {
          this.localFirstBytes.push([this.clock(), firstByteMs])
          if (this.localFirstBytes.length > 500) this.localFirstBytes.shift()
        }
        try {
          const tokens = await exchange.deliver(response, res, target)
          if (tokens !== null) this.usage.tokensUsed(role, target, tokens)
          ledger(target, answered, tokens)
        } catch (err) {
          if (!res.destroyed) this.init.log.warn({ target: target.label, err: (err as Error).message }, 'upstream failed after the first byte')
          this.usage.failed(role, target, 'upstream_error')
          ledger(target, 'upstream_error', null)
          if (!res.writableEnded) res.destroy()
        }
        return
      } finally {
        release()
      }
    }
    // Nothing was sent anywhere: nothing here can serve it (503); else every target failed (502).
    this.usage.failed(role, null, tried === 0 ? 'no_target' : 'upstream_error')
    ledger(null, tried === 0 ? 'no_target' : 'upstream_error', null)
    if (tried === 0) {
      const out = [...chain.steps.filter(s => s.target === null).map(s => `${s.label}: ${s.reason ?? ''}`), ...attempts, ...unreachable]
      exchange.error(res, 503, `no target serves "${requested}" here${out.length > 0 ? ` (${out.join('; ')})` : ': no local model in the plan for this host and no cloud provider for it'}`, 'no_target')
    } else {
      exchange.error(res, 502, `every target for "${requested}" failed before answering: ${[...attempts, ...unreachable].join('; ')}`, 'upstream_unavailable')
    }
  }

  /** A half-open circuit whose probe was abandoned by its client lets the next request probe. */
  private unprobe (target: GatewayTarget): void {
    const state = this.breakers.get(target.baseUrl)
    if (state?.probing === true) this.breakers.set(target.baseUrl, { ...state, probing: false })
  }

  private record (target: GatewayTarget, ok: boolean): void {
    const { breakerThreshold, breakerCoolDown } = this.config.gateway
    this.breakers.set(target.baseUrl, breakerRecord(this.breakers.get(target.baseUrl) ?? closedBreaker(), ok, this.clock(), { threshold: breakerThreshold, coolDownMs: breakerCoolDown }))
  }

  /**
   * Status and headers first, then every chunk as it arrives, unchanged; usage read on the way.
   * After the first byte an upstream failure ends a stream the protocol's way (an error event).
   */
  async relay (response: Dispatcher.ResponseData, res: ServerResponse, target: GatewayTarget, format: UsageFormat, stripUsage = false): Promise<Tokens | null> {
    const headers = passedHeaders(response, target)
    const contentType = headers['content-type'] ?? ''
    const streamed = contentType.includes('text/event-stream') || contentType.includes('ndjson')
    if (contentType.includes('text/event-stream')) { headers['cache-control'] = 'no-cache'; headers['x-accel-buffering'] = 'no' }
    res.writeHead(response.statusCode, headers)
    res.flushHeaders()
    const scanner = new UsageScanner(format)
    const collected: Buffer[] = []
    const filter = stripUsage && contentType.includes('text/event-stream') ? new UsageChunkFilter() : null
    const decoder = new TextDecoder()
    let size = 0
    try {
      for await (const chunk of response.body) {
        const buf = chunk as Buffer
        if (streamed) scanner.push(buf)
        else if (size < 4 * 1024 * 1024) { collected.push(buf); size += buf.length }
        const out = filter === null ? buf : filter.push(decoder.decode(buf, { stream: true }))
        if (out.length > 0 && !await writeChunk(res, out)) { response.body.destroy(); return null }
      }
      res.end(filter === null ? undefined : filter.end())
    } catch (err) {
      if (res.destroyed) return null
      if (contentType.includes('text/event-stream')) {
        const message = `upstream ${target.label} failed mid-stream: ${(err as Error).message}`
        res.end(format === 'anthropic'
          ? `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`
          : `data: ${JSON.stringify({ error: { message, type: 'server_error', code: 'upstream_interrupted' } })}\n\n`)
      }
      throw err
    }
    return streamed ? scanner.usage : usageOf(format, Buffer.concat(collected).toString('utf8'))
  }

  /** The body as a JSON object, bounded by gateway.maxBodyBytes; a malformed one is a 400 in the API's error shape. */
  async readJson (req: IncomingMessage, res: ServerResponse, error: Exchange['error']): Promise<Record<string, unknown> | null> {
    const limit = this.config.gateway.maxBodyBytes
    const declared = Number(req.headers['content-length'] ?? NaN)
    const tooLarge = (): null => {
      error(res, 413, `request body larger than gateway.maxBodyBytes (${limit} bytes)`, 'body_too_large', { connection: 'close' })
      req.resume()
      return null
    }
    if (Number.isFinite(declared) && declared > limit) return tooLarge()
    const body = await readBounded(req as AsyncIterable<Buffer>, limit)
    if (body === null) return tooLarge()
    try {
      const value: unknown = JSON.parse(body.toString('utf8'))
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
      return value as Record<string, unknown>
    } catch {
      error(res, 400, 'the request body is not a JSON object', 'invalid_json')
      return null
    }
  }
}

export const openAiError: Exchange['error'] = (res, status, message, code, headers = {}) => {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error'
  sendOpenAiError(res, status, message, type, code, code === 'model_not_found' ? 'model' : null, headers)
}

/**
 * Writes one chunk with backpressure: a slow client slows the upstream read instead of growing our
 * memory. Listeners are removed once the wait ends (one pair per drain would pile up on a long stream).
 */
export async function writeChunk (res: ServerResponse, chunk: Buffer | string): Promise<boolean> {
  if (res.destroyed) return false
  if (!res.write(chunk)) {
    await new Promise<void>(resolve => {
      const done = (): void => { res.off('drain', done); res.off('close', done); resolve() }
      res.on('drain', done)
      res.on('close', done)
    })
  }
  return !res.destroyed
}
