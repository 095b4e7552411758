import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Agent as UndiciAgent, Dispatcher } from 'undici'
import {
  breakerAllows, breakerRecord, closedBreaker, gatewayModelNames, resolveTargets,
  type BreakerState, type FleetConfig, type GatewayTarget, type Plan
} from '@gpufleet/core'
import { sendOpenAiError } from './errors.js'
import type * as Upstream from './upstream.js'
import { GatewayUsage, SseUsageScanner, usageOfJson, type UsageRow } from './usage.js'
import { readBounded } from '../read-bounded.js'

/** The OpenAI endpoints the gateway relays, and which target kinds serve each. */
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
}

export interface GatewayInit {
  config: FleetConfig
  log: Logger
  registry: Registry
  context: () => GatewayContext
  env?: NodeJS.ProcessEnv
  clock?: () => number
}

/** Response headers passed on from the upstream; hop-by-hop ones and cookies are not. */
const PASSED_HEADERS = ['content-type', 'cache-control', 'openai-processing-ms', 'x-request-id']

/**
 * The OpenAI-compatible endpoint of every agent: `model` names a role or a catalog model, the plan
 * in force picks local → peer → cloud, failing over before the first byte. Bodies are relayed as
 * they arrive (server-sent events chunk by chunk); a client that goes away aborts the upstream.
 */
export class Gateway {
  readonly usage: GatewayUsage
  /** undici (~11 MiB resident) loads with the first request: an idle agent does not pay for it. */
  private upstream: Promise<{ mod: typeof Upstream, pool: UndiciAgent }> | null = null
  private readonly breakers = new Map<string, BreakerState>()
  /** First-byte times of requests this host's own Ollama served: [time, ms], last 5 minutes, at most 500. */
  private readonly localFirstBytes: Array<[number, number]> = []
  private readonly env: NodeJS.ProcessEnv
  private readonly clock: () => number

  constructor (private readonly init: GatewayInit) {
    this.usage = new GatewayUsage(init.registry)
    this.env = init.env ?? process.env
    this.clock = init.clock ?? Date.now
  }

  async close (): Promise<void> {
    if (this.upstream !== null) await (await this.upstream).pool.destroy()
  }

  private async connectUpstream (): Promise<{ mod: typeof Upstream, pool: UndiciAgent }> {
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

  /** GET /v1/models: the catalog's roles, then its models, in OpenAI's list shape. */
  models (): { object: 'list', data: Array<{ id: string, object: 'model', created: number, owned_by: string }> } {
    const { roles, models } = gatewayModelNames(this.init.config)
    return {
      object: 'list',
      data: [...roles.map(id => ({ id, object: 'model' as const, created: 0, owned_by: 'gpufleet-role' })), ...models.map(id => ({ id, object: 'model' as const, created: 0, owned_by: 'gpufleet-catalog' }))]
    }
  }

  async handle (req: IncomingMessage, res: ServerResponse, path: GatewayPath): Promise<void> {
    const started = performance.now()
    const body = await this.readBody(req, res)
    if (body === null) return
    let parsed: Record<string, unknown>
    try {
      const value: unknown = JSON.parse(body)
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
      parsed = value as Record<string, unknown>
    } catch {
      sendOpenAiError(res, 400, 'the request body is not a JSON object', 'invalid_request_error', 'invalid_json')
      return
    }
    const requested = parsed.model
    if (typeof requested !== 'string' || requested === '') {
      sendOpenAiError(res, 400, 'you must provide a model parameter (a role such as "chat", or a catalog model)', 'invalid_request_error', null, 'model')
      return
    }
    const ctx = this.init.context()
    const resolution = resolveTargets({ requested, self: ctx.self, plan: ctx.plan, config: this.init.config, peerOllama: ctx.peerOllama })
    if (!resolution.ok) {
      sendOpenAiError(res, 404, `The model \`${requested}\` does not exist. Available: ${resolution.available.join(', ')}`, 'invalid_request_error', 'model_not_found', 'model')
      return
    }
    const role = resolution.role ?? requested
    // A 4xx from a target (a model that cannot embed, a bad parameter) is the client's error and is
    // passed on as is; only refusals, timeouts and 5xx move on to the next target.
    const controller = new AbortController()
    res.on('close', () => { if (!res.writableFinished) controller.abort(new Error('client went away')) })
    const attempts: string[] = []
    for (const target of resolution.targets) {
      if (controller.signal.aborted) return
      const skip = this.skipReason(target)
      if (skip !== null) { attempts.push(`${target.label}: ${skip.detail}`); this.usage.failovers.inc({ from_kind: target.kind, reason: skip.reason }); continue }
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: String(req.headers.accept ?? 'application/json, text/event-stream') }
      if (target.apiKeyEnv !== undefined) headers.authorization = `Bearer ${this.env[target.apiKeyEnv] ?? ''}`
      const { mod, pool } = await this.connectUpstream()
      const outcome = await mod.callUpstream({ url: `${target.baseUrl}/${GATEWAY_ENDPOINTS[path]}`, headers, body: JSON.stringify({ ...parsed, model: target.model }), signal: controller.signal, pool })
      if (!outcome.ok) {
        if (controller.signal.aborted) return
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
      this.usage.served(role, target, firstByteMs)
      if (target.kind === 'local') {
        this.localFirstBytes.push([this.clock(), firstByteMs])
        if (this.localFirstBytes.length > 500) this.localFirstBytes.shift()
      }
      await this.relay(response, res, role, target)
      return
    }
    this.usage.failed(role, null, resolution.targets.length === 0 ? 'no_target' : 'upstream_error')
    if (resolution.targets.length === 0) {
      sendOpenAiError(res, 503, `no target serves "${requested}": no local model in the plan for this host and no cloud provider for it`, 'server_error', 'no_target')
    } else {
      sendOpenAiError(res, 502, `every target for "${requested}" failed before answering: ${attempts.join('; ')}`, 'server_error', 'upstream_unavailable')
    }
  }

  /** Why a target is not even tried: its key is not set, or its circuit is open. */
  private skipReason (target: GatewayTarget): { reason: 'no_key' | 'breaker', detail: string } | null {
    if (target.apiKeyEnv !== undefined && (this.env[target.apiKeyEnv] ?? '') === '') return { reason: 'no_key', detail: `${target.apiKeyEnv} is not set` }
    const { allowed, state } = breakerAllows(this.breakers.get(target.baseUrl) ?? closedBreaker(), this.clock())
    this.breakers.set(target.baseUrl, state)
    return allowed ? null : { reason: 'breaker', detail: 'circuit open' }
  }

  private record (target: GatewayTarget, ok: boolean): void {
    const { breakerThreshold, breakerCoolDown } = this.init.config.gateway
    this.breakers.set(target.baseUrl, breakerRecord(this.breakers.get(target.baseUrl) ?? closedBreaker(), ok, this.clock(), { threshold: breakerThreshold, coolDownMs: breakerCoolDown }))
  }

  /** Status and headers first, then every chunk as it arrives; usage read on the way. */
  private async relay (response: Dispatcher.ResponseData, res: ServerResponse, role: string, target: GatewayTarget): Promise<void> {
    const headers: Record<string, string> = { 'x-gpufleet-target': target.label }
    for (const name of PASSED_HEADERS) {
      const value = response.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    const sse = (headers['content-type'] ?? '').includes('text/event-stream')
    if (sse) { headers['cache-control'] = 'no-cache'; headers['x-accel-buffering'] = 'no' }
    res.writeHead(response.statusCode, headers)
    res.flushHeaders()
    const scanner = new SseUsageScanner()
    const collected: Buffer[] = []
    let size = 0
    try {
      for await (const chunk of response.body) {
        const buf = chunk as Buffer
        if (sse) scanner.push(buf)
        else if (size < 4 * 1024 * 1024) { collected.push(buf); size += buf.length }
        // Backpressure: a slow client slows the upstream read instead of growing our memory.
        if (!res.write(buf)) await new Promise<void>(resolve => { res.once('drain', resolve); res.once('close', resolve) })
        if (res.destroyed) { response.body.destroy(); return }
      }
      res.end()
    } catch (err) {
      if (res.destroyed) return
      this.init.log.warn({ target: target.label, err: (err as Error).message }, 'upstream failed after the first byte')
      // Mid-stream, the protocol's way: an error event, then the end of the stream.
      if (sse) res.end(`data: ${JSON.stringify({ error: { message: `upstream ${target.label} failed mid-stream: ${(err as Error).message}`, type: 'server_error', code: 'upstream_interrupted' } })}\n\n`)
      else res.destroy(err as Error)
      this.usage.failed(role, target, 'upstream_error')
      return
    }
    const tokens = sse ? scanner.usage : usageOfJson(Buffer.concat(collected).toString('utf8'))
    if (tokens !== null) this.usage.tokensUsed(role, target, tokens)
  }

  /** The body, bounded: a client cannot make the agent buffer more than gateway.maxBodyBytes. */
  private async readBody (req: IncomingMessage, res: ServerResponse): Promise<string | null> {
    const limit = this.init.config.gateway.maxBodyBytes
    const declared = Number(req.headers['content-length'] ?? NaN)
    const tooLarge = (): null => {
      sendOpenAiError(res, 413, `request body larger than gateway.maxBodyBytes (${limit} bytes)`, 'invalid_request_error', 'body_too_large', null, { connection: 'close' })
      req.resume()
      return null
    }
    if (Number.isFinite(declared) && declared > limit) return tooLarge()
    const body = await readBounded(req as AsyncIterable<Buffer>, limit)
    return body === null ? tooLarge() : body.toString('utf8')
  }
}
