import { describe, expect, it } from 'vitest'
import { GOSSIP_VERSION, type BeatMessage } from '@gpufleet/core'
import { BEAT_PROTOCOL, BeatChannel } from '../src/beat-channel.js'
import { Gossip } from '../src/gossip.js'
import { FakeNetwork, type FakeNode } from './support/fake-node.js'
import { components } from './support/harness.js'

/** A node with its gossip and beat channel; `online` is what its inventory holds online. */
async function member (net: FakeNetwork, online: () => string[]) {
  const node = await net.node()
  const gossip = new Gossip(components(node), 'test')
  const beats: BeatMessage[] = []
  gossip.start({ report: () => false, leader: () => false, plan: () => false, alerts: () => false, beat: msg => { beats.push(msg); return true } })
  const channel = new BeatChannel(components(node), { gossip, onlinePeers: online })
  await channel.start()
  return { node, gossip, channel, beats }
}

const beat = (node: FakeNode, seq: number): string => JSON.stringify({ v: GOSSIP_VERSION, type: 'beat', peerId: node.peerId, sentAt: '2026-11-30T10:00:00.000Z', hostname: 'a', seq, of: 1 } satisfies BeatMessage)

describe('beats on push streams', () => {
  it('go straight to each connected peer, not through gossip, while every host held online is connected', async () => {
    const net = new FakeNetwork()
    let online: string[] = []
    const a = await member(net, () => online)
    const b = await member(net, () => [])
    const c = await member(net, () => [])
    net.connect(a.node, b.node)
    net.connect(a.node, c.node)
    online = [b.node.peerId, c.node.peerId]
    a.channel.send(beat(a.node, 2))
    await expect.poll(() => b.beats.length + c.beats.length).toBe(2)
    expect(a.node.published).toEqual([])
    expect(a.node.pushed.map(p => [p.to, p.protocol])).toEqual([[b.node.peerId, BEAT_PROTOCOL], [c.node.peerId, BEAT_PROTOCOL]])
    expect(b.beats[0]?.seq).toBe(2)
    expect(a.channel.stats).toEqual({ pushed: 2, gossiped: 0 })
  })

  it('also go by gossip while a host held online is not connected (its beats must still reach everyone)', async () => {
    const net = new FakeNetwork()
    const a = await member(net, () => [b.node.peerId, far.node.peerId])
    const b = await member(net, () => [])
    const far = await member(net, () => [])
    net.connect(a.node, b.node)
    a.channel.send(beat(a.node, 3))
    expect(a.node.published).toHaveLength(1)
    expect(a.channel.stats).toEqual({ pushed: 1, gossiped: 1 })
    // b gets it both ways and takes it once (the gossip copy's validator sees the same beat).
    await expect.poll(() => b.beats.length).toBeGreaterThanOrEqual(1)
    net.disconnect(a.node, b.node)
    a.channel.send(beat(a.node, 4))
    expect(a.channel.stats.pushed).toBe(1)
  })

  it('take only beats, from the peer whose connection carried them: anything else on the stream is rejected', async () => {
    const net = new FakeNetwork()
    const a = await member(net, () => [])
    const b = await member(net, () => [])
    net.connect(a.node, b.node)
    const claim = JSON.stringify({ v: GOSSIP_VERSION, type: 'leader', peerId: a.node.peerId, sentAt: '2026-11-30T10:00:00.000Z', hostname: 'a', term: 4096, priority: 100 })
    a.node.push(b.node.peerId, BEAT_PROTOCOL, new TextEncoder().encode(claim))
    // A beat that speaks for another peer than the sender.
    a.node.push(b.node.peerId, BEAT_PROTOCOL, new TextEncoder().encode(beat(b.node, 9)))
    await expect.poll(() => b.gossip.stats.rejected).toBe(2)
    expect(b.beats).toEqual([])
  })
})
