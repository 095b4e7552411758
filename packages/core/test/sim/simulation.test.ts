import { describe, expect, it } from 'vitest'
import { Simulation, type SimOptions } from './simulator.js'

const base: SimOptions = { nodes: 120, coordinators: 3, seed: 1, heartbeatMs: 1000, leaseMs: 3000, offlineAfterMs: 10_000, delayMs: 5, jitterMs: 400, dropRate: 0.02 }
const unique = (xs: Array<string | null>): Array<string | null> => [...new Set(xs)]

describe('deterministic simulation: real election and inventory code, up to 120 virtual nodes', { timeout: 90_000 }, () => {
  it('converges through 2 % loss and reordering (jitter 400 ms > a tick): one leader, everyone online everywhere', () => {
    const sim = new Simulation(base)
    sim.run(12_000)
    expect(unique(sim.leaders())).toEqual(['node-000'])
    expect(Math.min(...sim.onlineCounts())).toBe(120)
    // The plan went out once; a node that lost it pulled it when the leader's beat named it.
    const own = sim.nodes[0]!.ownPlan
    expect(sim.nodes.every(n => n.plan?.term === own?.term && n.plan?.seq === own?.seq)).toBe(true)
    expect(sim.violations).toEqual([])
    expect(sim.dropped).toBeGreaterThan(0)
  })

  it('fails over when the leader crashes, and the preferred coordinator takes back the lead after a restart', () => {
    const sim = new Simulation({ ...base, nodes: 100, seed: 7 })
    sim.run(10_000)
    sim.crash(0)
    sim.run(14_500)
    expect(unique(sim.leaders())).toEqual(['node-001'])
    sim.run(21_000)
    expect(Math.max(...sim.onlineCounts())).toBe(99)
    sim.restart(0)
    sim.run(30_000)
    expect(unique(sim.leaders())).toEqual(['node-000'])
    expect(Math.min(...sim.onlineCounts())).toBe(100)
    expect(sim.violations).toEqual([])
  })

  it('a partition elects one leader per side, never two in one term, and heals to one leader and one inventory', () => {
    const sim = new Simulation({ ...base, nodes: 100, seed: 3 })
    sim.run(8000)
    const left = Array.from({ length: 50 }, (_, i) => i).filter(i => i !== 2)
    const right = [2, ...Array.from({ length: 50 }, (_, i) => 50 + i)]
    sim.partition([left, right])
    sim.run(25_000)
    const sides = unique(sim.leaders()).sort()
    expect(sides).toEqual(['node-000', 'node-002'])
    sim.heal()
    sim.run(40_000)
    expect(unique(sim.leaders())).toEqual(['node-000'])
    expect(Math.min(...sim.onlineCounts())).toBe(100)
    expect(sim.violations).toEqual([])
    for (const [term, leaders] of sim.leadersByTerm) expect(leaders.size, `term ${term}`).toBe(1)
  })

  it('the leader dies while both standbys are cut off from each other: both claim from the same term, in distinct terms', () => {
    const sim = new Simulation({ ...base, nodes: 60, seed: 5 })
    sim.run(8000)
    const termBefore = Math.max(...sim.nodes.map(n => n.election.term))
    sim.partition([[0, 1, ...Array.from({ length: 29 }, (_, i) => 3 + i)], [2, ...Array.from({ length: 28 }, (_, i) => 32 + i)]])
    sim.crash(0)
    sim.run(20_000)
    expect(unique(sim.leaders()).sort()).toEqual(['node-001', 'node-002'])
    const claimed = [...sim.leadersByTerm.keys()].filter(t => t > termBefore)
    expect(claimed.length).toBeGreaterThanOrEqual(2)
    for (const [term, leaders] of sim.leadersByTerm) expect(leaders.size, `term ${term}`).toBe(1)
    sim.heal()
    sim.run(30_000)
    expect(unique(sim.leaders())).toEqual(['node-001'])
    expect(sim.violations).toEqual([])
  })

  it('replays identically for the same seed', () => {
    const a = new Simulation({ ...base, nodes: 40, seed: 11 })
    const b = new Simulation({ ...base, nodes: 40, seed: 11 })
    a.run(9000)
    b.run(9000)
    expect([a.delivered, a.dropped, a.leaders().join()]).toEqual([b.delivered, b.dropped, b.leaders().join()])
  })
})
