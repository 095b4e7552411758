import { describe, expect, it } from 'vitest'
import { GOSSIP_VERSION, type BeatMessage, type ReportMessage } from '@gpufleet/core'
import { BEAT_PROTOCOL, BeatChannel, REPORT_PROTOCOL } from '../src/beat-channel.js'
import { Gossip } from '../src/gossip.js'
import { FakeNetwork, type FakeNode } from './support/fake-node.js'
import { components, hardware, signedReport } from './support/harness.js'

/** A node with its gossip and beat channel; `online` is what its inventory holds online. */
async function member (net: FakeNetwork, online: () => string[]) {
  const node = await net.node()
  const gossip = new Gossip(components(node), 'test')
  const beats: BeatMessage[] = []
  const reports: ReportMessage[] = []
  gossip.start({ report: msg => { reports.push(msg); return true }, leader: () => false, plan: () => false, alerts: () => false, beat: msg => { beats.push(msg); return true } })
  const parts = components(node)
  const channel = new BeatChannel(parts, { gossip, onlinePeers: online, gossipAfterMs: 3000, silentAfterMs: 20_000 })
  await channel.start()
  return { node, gossip, channel, beats, reports, clock: parts.clock }
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
    expect(a.channel.stats).toEqual({ pushed: 2, gossiped: 0, hungUp: 0, reportsPushed: 0, reportsGossiped: 0 })
  })

  it('also go by gossip once a host held online has not been connected for a beat period (its beats must still reach everyone)', async () => {
    const net = new FakeNetwork()
    let online: string[] = []
    const a = await member(net, () => online)
    const b = await member(net, () => [])
    const far = await member(net, () => [])
    net.connect(a.node, b.node)
    online = [b.node.peerId, far.node.peerId]
    // Not connected to far yet: a dial may be under way, no gossip for it.
    a.channel.send(beat(a.node, 2))
    a.clock.advance(2999)
    a.channel.send(beat(a.node, 3))
    expect(a.node.published).toHaveLength(0)
    // far came and went: its grace starts again when it is unconnected again.
    net.connect(a.node, far.node)
    a.channel.send(beat(a.node, 4))
    net.disconnect(a.node, far.node)
    a.clock.advance(1)
    a.channel.send(beat(a.node, 5))
    expect(a.node.published).toHaveLength(0)
    a.clock.advance(3000)
    a.channel.send(beat(a.node, 6))
    expect(a.node.published).toHaveLength(1)
    expect(a.channel.stats).toEqual({ pushed: 6, gossiped: 1, hungUp: 0, reportsPushed: 0, reportsGossiped: 0 })
    // A beat renewing a lease does not wait: a follower's lease is shorter than the grace.
    net.connect(a.node, far.node)
    a.channel.send(beat(a.node, 7))
    net.disconnect(a.node, far.node)
    a.channel.send(beat(a.node, 8), true)
    expect(a.node.published).toHaveLength(2)
    // b gets it both ways and takes it once (the gossip copy's validator sees the same beat).
    await expect.poll(() => b.beats.length).toBeGreaterThanOrEqual(1)
    net.disconnect(a.node, b.node)
    a.channel.send(beat(a.node, 9))
    expect(a.channel.stats.pushed).toBe(9)
  })

  it('a connection nothing came on for silentAfterMs is closed (a dead or wedged link); one that beats stays', async () => {
    const net = new FakeNetwork()
    const a = await member(net, () => [])
    const talker = await member(net, () => [])
    const mute = await member(net, () => [])
    net.connect(a.node, talker.node)
    net.connect(a.node, mute.node)
    a.clock.advance(15_000)
    talker.channel.send(beat(talker.node, 2))
    await expect.poll(() => a.beats.length).toBe(1)
    a.clock.advance(5000)
    a.channel.closeSilent()
    expect(a.node.hungUp).toEqual([mute.node.peerId])
    expect(a.node.isConnected(mute.node.peerId)).toBe(false)
    expect(a.node.isConnected(talker.node.peerId)).toBe(true)
    a.clock.advance(14_999)
    a.channel.closeSilent()
    expect(a.channel.stats.hungUp).toBe(1)
    a.clock.advance(1)
    a.channel.closeSilent()
    expect(a.node.hungUp).toEqual([mute.node.peerId, talker.node.peerId])
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

  it('full reports go first on a stream of their own to each connected peer (their author\'s signature checked), then by gossip to every subscriber', async () => {
    const net = new FakeNetwork()
    const a = await member(net, () => [])
    const b = await member(net, () => [])
    net.connect(a.node, b.node)
    const { text } = await signedReport(a.node, hardware('myia-web1.hardware.json', 'a'), 7, a.clock)
    a.channel.sendReport(text)
    expect(a.node.pushed.map(p => [p.to, p.protocol])).toEqual([[b.node.peerId, REPORT_PROTOCOL]])
    // Gossip too: a host not connected to this one yet (just started) must have it as well.
    expect(a.node.published).toEqual([text])
    expect(a.channel.stats).toMatchObject({ reportsPushed: 1, reportsGossiped: 1, pushed: 0 })
    // b takes both copies here (this handler keeps copies; the agent's inventory drops the second by its sequence).
    await expect.poll(() => b.reports.map(r => r.seq)).toEqual([7, 7])
    // A report altered after signing is rejected on the stream as on gossip; so is a beat on the report stream.
    const forged = JSON.parse(text) as ReportMessage
    forged.seq = 99
    a.node.push(b.node.peerId, REPORT_PROTOCOL, new TextEncoder().encode(JSON.stringify(forged)))
    a.node.push(b.node.peerId, REPORT_PROTOCOL, new TextEncoder().encode(beat(a.node, 10)))
    await expect.poll(() => b.gossip.stats.rejected).toBe(2)
    expect(b.reports.map(r => r.seq)).toEqual([7, 7])
    expect(b.beats).toEqual([])
  })
})
