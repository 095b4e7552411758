import { describe, expect, it } from 'vitest'
import { computePlan, GOSSIP_VERSION, type PlanMessage } from '@gpufleet/core'
import { Gossip } from '../src/gossip.js'
import { InventoryReplica } from '../src/inventory-replica.js'
import { PlanInForce } from '../src/plan-in-force.js'
import { Sync } from '../src/sync.js'
import { FakeNetwork, type FakeNode } from './support/fake-node.js'
import { components, hardware, signedReport, testConfig } from './support/harness.js'

const HEARTBEAT = 1000

/** One agent's replicated state and its sync, on a fake node. */
function agent (node: FakeNode, stopped = new AbortController().signal) {
  const parts = components(node)
  const gossip = new Gossip(parts, 'test')
  const replica = new InventoryReplica(parts, 10_000)
  const plans = new PlanInForce(parts, () => 0)
  gossip.start({ report: (m, raw) => replica.accept(m, raw), leader: () => false, plan: (m, raw) => plans.accept(m, raw), alerts: () => false })
  const sync = new Sync(parts, {
    heartbeatMs: HEARTBEAT,
    state: () => ({ reports: [...replica.entries.values()].flatMap(e => (e.raw === undefined ? [] : [e.raw])), plan: plans.raw, tombstones: [] }),
    receive: async (decoded, via) => await gossip.receive(decoded, via),
    stopped,
    rejected: () => { gossip.stats.rejected++ }
  })
  return { parts, gossip, replica, plans, sync }
}

describe('sync: a connection pulls the peer\'s whole state', () => {
  it('stale entries are replaced by fresh ones, fresh ones are kept, and the plan in force comes along; every relayed message is checked', async () => {
    const net = new FakeNetwork()
    const [a, b, x, y, leader] = await Promise.all([net.node(), net.node(), net.node(), net.node(), net.node()])
    const A = agent(a)
    const B = agent(b)
    const clock = A.parts.clock
    // A knows host x at seq 3 (stale); B knows it at seq 5, and host y, which A never heard of.
    const stale = await signedReport(x, hardware('myia-po-2024.hardware.json', 'x'), 3, clock)
    const fresh = await signedReport(x, hardware('myia-po-2024.hardware.json', 'x'), 5, clock)
    const onlyB = await signedReport(y, hardware('myia-po-2026.hardware.json', 'y'), 1, clock)
    A.replica.accept(stale.message, stale.text)
    B.replica.accept(fresh.message, fresh.text)
    B.replica.accept(onlyB.message, onlyB.text)
    const plan = computePlan({ hosts: B.replica.hosts(), config: testConfig({ name: 'l', role: 'coordinator' }), term: 2048, generatedAt: '2026-11-22T10:00:00.000Z' })
    const signedPlan = await leader.sign<Omit<PlanMessage, 'signature'>>({ v: GOSSIP_VERSION, type: 'plan', peerId: leader.peerId, sentAt: plan.generatedAt, term: 2048, plan })
    B.plans.accept(signedPlan.message, signedPlan.text)
    await A.sync.start()
    await B.sync.start()

    net.connect(a, b)
    await expect.poll(() => A.sync.isSynced(b.peerId) && B.sync.isSynced(a.peerId)).toBe(true)
    expect(A.replica.get('x')?.seq).toBe(5)
    expect(A.replica.get('x')?.raw).toBe(fresh.text)
    expect(A.replica.get('y')?.seq).toBe(1)
    expect(A.plans.raw).toBe(signedPlan.text)
    // B got A's stale x: ignored, its fresh entry kept.
    expect(B.replica.get('x')?.seq).toBe(5)
    expect(B.gossip.stats).toMatchObject({ rejected: 0, ignored: 1 })
    expect(A.gossip.stats.rejected).toBe(0)
  })

  it('a relayed report whose text was altered is rejected, and a malformed response counts as rejected', async () => {
    const net = new FakeNetwork()
    const [a, b, x] = await Promise.all([net.node(), net.node(), net.node()])
    const A = agent(a)
    const report = await signedReport(x, hardware('myia-po-2024.hardware.json', 'x'), 1, A.parts.clock)
    const forged = report.text.replace('"seq":1', '"seq":2')
    await b.serve('/gpufleet/sync/1.0.0', 4096, async () => new TextEncoder().encode(JSON.stringify({ v: 1, reports: [forged], plan: null })))
    await A.sync.start()
    net.connect(a, b)
    await expect.poll(() => A.sync.isSynced(b.peerId)).toBe(true)
    expect(A.replica.get('x')).toBeUndefined()
    expect(A.gossip.stats.rejected).toBe(1)

    const c = await net.node()
    await c.serve('/gpufleet/sync/1.0.0', 4096, async () => new TextEncoder().encode(JSON.stringify({ v: 1, everything: true })))
    net.connect(a, c)
    await expect.poll(() => A.gossip.stats.rejected).toBe(2)
    expect(A.sync.isSynced(c.peerId)).toBe(false)
  })

  it('a failed pull is retried on the heartbeat after the rate limit, not before; a stopped agent pulls nothing', async () => {
    const net = new FakeNetwork()
    const [a, b] = await Promise.all([net.node(), net.node()])
    const stop = new AbortController()
    const A = agent(a, stop.signal)
    await A.sync.start()
    net.connect(a, b)
    // b serves nothing yet: the pull fails.
    await expect.poll(() => a.connectedPeers()).toEqual([b.peerId])
    const B = agent(b)
    await B.sync.start()
    A.sync.retryPending()
    await Promise.resolve()
    expect(A.sync.isSynced(b.peerId)).toBe(false)
    A.parts.clock.advance(2 * HEARTBEAT)
    A.sync.retryPending()
    await expect.poll(() => A.sync.isSynced(b.peerId)).toBe(true)
    stop.abort()
    net.disconnect(a, b)
    net.connect(a, b)
    A.parts.clock.advance(2 * HEARTBEAT)
    A.sync.retryPending()
    await Promise.resolve()
    expect(A.sync.isSynced(b.peerId)).toBe(false)
  })
})
