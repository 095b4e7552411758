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
  gossip.start({ report: (m, raw) => replica.accept(m, raw), leader: () => false, plan: (m, raw) => plans.accept(m, raw), alerts: () => false, beat: () => false })
  const sync = new Sync(parts, {
    heartbeatMs: HEARTBEAT,
    state: asked => ({ reports: replica.relayable(asked?.have), plan: plans.raw, tombstones: [], alerts: null }),
    digest: () => ({ have: replica.digest() }),
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
    // B's digest said it holds x at 5: A's stale x was not even sent; B's fresh entry is kept.
    expect(B.replica.get('x')?.seq).toBe(5)
    expect(B.gossip.stats).toMatchObject({ received: 0, rejected: 0, ignored: 0 })
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
  it('anti-entropy: a pull sends this node\'s digest and gets back only what it lacks; a beat that shows a missed report repairs it from its author', async () => {
    const net = new FakeNetwork()
    const [a, b, x, y] = await Promise.all([net.node(), net.node(), net.node(), net.node()])
    const A = agent(a)
    const B = agent(b)
    const clock = A.parts.clock
    const x1 = await signedReport(x, hardware('myia-po-2024.hardware.json', 'x'), 1, clock)
    const y1 = await signedReport(y, hardware('myia-po-2026.hardware.json', 'y'), 1, clock)
    for (const r of [x1, y1]) { A.replica.accept(r.message, r.text); B.replica.accept(r.message, r.text) }
    await A.sync.start()
    await B.sync.start()
    net.connect(a, b)
    await expect.poll(() => A.sync.isSynced(b.peerId) && B.sync.isSynced(a.peerId)).toBe(true)
    // Both held the same reports: nothing was relayed either way (not even as ignored duplicates).
    expect(A.gossip.stats.received + B.gossip.stats.received).toBe(0)
    // B gets x's next report by gossip; A missed it. The next digest exchange brings exactly that one.
    const x2 = await signedReport(x, hardware('myia-po-2024.hardware.json', 'x'), 2, clock)
    B.replica.accept(x2.message, x2.text)
    expect(B.replica.relayable(A.replica.digest())).toEqual([x2.text])
    clock.advance(2 * HEARTBEAT)
    A.sync.exchangeDigest()
    await expect.poll(() => A.replica.get('x')?.seq).toBe(2)
    expect(A.gossip.stats).toMatchObject({ received: 1, rejected: 0, ignored: 0 })
    // A beat from x extending a report A does not hold (3) is 'behind': the caller repairs from x.
    const beat = { v: GOSSIP_VERSION as 1, type: 'beat' as const, peerId: x.peerId, sentAt: new Date(clock.wall()).toISOString(), hostname: 'x', seq: 4, of: 3 }
    expect(A.replica.acceptBeat(beat)).toBe('behind')
    expect(A.replica.acceptBeat({ ...beat, of: 2, seq: 3 })).toBe('accepted')
    expect(A.replica.acceptBeat({ ...beat, of: 2, seq: 3 })).toBe('stale')
    expect(A.replica.acceptBeat({ ...beat, peerId: y.peerId, of: 2 })).toBe('unknown')
  })
})
