import { Counter, Histogram, type Registry } from 'prom-client'
import { byName, mergeAnthropicUsage, tokensFromOllama, tokensFromOpenAi, type GatewayTarget, type TokenCounts } from '@gpufleet/core'

export interface UsageRow {
  role: string
  kind: GatewayTarget['kind']
  /** Ollama for local, the peer's hostname, or the cloud provider. */
  via: string
  model: string
  requests: number
  errors: number
  tokensIn: number
  tokensOut: number
}

/** Prompt and completion tokens as before, and the four priced buckets when the upstream said them. */
export interface Tokens { in: number, out: number, buckets?: TokenCounts }

/** The ledger's buckets: the upstream's own, else all input as uncached. */
export const bucketsOf = (t: Tokens): TokenCounts => t.buckets ?? { uncached: t.in, cacheRead: 0, cacheWrite: 0, output: t.out }

/**
 * What the gateway served, by role, target kind and provider: Prometheus counters for monitoring,
 * and a small table for the status document ("how much went local vs cloud"). Never a key or a body.
 */
export class GatewayUsage {
  private readonly rows = new Map<string, UsageRow>()
  private readonly requests: Counter<'role' | 'kind' | 'via' | 'outcome'>
  private readonly tokens: Counter<'role' | 'kind' | 'via' | 'direction'>
  private readonly firstByte: Histogram<'kind'>
  readonly failovers: Counter<'from_kind' | 'reason'>

  constructor (registry: Registry) {
    const registers = [registry]
    this.requests = new Counter({ name: 'gpufleet_gateway_requests_total', help: 'Gateway requests by role, target kind, provider/host and outcome (ok, rate_limited, client_error, upstream_error, no_target).', labelNames: ['role', 'kind', 'via', 'outcome'], registers })
    this.tokens = new Counter({ name: 'gpufleet_gateway_tokens_total', help: 'Tokens in (prompt) and out (completion) as the upstream reported them.', labelNames: ['role', 'kind', 'via', 'direction'], registers })
    this.firstByte = new Histogram({ name: 'gpufleet_gateway_first_byte_seconds', help: 'Time from the request to the upstream\'s first byte, by target kind.', labelNames: ['kind'], buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60], registers })
    this.failovers = new Counter({ name: 'gpufleet_gateway_failovers_total', help: 'Targets skipped before the first byte, by kind and reason (refused, timeout, status, breaker, no_key).', labelNames: ['from_kind', 'reason'], registers })
  }

  /** A target answered: any 4xx/5xx is an error (429: rate_limited), whoever's fault it was. */
  served (role: string, target: GatewayTarget, firstByteMs: number, status = 200): void {
    this.firstByte.observe({ kind: target.kind }, firstByteMs / 1000)
    const outcome = status < 400 ? 'ok' : status === 429 ? 'rate_limited' : status < 500 ? 'client_error' : 'upstream_error'
    this.requests.inc({ role, kind: target.kind, via: target.via, outcome })
    const row = this.row(role, target)
    row.requests++
    if (status >= 400) row.errors++
  }

  tokensUsed (role: string, target: GatewayTarget, tokens: Tokens): void {
    const labels = { role, kind: target.kind, via: target.via }
    if (tokens.in > 0) this.tokens.inc({ ...labels, direction: 'in' }, tokens.in)
    if (tokens.out > 0) this.tokens.inc({ ...labels, direction: 'out' }, tokens.out)
    const row = this.row(role, target)
    row.tokensIn += tokens.in
    row.tokensOut += tokens.out
  }

  failed (role: string, target: GatewayTarget | null, outcome: 'upstream_error' | 'no_target'): void {
    this.requests.inc({ role, kind: target?.kind ?? 'none', via: target?.via ?? '', outcome })
    if (target !== null) this.row(role, target).errors++
  }

  private row (role: string, target: GatewayTarget): UsageRow {
    const key = `${role}\u0000${target.label}`
    let row = this.rows.get(key)
    if (row === undefined) {
      row = { role, kind: target.kind, via: target.via, model: target.model, requests: 0, errors: 0, tokensIn: 0, tokensOut: 0 }
      this.rows.set(key, row)
    }
    return row
  }

  table (): UsageRow[] {
    return [...this.rows.values()].map(r => ({ ...r })).sort((a, b) => byName(a.role, b.role) || byName(a.kind, b.kind) || byName(a.via, b.via))
  }
}

/** Reads `usage` from a JSON response body. */
export function usageOfJson (text: string): Tokens | null {
  try {
    const usage = (JSON.parse(text) as { usage?: { prompt_tokens?: number, completion_tokens?: number } }).usage
    const buckets = tokensFromOpenAi(usage)
    return usage === undefined || usage === null || buckets === null ? null : { in: usage.prompt_tokens ?? 0, out: usage.completion_tokens ?? 0, buckets }
  } catch {
    return null
  }
}

/** Reads Anthropic's `usage` (message_start carries input, message_delta the output so far). */
function anthropicUsage (value: { type?: string, usage?: { input_tokens?: number, output_tokens?: number }, message?: { usage?: { input_tokens?: number, output_tokens?: number } } }, prev: Tokens | null): Tokens | null {
  const usage = value.usage ?? value.message?.usage
  if (usage === undefined) return prev
  const buckets = mergeAnthropicUsage(prev?.buckets ?? null, usage) ?? undefined
  return { in: usage.input_tokens ?? prev?.in ?? 0, out: usage.output_tokens ?? prev?.out ?? 0, buckets }
}

/** The wire format a response body is in, for reading its token counts. */
export type UsageFormat = 'openai' | 'anthropic' | 'ollama'

/** Token counts of a complete JSON body in one of the formats. */
export function usageOf (format: UsageFormat, text: string): Tokens | null {
  try {
    const value = JSON.parse(text) as Record<string, unknown>
    if (format === 'openai') return usageOfJson(text)
    if (format === 'anthropic') return anthropicUsage(value, null)
    const buckets = tokensFromOllama(value)
    return buckets === null ? null : { in: buckets.uncached, out: buckets.output, buckets }
  } catch {
    return null
  }
}

/**
 * Watches a stream as it passes through (server-sent events, or Ollama's NDJSON) for the lines
 * that carry token counts: OpenAI's last chunk when asked with stream_options.include_usage,
 * Anthropic's message_start and message_delta, Ollama's final line. Only lines that mention them
 * are parsed, and a partial line is kept between chunks.
 */
export class UsageScanner {
  private tail = ''
  usage: Tokens | null = null

  constructor (private readonly format: UsageFormat) {}

  push (chunk: Buffer): void {
    const text = this.tail + chunk.toString('utf8')
    const lines = text.split('\n')
    this.tail = (lines.pop() ?? '').slice(-65536)
    for (const line of lines) {
      const payload = this.format === 'ollama' ? line : line.startsWith('data:') ? line.slice(5).trim() : ''
      if (!payload.includes(this.format === 'ollama' ? '"eval_count"' : '"usage"')) continue
      if (this.format === 'anthropic') {
        try { this.usage = anthropicUsage(JSON.parse(payload) as Parameters<typeof anthropicUsage>[0], this.usage) } catch { /* not JSON: not ours to judge */ }
      } else {
        const found = usageOf(this.format, payload)
        if (found !== null) this.usage = found
      }
    }
  }
}
