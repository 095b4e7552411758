import { describe, expect, it } from 'vitest'
import type { Alert, AlertThresholds, Plan } from '@gpufleet/core'
import { Alerting } from '../src/alerting.js'

const T: AlertThresholds = { vramUsed: 22e9, vramUsedPct: 92, temperatureC: 83, idleUtilizationPct: 20, idleFor: 60_000, latencyMs: 500 }
const GiB = 1024 ** 3
const plan = (host: string): Plan => ({
  schema: 'gpufleet.plan/v1', term: 1, generatedAt: '2026-11-22T10:00:00.000Z', assignments: [], routes: [], excluded: [],
  unplaced: [{ model: 'mixtral', reason: `needs 26 GiB (${host})`, code: 'too-large', detail: { code: 'too-large', params: { needBytes: 26 * GiB, largestFreeBytes: 20 * GiB, host, gpu: 1, largestHostTotalBytes: null, offloadedTokensPerSecond: null } } }]
})

describe('Alerting', () => {
  it('the leader reports an alert whose reason changed as updated, not raised again', () => {
    const a = new Alerting(T)
    expect(a.evaluate([], plan('myia-ai-01'), 0).raised.map(x => x.id)).toEqual(['model-unplaced:mixtral'])
    const next = a.evaluate([], plan('myia-po-2026'), 1000)
    expect([next.raised, next.cleared]).toEqual([[], []])
    expect(next.updated.map(x => x.message)).toEqual(['mixtral is not placed: needs 26 GiB (myia-po-2026)'])
    expect(a.active[0]?.message).toContain('myia-po-2026')
  })

  it('a follower adopting the leader\'s list sees the same raised, updated and cleared alerts', () => {
    const leader = new Alerting(T)
    leader.evaluate([], plan('myia-ai-01'), 0)
    const follower = new Alerting(T)
    expect(follower.adopt(leader.active, 1)?.raised).toHaveLength(1)
    leader.evaluate([], plan('myia-po-2026'), 1000)
    const changes = follower.adopt(leader.active, 1)!
    expect(changes.updated.map((x: Alert) => x.id)).toEqual(['model-unplaced:mixtral'])
    expect(follower.adopt([], 1)?.cleared).toHaveLength(1)
    expect(follower.adopt(leader.active, 0)).toBeNull()
  })
})
