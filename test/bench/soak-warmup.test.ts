import { describe, expect, it } from 'vitest'
import { GOSSIP_WINDOW_MS } from '@gpufleet/agent'
import { soakWarmupMs } from '../../scripts/bench/soak.mjs'

// gossipsub keeps every message of its last window (seen ids, published ids, delivery records):
// a heap floor sampled before that window has passed counts those caches filling as a leak
// (4.9 MiB per 10,000 heartbeats at a 25 ms heartbeat, measured with heap snapshots).
describe('the soak benchmark warm-up', () => {
  it('outlasts two gossipsub message windows (entries fill in one, hash tables settle in the next)', () => {
    for (const minutes of [1, 4, 8, 30]) expect(soakWarmupMs(minutes)).toBeGreaterThan(2 * GOSSIP_WINDOW_MS)
  })

  it('leaves a good part of the default 8-minute run measured', () => {
    expect(soakWarmupMs(8)).toBeLessThanOrEqual(0.6 * 8 * 60_000)
  })
})
