import { describe, expect, it } from 'vitest'
import type { ReportMessage } from '@gpufleet/core'
import { InventoryReplica } from '../src/inventory-replica.js'
import { FakeNetwork } from './support/fake-node.js'
import { components, hardware, signedReport } from './support/harness.js'

const OFFLINE_AFTER = 10_000

async function setup () {
  const net = new FakeNetwork()
  const self = await net.node()
  const peer = await net.node()
  const parts = components(self)
  const replica = new InventoryReplica(parts, OFFLINE_AFTER)
  const events: string[] = []
  const reports: ReportMessage[] = []
  replica.on('host:report', (msg, host, live) => { reports.push(msg); events.push(`${live} ${host.hostname}`) })
  replica.on('host:left', (hostname, lastSeen) => { events.push(`host:left ${hostname} ${lastSeen}`) })
  return { net, peer, parts, replica, events, reports }
}

describe('the inventory replica', () => {
  it('a report joins its host: taken, announced as joined then updated, online in the documents, written on flush in calendar time', async () => {
    const { peer, parts, replica, events } = await setup()
    const first = await signedReport(peer, hardware('myia-po-2024.hardware.json', 'po-2024'), 1, parts.clock)
    expect(replica.accept(first.message, first.text)).toBe(true)
    parts.clock.advance(1000)
    const second = await signedReport(peer, hardware('myia-po-2024.hardware.json', 'po-2024'), 2, parts.clock)
    expect(replica.accept(second.message, second.text)).toBe(true)
    expect(events).toEqual(['host:joined po-2024', 'host:updated po-2024'])
    const [host] = replica.hosts()
    expect(host).toMatchObject({ hostname: 'po-2024', online: true, lastSeen: '2026-11-22T10:00:01.000Z' })
    expect(replica.get('po-2024')?.raw).toBe(second.text)

    await replica.flush()
    const stored = await parts.store.loadHosts()
    expect(stored.map(e => [e.report.hostname, e.seq, e.lastSeen])).toEqual([['po-2024', 2, Date.UTC(2026, 10, 22, 10, 0, 1)]])
    // Nothing changed since: the next flush writes nothing.
    await parts.store.saveHosts([{ ...stored[0]!, seq: 99 }])
    await replica.flush()
    expect((await parts.store.loadHosts())[0]!.seq).toBe(99)
  })

  it('a replayed or older report is ignored and changes nothing', async () => {
    const { peer, parts, replica, events } = await setup()
    const newer = await signedReport(peer, hardware('myia-po-2024.hardware.json', 'po-2024'), 5, parts.clock)
    const older = await signedReport(peer, hardware('myia-po-2024.hardware.json', 'po-2024'), 4, parts.clock)
    expect(replica.accept(newer.message, newer.text)).toBe(true)
    expect(replica.accept(older.message, older.text)).toBe(false)
    expect(replica.accept(newer.message, newer.text)).toBe(false)
    expect(replica.get('po-2024')?.seq).toBe(5)
    expect(events).toEqual(['host:joined po-2024'])
  })

  it('a host silent past offlineAfter is announced as left once, and joins again with its next report', async () => {
    const { peer, parts, replica, events } = await setup()
    const report = hardware('myia-po-2024.hardware.json', 'po-2024')
    const first = await signedReport(peer, report, 1, parts.clock)
    replica.accept(first.message, first.text)
    parts.clock.advance(OFFLINE_AFTER - 1)
    replica.checkDepartures()
    expect(events).toEqual(['host:joined po-2024'])
    parts.clock.advance(1)
    replica.checkDepartures()
    replica.checkDepartures()
    expect(events).toEqual(['host:joined po-2024', 'host:left po-2024 2026-11-22T10:00:00.000Z'])
    expect(replica.hosts()[0]?.online).toBe(false)
    const back = await signedReport(peer, report, 2, parts.clock)
    replica.accept(back.message, back.text)
    expect(events.at(-1)).toBe('host:joined po-2024')
  })

  it('restored entries are offline until heard from, and keep their calendar lastSeen', async () => {
    const { peer, parts, replica } = await setup()
    const { message, text } = await signedReport(peer, hardware('myia-po-2024.hardware.json', 'po-2024'), 7, parts.clock)
    const lastSeen = Date.UTC(2026, 10, 21, 8)
    replica.restore([{ peerId: message.peerId, seq: 7, report: message.report, addrs: message.addrs, api: null, lastSeen, raw: text }])
    expect(replica.hosts()).toMatchObject([{ hostname: 'po-2024', online: false, lastSeen: '2026-11-21T08:00:00.000Z' }])
    const next = await signedReport(peer, hardware('myia-po-2024.hardware.json', 'po-2024'), 8, parts.clock)
    expect(replica.accept(next.message, next.text)).toBe(true)
    expect(replica.hosts()[0]?.online).toBe(true)
  })

  it('a live host keeps its name against another peer claiming it', async () => {
    const { net, peer, parts, replica } = await setup()
    const impostor = await net.node()
    const report = hardware('myia-po-2024.hardware.json', 'po-2024')
    const real = await signedReport(peer, report, 1, parts.clock)
    const fake = await signedReport(impostor, report, 100, parts.clock)
    replica.accept(real.message, real.text)
    expect(replica.accept(fake.message, fake.text)).toBe(false)
    expect(replica.get('po-2024')?.peerId).toBe(peer.peerId)
  })

  it('holds(): true for exactly the report or beat it took last from that peer about that host (a copy gossip must carry on), false otherwise', async () => {
    const { peer, parts, replica } = await setup()
    const first = await signedReport(peer, hardware('myia-po-2024.hardware.json', 'po-2024'), 5, parts.clock)
    expect(replica.holds(peer.peerId, 'po-2024', 5)).toBe(false)
    replica.accept(first.message, first.text)
    expect(replica.holds(peer.peerId, 'po-2024', 5)).toBe(true)
    expect(replica.holds(peer.peerId, 'po-2024', 4)).toBe(false)
    expect(replica.holds('someone-else', 'po-2024', 5)).toBe(false)
    expect(replica.acceptBeat({ v: first.message.v, type: 'beat', peerId: peer.peerId, sentAt: first.message.sentAt, hostname: 'po-2024', seq: 6, of: 5 })).toBe('accepted')
    expect(replica.holds(peer.peerId, 'po-2024', 6)).toBe(true)
    expect(replica.holds(peer.peerId, 'po-2024', 7)).toBe(false)
  })
})
