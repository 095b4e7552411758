import { Gauge, type Registry } from 'prom-client'

/**
 * At most `limit` requests in flight per upstream; the rest wait in arrival order and are counted in
 * a gauge, so a saturated upstream shows up in /metrics instead of as unexplained latency.
 */
export class UpstreamLimiter {
  private readonly active = new Map<string, number>()
  private readonly queues = new Map<string, Array<() => void>>()
  private readonly waiting: Gauge<'upstream'>

  constructor (private readonly limit: number, registry: Registry) {
    this.waiting = new Gauge({ name: 'gpufleet_gateway_waiting_streams', help: 'Requests waiting for a free slot on an upstream (gateway.maxStreamsPerUpstream).', labelNames: ['upstream'], registers: [registry] })
  }

  /** Resolves with a release function once a slot is free; rejects when the signal aborts first. */
  async acquire (upstream: string, signal: AbortSignal): Promise<() => void> {
    const release = (): void => {
      const next = this.queues.get(upstream)?.shift()
      if (next !== undefined) { this.waiting.dec({ upstream }); next(); return }
      const n = (this.active.get(upstream) ?? 1) - 1
      if (n <= 0) { this.active.delete(upstream); this.queues.delete(upstream) } else this.active.set(upstream, n)
    }
    const n = this.active.get(upstream) ?? 0
    if (n < this.limit) { this.active.set(upstream, n + 1); return once(release) }
    let queue = this.queues.get(upstream)
    if (queue === undefined) { queue = []; this.queues.set(upstream, queue) }
    const q = queue
    this.waiting.inc({ upstream })
    return await new Promise((resolve, reject) => {
      // The slot passes straight from the releasing request to this one (active count unchanged).
      const grant = (): void => { signal.removeEventListener('abort', onAbort); resolve(once(release)) }
      const onAbort = (): void => {
        const i = q.indexOf(grant)
        if (i >= 0) { q.splice(i, 1); this.waiting.dec({ upstream }) }
        reject(signal.reason)
      }
      q.push(grant)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

function once (fn: () => void): () => void {
  let done = false
  return () => { if (!done) { done = true; fn() } }
}
