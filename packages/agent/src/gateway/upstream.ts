import { Agent, errors, request, type Dispatcher } from 'undici'
import type { FleetConfig } from '@gpufleet/core'

/** Why a target was skipped before its first byte: the request then goes on to the next target. */
export type SkipReason = 'refused' | 'timeout' | 'status' | 'network' | 'breaker' | 'no_key'

/**
 * One connection pool for every upstream, with the config's timeouts: a short connect timeout
 * (a dead host is skipped fast), a long wait for the first byte (a non-streaming answer starts
 * only when complete — no 300 s cut-off), and a bound on silence between chunks.
 */
export function createUpstreamPool (gateway: FleetConfig['gateway']): Agent {
  return new Agent({
    connect: { timeout: gateway.connectTimeout },
    headersTimeout: gateway.responseTimeout,
    bodyTimeout: gateway.idleTimeout,
    keepAliveTimeout: 30_000,
    // No cap here: a capped pool queues whole streams behind one another, hidden from every metric.
    // The gateway bounds each upstream itself (gateway.maxStreamsPerUpstream) and counts who waits.
    connections: null
  })
}

export interface UpstreamCall {
  url: string
  headers: Record<string, string>
  body: string
  signal: AbortSignal
  pool: Dispatcher
}

/** Sends one request; undici's errors become the reason the caller logs and counts. */
export async function callUpstream (call: UpstreamCall): Promise<{ ok: true, response: Dispatcher.ResponseData } | { ok: false, reason: SkipReason, detail: string }> {
  try {
    const response = await request(call.url, { method: 'POST', headers: call.headers, body: call.body, signal: call.signal, dispatcher: call.pool })
    return { ok: true, response }
  } catch (err) {
    const e = err as Error & { code?: string }
    if (e.code === 'ECONNREFUSED') return { ok: false, reason: 'refused', detail: 'connection refused' }
    if (err instanceof errors.ConnectTimeoutError || err instanceof errors.HeadersTimeoutError) return { ok: false, reason: 'timeout', detail: e.message }
    return { ok: false, reason: 'network', detail: e.code ?? e.message }
  }
}
