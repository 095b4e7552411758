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
  it('never overlaps itself: a run still going makes the next one skip', async () => {
    let release = (): void => {}
    const runs: number[] = []
    const loop = new Loop(pino({ level: 'silent' }), 'test', 60_000, async n => {
      runs.push(n)
      if (n === 2) await new Promise<void>(resolve => { release = resolve })
    })
    await loop.start()
    const second = (loop as unknown as { once: () => Promise<void> }).once()
    await (loop as unknown as { once: () => Promise<void> }).once()
    expect(runs).toEqual([1, 2])
    release()
    await second
    await (loop as unknown as { once: () => Promise<void> }).once()
    expect(runs).toEqual([1, 2, 3])
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
