import { describe, expect, it } from 'vitest'
import { GOSSIP_VERSION, type BeatMessage } from '@gpufleet/core'
import { BeatChannel } from '../src/beat-channel.js'
import { Gossip } from '../src/gossip.js'
import { WITNESS_PROTOCOL, Witness } from '../src/witness.js'
import { FakeNetwork, type FakeNode } from './support/fake-node.js'
import { ManualClock, components } from './support/harness.js'

const HEARTBEAT = 1000
const BEAT_PERIOD = 3000

/** A node with gossip, beat channel and witness, all on one clock; it holds every other member online. */
async function member (net: FakeNetwork, clock: ManualClock, everyone: () => FakeNode[]) {
  const node = await net.node()
  const parts = components(node, clock)
  const gossip = new Gossip(parts, 'test')
  gossip.start({ report: () => true, leader: () => false, plan: () => false, alerts: () => false, beat: () => true })
  // What this node heard, by any path: here, frames on its connections.
  const witness: Witness = new Witness(parts, { heartbeatMs: HEARTBEAT, recheckMs: BEAT_PERIOD, heardMs: peer => channel.silentFor(peer) })
  const channel: BeatChannel = new BeatChannel(parts, {
    gossip,
    onlinePeers: () => everyone().filter(n => n !== node).map(n => n.peerId),
    gossipAfterMs: BEAT_PERIOD - HEARTBEAT,
    silentAfterMs: 20_000,
    verdict: peer => witness.verdict(peer)
  })
  await channel.start()
  await witness.start()
  return { node, channel, witness }
}

const beat = (node: FakeNode, seq: number): string => JSON.stringify({ v: GOSSIP_VERSION, type: 'beat', peerId: node.peerId, sentAt: '2026-11-30T10:00:00.000Z', hostname: node.peerId.slice(-6), seq, of: 1 } satisfies BeatMessage)

async function fleet () {
  const net = new FakeNetwork()
  const clock = new ManualClock()
  const nodes: FakeNode[] = []
  const everyone = (): FakeNode[] => nodes
  const [a, b, c, h] = [await member(net, clock, everyone), await member(net, clock, everyone), await member(net, clock, everyone), await member(net, clock, everyone)]
  nodes.push(a.node, b.node, c.node, h.node)
  for (const x of nodes) for (const y of nodes) if (x !== y) net.connect(x, y)
  return { net, clock, a, b, c, h }
}

describe('witnesses: telling a stopped host from one cut off from this node only', () => {
  it('a host cut off from this node only is still heard by the others: judged alive, and this node\'s beats go by gossip to reach it', async () => {
    const { net, clock, a, h } = await fleet()
    net.disconnect(a.node, h.node)
    expect([...a.channel.unreachedNow().keys()]).toEqual([h.node.peerId])
    // Asked at once, nobody heard it since the loss yet: no conclusion.
    a.witness.tick(a.channel.droppedNow())
    await expect.poll(() => a.witness.stats.rounds).toBe(1)
    expect(a.witness.verdict(h.node.peerId)).toBe('unknown')
    // h beats on to b and c (pushed on their connections), past the skew after the loss.
    clock.advance(1500)
    h.channel.send(beat(h.node, 2))
    await new Promise(resolve => setImmediate(resolve))
    a.witness.tick(a.channel.droppedNow())
    await expect.poll(() => a.witness.verdict(h.node.peerId)).toBe('alive')
    // Past the grace, a's beat goes by gossip as well: h hears it through b or c.
    clock.advance(BEAT_PERIOD)
    a.channel.send(beat(a.node, 2))
    expect(a.node.published).toHaveLength(1)
  })

  it('a stopped host is heard by nobody: judged stopped, and beats stop going by gossip for it (a leader\'s renewal still goes)', async () => {
    const { net, clock, a, b, c, h } = await fleet()
    for (const x of [a, b, c]) net.disconnect(x.node, h.node)
    clock.advance(HEARTBEAT)
    a.witness.tick(a.channel.droppedNow())
    await expect.poll(() => a.witness.verdict(h.node.peerId)).toBe('stopped')
    clock.advance(BEAT_PERIOD)
    a.channel.send(beat(a.node, 2))
    expect(a.node.published).toHaveLength(0)
    a.channel.send(beat(a.node, 3), true)
    expect(a.node.published).toHaveLength(1)
    // A judged host is asked about again after a beat period, not before: one that is heard again
    // on another path (here b reconnects to it) is alive at the next round.
    a.witness.tick(a.channel.droppedNow())
    await expect.poll(() => a.witness.stats.rounds).toBe(2)
    expect(a.witness.verdict(h.node.peerId)).toBe('stopped')
    net.connect(b.node, h.node)
    h.channel.send(beat(h.node, 2))
    await new Promise(resolve => setImmediate(resolve))
    const rounds = a.witness.stats.rounds
    clock.advance(BEAT_PERIOD - 1)
    a.witness.tick(a.channel.droppedNow())
    expect(a.witness.stats.rounds).toBe(rounds)
    expect(a.witness.verdict(h.node.peerId)).toBe('stopped')
    clock.advance(1)
    h.channel.send(beat(h.node, 3))
    await new Promise(resolve => setImmediate(resolve))
    a.witness.tick(a.channel.droppedNow())
    await expect.poll(() => a.witness.verdict(h.node.peerId)).toBe('alive')
    a.channel.send(beat(a.node, 4))
    expect(a.node.published).toHaveLength(2)
  })

  it('an unjudged host is asked about each heartbeat in the first beat period after its loss, every beat period after', async () => {
    const { net, clock, a, h } = await fleet()
    // Cut from a only, and silent (hung): the witnesses still connected to it heard nothing since.
    net.disconnect(a.node, h.node)
    const roundsAfter = async (ms: number): Promise<number> => {
      clock.advance(ms)
      const before = a.witness.stats.rounds
      a.witness.tick(a.channel.droppedNow())
      await expect.poll(() => a.witness.verdict(h.node.peerId) === 'unknown' && (a.witness as unknown as { round: unknown }).round === null).toBe(true)
      return a.witness.stats.rounds - before
    }
    expect(await roundsAfter(0)).toBe(1)
    expect(await roundsAfter(HEARTBEAT)).toBe(1)
    expect(await roundsAfter(HEARTBEAT)).toBe(1)
    // A beat period since the loss: once per beat period from the last round (2 s after the loss).
    expect(await roundsAfter(HEARTBEAT)).toBe(0)
    expect(await roundsAfter(HEARTBEAT)).toBe(0)
    expect(await roundsAfter(HEARTBEAT)).toBe(1)
    expect(await roundsAfter(HEARTBEAT)).toBe(0)
  })

  it('a host lost again after a reconnection is judged afresh, and a host reached again is forgotten', async () => {
    const { net, clock, a, b, c, h } = await fleet()
    for (const x of [a, b, c]) net.disconnect(x.node, h.node)
    clock.advance(HEARTBEAT)
    a.witness.tick(a.channel.droppedNow())
    await expect.poll(() => a.witness.verdict(h.node.peerId)).toBe('stopped')
    net.connect(a.node, h.node)
    a.witness.tick(a.channel.droppedNow())
    expect(a.witness.verdict(h.node.peerId)).toBe('unknown')
    net.disconnect(a.node, h.node)
    a.witness.tick(a.channel.droppedNow())
    expect(a.witness.verdict(h.node.peerId)).toBe('unknown')
  })

  it('only hosts whose connection dropped are asked about: one never connected is a mesh still forming, and its beats go by gossip as before', async () => {
    const net = new FakeNetwork()
    const clock = new ManualClock()
    const nodes: FakeNode[] = []
    const [a, b, late] = [await member(net, clock, () => nodes), await member(net, clock, () => nodes), await member(net, clock, () => nodes)]
    nodes.push(a.node, b.node, late.node)
    net.connect(a.node, b.node)
    net.connect(b.node, late.node)
    expect([...a.channel.unreachedNow().keys()]).toEqual([late.node.peerId])
    expect([...a.channel.droppedNow().keys()]).toEqual([])
    a.witness.tick(a.channel.droppedNow())
    expect(a.witness.stats.rounds).toBe(0)
    clock.advance(BEAT_PERIOD)
    a.channel.send(beat(a.node, 2))
    expect(a.node.published).toHaveLength(1)
  })

  it('with no peer to ask, or none that answers, nothing is concluded: beats go by gossip as before', async () => {
    const { net, clock, a, b, c, h } = await fleet()
    for (const x of [b, c, h]) net.disconnect(a.node, x.node)
    clock.advance(HEARTBEAT)
    a.witness.tick(a.channel.droppedNow())
    expect(a.witness.stats.rounds).toBe(0)
    expect(a.witness.verdict(h.node.peerId)).toBe('unknown')
    clock.advance(BEAT_PERIOD)
    a.channel.send(beat(a.node, 2))
    expect(a.node.published).toHaveLength(1)
  })

  it('answers each question on its own stream back, one answer per host asked; a malformed frame is dropped and counted', async () => {
    const { a, b, h } = await fleet()
    const frame = (x: unknown): Uint8Array => new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x))
    a.node.push(b.node.peerId, WITNESS_PROTOCOL, frame({ v: GOSSIP_VERSION, type: 'ask', id: 7, peers: [h.node.peerId, 'nobody'] }))
    await expect.poll(() => b.node.pushed.filter(p => p.protocol === WITNESS_PROTOCOL)).toHaveLength(1)
    const answered = b.node.pushed.find(p => p.protocol === WITNESS_PROTOCOL)!
    expect(answered.to).toBe(a.node.peerId)
    expect(JSON.parse(answered.text)).toEqual({ v: GOSSIP_VERSION, type: 'answers', id: 7, answers: [{ connected: true, heardMs: 0 }, { connected: false, heardMs: null }] })
    a.node.push(b.node.peerId, WITNESS_PROTOCOL, frame('not json'))
    a.node.push(b.node.peerId, WITNESS_PROTOCOL, frame({ v: GOSSIP_VERSION, type: 'ask', id: 8, peers: [] }))
    await expect.poll(() => b.witness.stats.malformed).toBe(2)
    // Answers to no round of a's are not taken.
    b.node.push(a.node.peerId, WITNESS_PROTOCOL, frame({ v: GOSSIP_VERSION, type: 'answers', id: 99, answers: [] }))
    await new Promise(resolve => setImmediate(resolve))
    expect(a.witness.verdict(h.node.peerId)).toBe('unknown')
  })

  it('a round ends after a heartbeat with the answers that came: a witness that does not answer leaves it unknown', async () => {
    const { net, clock, a, b, c, h } = await fleet()
    for (const x of [a, b, c]) net.disconnect(x.node, h.node)
    // Both witnesses are there but deaf to the question (their stream is not read).
    for (const w of [b, c]) w.node.listen(WITNESS_PROTOCOL, 0, () => {}).catch(() => {})
    clock.advance(HEARTBEAT)
    a.witness.tick(a.channel.droppedNow())
    expect(a.witness.stats.rounds).toBe(1)
    await expect.poll(() => a.witness.stats.unanswered, { timeout: 3 * HEARTBEAT }).toBe(2)
    expect(a.witness.verdict(h.node.peerId)).toBe('unknown')
  })
})
