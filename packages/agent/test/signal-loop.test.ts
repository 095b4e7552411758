import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { Loop } from '../src/loop.js'
import { boundedSignal } from '../src/signal.js'

describe('boundedSignal', () => {
  it('released, it leaves no listener on the parent: a long-lived parent does not collect them', () => {
    const parent = new AbortController()
    for (let i = 0; i < 1000; i++) boundedSignal(parent.signal, 60_000).release()
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0)
  })

  it('aborts with the parent, or at its timeout, and then detaches by itself', async () => {
    const parent = new AbortController()
    const a = boundedSignal(parent.signal, 60_000)
    const b = boundedSignal(parent.signal, 1)
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(2)
    await expect.poll(() => b.signal.aborted).toBe(true)
    expect((b.signal.reason as Error).name).toBe('TimeoutError')
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1)
    parent.abort(new Error('stopping'))
    expect(a.signal.aborted).toBe(true)
    expect((a.signal.reason as Error).message).toBe('stopping')
    expect(boundedSignal(parent.signal, 60_000).signal.aborted).toBe(true)
  })
})

describe('Loop', () => {
  it('never overlaps itself: runs that come due during a run start once it ends, as one', async () => {
    let release = (): void => {}
    let active = 0
    let most = 0
    const runs: number[] = []
    const loop = new Loop(pino({ level: 'silent' }), 'test', 60_000, async n => {
      active++
      most = Math.max(most, active)
      runs.push(n)
      if (n === 2) await new Promise<void>(resolve => { release = resolve })
      active--
    })
    await loop.start()
    const once = async (): Promise<void> => { await (loop as unknown as { once: () => Promise<void> }).once() }
    const second = once()
    await once()
    await once()
    expect(runs).toEqual([1, 2])
    release()
    await second
    expect(runs).toEqual([1, 2, 3])
    expect(most).toBe(1)
    loop.stop()
  })

  it('the first run\'s failure reaches start(); later failures are logged with the loop\'s name', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'error' }, { write: (line: string) => { lines.push(line) } })
    let fail = true
    const loop = new Loop(logger, 'heartbeat', 5, () => { if (fail) throw new Error('probe failed') })
    await expect(loop.start()).rejects.toThrow('probe failed')
    fail = false
    await loop.start()
    fail = true
    await expect.poll(() => lines.length).toBeGreaterThan(0)
    loop.stop()
    expect(JSON.parse(lines[0]!)).toMatchObject({ loop: 'heartbeat', err: 'probe failed', msg: 'heartbeat failed' })
  })
})
