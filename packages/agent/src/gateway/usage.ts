import { Counter, Histogram, type Registry } from 'prom-client'
import type { GatewayTarget } from '@gpufleet/core'

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

export interface Tokens { in: number, out: number }

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
    this.requests = new Counter({ name: 'gpufleet_gateway_requests_total', help: 'Gateway requests by role, target kind, provider/host and outcome (ok, upstream_error, no_target).', labelNames: ['role', 'kind', 'via', 'outcome'], registers })
    this.tokens = new Counter({ name: 'gpufleet_gateway_tokens_total', help: 'Tokens in (prompt) and out (completion) as the upstream reported them.', labelNames: ['role', 'kind', 'via', 'direction'], registers })
    this.firstByte = new Histogram({ name: 'gpufleet_gateway_first_byte_seconds', help: 'Time from the request to the upstream\'s first byte, by target kind.', labelNames: ['kind'], buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60], registers })
    this.failovers = new Counter({ name: 'gpufleet_gateway_failovers_total', help: 'Targets skipped before the first byte, by kind and reason (refused, timeout, status, breaker, no_key).', labelNames: ['from_kind', 'reason'], registers })
  }

  served (role: string, target: GatewayTarget, firstByteMs: number): void {
    this.firstByte.observe({ kind: target.kind }, firstByteMs / 1000)
    this.requests.inc({ role, kind: target.kind, via: target.via, outcome: 'ok' })
    this.row(role, target).requests++
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
    return [...this.rows.values()].map(r => ({ ...r })).sort((a, b) => a.role.localeCompare(b.role) || a.kind.localeCompare(b.kind) || a.via.localeCompare(b.via))
  }
}

/** Reads `usage` from a JSON response body. */
export function usageOfJson (text: string): Tokens | null {
  try {
    const usage = (JSON.parse(text) as { usage?: { prompt_tokens?: number, completion_tokens?: number } }).usage
    return usage === undefined ? null : { in: usage.prompt_tokens ?? 0, out: usage.completion_tokens ?? 0 }
  } catch {
    return null
  }
}

/**
 * Watches a server-sent-events stream as it passes through, for the chunk that carries `usage`
 * (OpenAI and Ollama send it last when asked with stream_options.include_usage). Only lines that
 * mention usage are parsed, and a partial line is kept between chunks.
 */
export class SseUsageScanner {
  private tail = ''
  usage: Tokens | null = null

  push (chunk: Buffer): void {
    const text = this.tail + chunk.toString('utf8')
    const lines = text.split('\n')
    this.tail = (lines.pop() ?? '').slice(-65536)
    for (const line of lines) {
      if (!line.startsWith('data:') || !line.includes('"usage"')) continue
      const found = usageOfJson(line.slice(5).trim())
      if (found !== null) this.usage = found
    }
  }
}
