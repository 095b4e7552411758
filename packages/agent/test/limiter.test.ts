import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { UpstreamLimiter } from '../src/gateway/limiter.js'

const waiting = async (registry: Registry): Promise<number> => (await registry.getSingleMetric('gpufleet_gateway_waiting_streams')!.get()).values.reduce((n, v) => n + v.value, 0)

describe('per-upstream stream limit', () => {
  it('lets `limit` through, queues the rest in order (counted in the gauge), hands a released slot to the next', async () => {
    const registry = new Registry()
    const limiter = new UpstreamLimiter(2, registry)
    const signal = new AbortController().signal
    const a = await limiter.acquire('u', signal)
    const b = await limiter.acquire('u', signal)
    const order: string[] = []
    const c = limiter.acquire('u', signal).then(release => { order.push('c'); return release })
    const d = limiter.acquire('u', signal).then(release => { order.push('d'); return release })
    // Another upstream is not held up by this one's queue.
    ;(await limiter.acquire('other', signal))()
    expect(await waiting(registry)).toBe(2)
    a()
    a() // releasing twice frees one slot only
    const releaseC = await c
    expect(order).toEqual(['c'])
    expect(await waiting(registry)).toBe(1)
    b()
    ;(await d)()
    releaseC()
    expect(order).toEqual(['c', 'd'])
    expect(await waiting(registry)).toBe(0)
  })

  it('a waiter whose client went away leaves the queue', async () => {
    const registry = new Registry()
    const limiter = new UpstreamLimiter(1, registry)
    const held = await limiter.acquire('u', new AbortController().signal)
    const gone = new AbortController()
    const waiter = limiter.acquire('u', gone.signal)
    expect(await waiting(registry)).toBe(1)
    gone.abort(new Error('client went away'))
    await expect(waiter).rejects.toThrow('client went away')
    expect(await waiting(registry)).toBe(0)
    held()
    ;(await limiter.acquire('u', new AbortController().signal))()
  })
})
