import { describe, expect, it } from 'vitest'
import type { BeatMessage, GossipMessage, HostReport } from '@gpufleet/core'
import { Gossip } from '../src/gossip.js'
import { InventoryReplica } from '../src/inventory-replica.js'
import { ReportPublisher, cadence } from '../src/report-publisher.js'
import { FakeNetwork } from './support/fake-node.js'
import { components, hardware } from './support/harness.js'

const HEARTBEAT = 1000
const OFFLINE_AFTER = 10_000

/** A publisher on a fake node whose probe answers `probed` (tests change it between heartbeats). */
async function setup (coordinator: boolean) {
  const net = new FakeNetwork()
  const node = await net.node()
  let probed: HostReport = hardware('myia-po-2026.hardware.json', 'po-2026', coordinator ? 'coordinator' : 'worker')
  const parts = { ...components(node), probe: { current: async () => probed } }
  const gossip = new Gossip(parts, 'test')
  const replica = new InventoryReplica(parts, OFFLINE_AFTER)
  let lease: NonNullable<BeatMessage['lease']> | null = null
  const publisher = new ReportPublisher(parts, {
    gossip, priority: 0, extras: () => ({}), addrs: () => node.addrs(), api: () => null,
    apply: (m, t) => { replica.accept(m, t) },
    applyBeat: m => { replica.acceptBeat(m) },
    lease: () => lease,
    cadence: cadence(HEARTBEAT, OFFLINE_AFTER),
    subscribers: () => 1
  })
  const sent = (): GossipMessage[] => node.published.map(t => JSON.parse(t) as GossipMessage)
  const run = async (from: number, to: number): Promise<void> => {
    for (let beat = from; beat <= to; beat++) { await publisher.heartbeat(beat); parts.clock.advance(HEARTBEAT) }
  }
  return { parts, publisher, replica, sent, run, set: (r: HostReport) => { probed = r }, get: () => probed, lead: (l: typeof lease) => { lease = l } }
}

describe('report publisher: changes, not copies', () => {
  it.each([['a worker', false], ['a standby coordinator', true]])('%s: one full report, then a beat every 3 heartbeats (offlineAfter / 3) while nothing changes, a full refresh only every 10 minutes; it stays online in its own inventory', async (_who, coordinator) => {
    const { publisher, replica, sent, run } = await setup(coordinator)
    await publisher.publish()
    await run(1, 600)
    const kinds = sent().map(m => m.type)
    expect(kinds.filter(k => k === 'report')).toHaveLength(2)
    // Beats at heartbeats 3, 6, … 597; the refresh at 600 is a full report instead.
    expect(kinds.filter(k => k === 'beat')).toHaveLength(199)
    const beats = sent().filter((m): m is BeatMessage => m.type === 'beat')
    // Beats extend the report before them, grow in sequence, and carry no readings that did not change.
    const first = sent().find(m => m.type === 'report')
    expect(first?.type === 'report' && beats[0]!.of === first.seq && beats[0]!.seq > first.seq).toBe(true)
    expect(beats.every(b => b.readings === undefined && b.lease === undefined)).toBe(true)
    expect(beats.map(b => b.seq)).toEqual([...beats.map(b => b.seq)].sort((a, b) => a - b))
    expect(replica.hosts().map(h => [h.hostname, h.online])).toEqual([['po-2026', true]])
  })

  it('a change the fleet acts on goes out in full at once; readings alone go in beats, at most every 2 s', async () => {
    const { publisher, sent, run, set, get } = await setup(false)
    await publisher.publish()
    const before = sent().length
    const gpu = get().gpus[0]!
    // Temperature and utilization: a beat with the readings (not a full report).
    set({ ...get(), gpus: [{ ...gpu, temperatureC: 71, utilizationPct: 88 }, ...get().gpus.slice(1)] })
    await run(1, 2)
    const afterReadings = sent().slice(before)
    expect(afterReadings.map(m => m.type)).toEqual(['beat'])
    expect((afterReadings[0] as BeatMessage).readings?.[0]).toEqual([gpu.index, 88, 71, gpu.powerW ?? null, gpu.vramUsedBytes ?? null])
    // VRAM used by another 256 MiB step: what the planner reads, so the full report goes out.
    set({ ...get(), gpus: [{ ...get().gpus[0]!, vramUsedBytes: (gpu.vramUsedBytes ?? 0) + 1024 ** 3 }, ...get().gpus.slice(1)] })
    await run(3, 3)
    expect(sent().at(-1)?.type).toBe('report')
    // A model appearing on the host: full report too.
    set({ ...get(), ollama: { ...get().ollama, models: [...get().ollama.models, { name: 'new:7b', sizeBytes: 1 }] } as HostReport['ollama'] })
    await run(4, 4)
    expect(sent().at(-1)?.type).toBe('report')
  })

  it('the leader renews its lease once per heartbeat, in its beat — also on a heartbeat that sent a full report', async () => {
    const { publisher, sent, run, lead } = await setup(true)
    await publisher.publish()
    lead({ term: 2048, priority: 100, plan: 3, alerts: '0a1b2c3d' })
    const before = sent().length
    await run(1, 601)
    const beats = sent().slice(before).filter((m): m is BeatMessage => m.type === 'beat')
    expect(beats).toHaveLength(601)
    // Each names what the leader published in its term: a follower that missed the plan or the alerts pulls them.
    expect(beats.every(b => b.lease?.term === 2048 && b.lease.plan === 3 && b.lease.alerts === '0a1b2c3d')).toBe(true)
  })
})
