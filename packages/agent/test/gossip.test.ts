import { describe, expect, it } from 'vitest'
import { GOSSIP_VERSION, type GossipMessage } from '@gpufleet/core'
import { Gossip } from '../src/gossip.js'
import { FakeNetwork } from './support/fake-node.js'
import { components, hardware, signedReport } from './support/harness.js'

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('gossip in: decode → verify → dispatch', () => {
  async function setup () {
    const net = new FakeNetwork()
    const [self, author] = await Promise.all([net.node(), net.node()])
    const parts = components(self)
    const gossip = new Gossip(parts, 'test')
    const dispatched: GossipMessage[] = []
    gossip.start({
      report: m => { dispatched.push(m); return true },
      leader: m => { dispatched.push(m); return m.term >= 2048 },
      plan: () => false,
      alerts: () => false,
      beat: () => false
    })
    return { self, author, parts, gossip, dispatched }
  }

  it('a report signed by its author is dispatched and accepted; its bytes are counted', async () => {
    const { self, author, parts, gossip, dispatched } = await setup()
    const { text } = await signedReport(author, hardware('myia-po-2024.hardware.json', 'x'), 1, parts.clock)
    expect(await self.deliver(gossip.topic, author.peerId, encode(text))).toBe('accepted')
    expect(dispatched.map(m => m.type)).toEqual(['report'])
    expect(gossip.stats).toEqual({ received: 1, rejected: 0, ignored: 0, published: 0, unauthorized: 0 })
    expect(gossip.bytes.in).toBe(encode(text).byteLength)
  })

  it('rejected before dispatch: a payload that speaks for another peer, one whose author signature does not match, one that is not JSON', async () => {
    const { self, author, parts, gossip, dispatched } = await setup()
    const { text } = await signedReport(author, hardware('myia-po-2024.hardware.json', 'x'), 1, parts.clock)
    expect(await self.deliver(gossip.topic, self.peerId, encode(text))).toBe('rejected')
    expect(await self.deliver(gossip.topic, author.peerId, encode(text.replace('"seq":1', '"seq":9')))).toBe('rejected')
    expect(await self.deliver(gossip.topic, author.peerId, encode('{nope'))).toBe('rejected')
    expect(await self.deliver(gossip.topic, undefined, encode(text))).toBe('rejected')
    expect(dispatched).toEqual([])
    expect(gossip.stats).toMatchObject({ received: 4, rejected: 4 })
  })

  it('a message its owner does not take is ignored (not forwarded), not rejected', async () => {
    const { self, author, parts, gossip } = await setup()
    const claim = { v: GOSSIP_VERSION, type: 'leader', peerId: author.peerId, sentAt: new Date(parts.clock.wall()).toISOString(), hostname: 'x', term: 1024, priority: 1 }
    expect(await self.deliver(gossip.topic, author.peerId, encode(JSON.stringify(claim)))).toBe('ignored')
    expect(gossip.stats).toMatchObject({ received: 1, rejected: 0, ignored: 1 })
  })

  it('out: publishes on the fleet topic and counts; after stop nothing goes out', async () => {
    const { self, gossip } = await setup()
    await gossip.publish('{"a":1}')
    gossip.send('{"b":2}')
    expect(self.published).toEqual(['{"a":1}', '{"b":2}'])
    await expect.poll(() => gossip.stats.published).toBe(2)
    expect(gossip.bytes.out).toBe(14)
    gossip.stop()
    await gossip.publish('{"c":3}')
    expect(self.published).toHaveLength(2)
    expect(gossip.topic).toBe(`gpufleet/test/v${GOSSIP_VERSION}`)
  })
})
