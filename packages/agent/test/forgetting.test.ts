import { describe, expect, it } from 'vitest'
import { nextTerm, type ForgetMessage, type GossipMessage } from '@gpufleet/core'
import { AuthorityGate } from '../src/authority-gate.js'
import { Forgetting } from '../src/forgetting.js'
import { Gossip } from '../src/gossip.js'
import { InventoryReplica } from '../src/inventory-replica.js'
import { FakeNetwork, type FakeNode } from './support/fake-node.js'
import { components, hardware, signedReport } from './support/harness.js'

const OFFLINE_AFTER = 10_000
const FORGET_AFTER = 60_000

/** A leader and a follower in memory, each with its replica, gossip, authority gate and forgetting; a host that reported once. */
async function setup (pinned: 'leader-only' | null = 'leader-only') {
  const net = new FakeNetwork()
  const [leaderNode, followerNode, hostNode, rogueNode] = [await net.node(), await net.node(), await net.node(), await net.node()]
  net.connect(leaderNode, followerNode)
  net.connect(rogueNode, followerNode)
  const term = nextTerm(0, leaderNode.peerId)
  const build = (node: FakeNode, hostname: string, leading: boolean) => {
    const parts = components(node)
    const gossip = new Gossip(parts, 'test')
    const replica = new InventoryReplica(parts, OFFLINE_AFTER)
    const gate = new AuthorityGate(parts, { coordinators: pinned === null ? null : [leaderNode.peerId], term: () => term, leader: () => ({ peerId: leaderNode.peerId, term }), reportsCoordinator: () => true })
    const forgetting = new Forgetting(parts, { self: { peerId: node.peerId, hostname }, offlineAfterMs: OFFLINE_AFTER, forgetAfterMs: FORGET_AFTER, gossip, replica, leadingTerm: () => (leading ? term : null), leader: () => ({ hostname: 'ai-01', api: '10.0.0.1:7700' }) })
    const authorized = (v: ReturnType<AuthorityGate['claim']>, take: () => boolean): boolean | 'rejected' => (v.accept ? take() : v.reject ? 'rejected' : false)
    gossip.start({
      report: (m, raw) => !forgetting.buries(m) && replica.accept(m, raw),
      leader: () => false,
      plan: () => false,
      alerts: () => false,
      forget: (m, raw) => authorized(gate.termMessage(m.peerId, m.term, 'forget'), () => forgetting.accept(m, raw))
    })
    return { parts, gossip, replica, forgetting }
  }
  const leader = build(leaderNode, 'ai-01', true)
  const follower = build(followerNode, 'po-2023', false)
  const report = await signedReport(hostNode, hardware('myia-po-2024.hardware.json', 'po-2024'), 5, leader.parts.clock)
  for (const side of [leader, follower]) side.replica.accept(report.message, report.text)
  return { net, term, leader, follower, leaderNode, hostNode, rogueNode, report }
}

describe('forgetting hosts', () => {
  it('the leader refuses an online host, forgets an offline one: every node drops it from memory and disk, keeps the tombstone, and buries stale copies', async () => {
    const { leader, follower, report, hostNode } = await setup()
    expect(await leader.forgetting.forget('po-2024')).toMatchObject({ ok: false, status: 409 })
    for (const side of [leader, follower]) side.parts.clock.advance(OFFLINE_AFTER)
    await leader.parts.store.saveHosts([...follower.replica.entries.values()])
    expect(await leader.forgetting.forget('po-2024')).toEqual({ ok: true, hostname: 'po-2024', term: expect.any(Number) as unknown, upTo: 5 })
    await expect.poll(() => follower.replica.get('po-2024')).toBeUndefined()
    expect(leader.replica.get('po-2024')).toBeUndefined()
    expect(await leader.parts.store.loadHosts()).toEqual([])
    expect((await follower.parts.store.loadTombstones()).map(t => [t.hostname, t.upTo])).toEqual([['po-2024', 5]])
    // A node that was away relays the old report: it stays buried. The host's next report rejoins it.
    expect(follower.forgetting.buries(report.message)).toBe(true)
    const back = await signedReport(hostNode, hardware('myia-po-2024.hardware.json', 'po-2024'), 6, follower.parts.clock)
    expect(follower.forgetting.buries(back.message)).toBe(false)
    expect(follower.replica.accept(back.message, back.text)).toBe(true)
    // The tombstone travels in sync responses, as signed.
    expect(follower.forgetting.relayed.map(t => (JSON.parse(t) as ForgetMessage).hostname)).toEqual(['po-2024'])
  })

  it('a follower does not forget: it names the leader to ask', async () => {
    const { follower } = await setup()
    follower.parts.clock.advance(OFFLINE_AFTER)
    expect(await follower.forgetting.forget('po-2024')).toEqual({ ok: false, status: 409, error: 'po-2023 does not lead: ask the leader, ai-01 (gpufleet forget po-2024 --api http://10.0.0.1:7700)' })
    expect(await follower.forgetting.forget('nope')).toMatchObject({ ok: false, status: 409 })
  })

  it('after cluster.forgetAfter offline the leader forgets by itself, once', async () => {
    const { leader, follower, leaderNode } = await setup()
    leader.parts.clock.advance(FORGET_AFTER - 1)
    leader.forgetting.tick()
    expect(leader.replica.get('po-2024')).toBeDefined()
    leader.parts.clock.advance(1)
    leader.forgetting.tick()
    leader.forgetting.tick()
    await expect.poll(() => follower.replica.get('po-2024')).toBeUndefined()
    const sent = leaderNode.published.map(t => JSON.parse(t) as GossipMessage).filter((m): m is ForgetMessage => m.type === 'forget')
    expect(sent.map(m => [m.hostname, m.reason])).toEqual([['po-2024', 'offline']])
  })

  it('a tombstone from a member that is not a pinned coordinator is rejected: the host stays', async () => {
    const { follower, rogueNode, term, report } = await setup()
    const unsigned: Omit<ForgetMessage, 'signature'> = { v: 1, type: 'forget', peerId: rogueNode.peerId, sentAt: '2026-11-22T10:00:00.000Z', term, hostname: 'po-2024', host: report.message.peerId, upTo: Number.MAX_SAFE_INTEGER, reason: 'manual' }
    const { text } = await rogueNode.sign(unsigned)
    expect(await follower.gossip.receive({ ok: true, message: JSON.parse(text) as ForgetMessage, signed: { bytes: JSON.stringify(unsigned), signature: (JSON.parse(text) as ForgetMessage).signature }, text }, 'test')).toBe('rejected')
    expect(follower.gossip.stats).toMatchObject({ rejected: 1, unauthorized: 1 })
    expect(follower.replica.get('po-2024')).toBeDefined()
  })
})
