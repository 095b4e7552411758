import { writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Simulation, type SimOptions } from './simulator.js'

/**
 * Scale in virtual time: the real election and inventory code on N virtual nodes (200 in CI,
 * 500 in `pnpm bench` through GPUFLEET_SIM_NODES), the seed fleet's timings (heartbeat 1 s, lease
 * 3 s, offlineAfter 10 s), 2 % loss and 5–405 ms delivery. The simulator delivers every broadcast
 * directly (no gossip mesh), so its times are those of the election and the inventory, not of
 * gossipsub's hops — the process benchmarks measure those.
 */
const N = Number(process.env.GPUFLEET_SIM_NODES ?? 200)
const options: SimOptions = { nodes: N, coordinators: 3, seed: 11, heartbeatMs: 1000, leaseMs: 3000, offlineAfterMs: 10_000, delayMs: 5, jitterMs: 400, dropRate: 0.02 }

/** Advances in steps until the condition holds; returns the virtual time it took (to the step). */
function until (sim: Simulation, limitMs: number, done: () => boolean, stepMs = 50): number {
  const start = sim.now
  while (!done()) {
    if (sim.now - start > limitMs) throw new Error(`not within ${limitMs} ms of virtual time`)
    sim.run(sim.now + stepMs)
  }
  return sim.now - start
}

describe(`${N} virtual nodes`, { timeout: 900_000 }, () => {
  it('converge, fail over within the lease, and hold one leader per term', () => {
    const wall = performance.now()
    const sim = new Simulation(options)
    const agreed = (name: string): boolean => sim.leaders().every(l => l === name)
    // Counting everyone's online hosts is O(N²): checked every 250 ms of virtual time.
    const boot = until(sim, 20_000, () => agreed('node-000') && Math.min(...sim.onlineCounts()) === N, 250)
    const deliveredBefore = sim.delivered
    const steadyFrom = sim.now
    sim.run(sim.now + 5000)
    const perNodePerSecond = (sim.delivered - deliveredBefore) / N / ((sim.now - steadyFrom) / 1000)
    sim.crash(0)
    const failover = until(sim, 20_000, () => agreed('node-001'))
    const offline = until(sim, 20_000, () => Math.max(...sim.onlineCounts()) === N - 1, 250)
    expect(sim.violations).toEqual([])
    expect(failover).toBeLessThanOrEqual(options.leaseMs + 1500)
    const result = { nodes: N, bootMs: boot, failoverMs: failover, offlineMs: failover + offline, messagesPerNodePerSecond: Math.round(perNodePerSecond), events: sim.delivered, wallMs: Math.round(performance.now() - wall) }
    if (process.env.GPUFLEET_SIM_REPORT !== undefined) writeFileSync(process.env.GPUFLEET_SIM_REPORT, JSON.stringify(result))
  })
})
