import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import type { BeatMessage, GossipMessage, HostReport, ReportMessage } from '@gpufleet/core'
import { Gossip } from '../src/gossip.js'
import { InventoryReplica } from '../src/inventory-replica.js'
import { ReportPublisher, cadence } from '../src/report-publisher.js'
import { FakeNetwork } from './support/fake-node.js'
import { ManualClock, components, hardware } from './support/harness.js'

/** A probe the test answers by hand. */
function manualProbe () {
  const pending: Array<{ resolve: (r: HostReport) => void, reject: (e: Error) => void }> = []
  return { pending, probe: { current: async () => await new Promise<HostReport>((resolve, reject) => { pending.push({ resolve, reject }) }) } }
}

async function setupManual () {
  const node = await new FakeNetwork().node()
  const clock = new ManualClock()
  const lines: string[] = []
  const logger = pino({ level: 'error' }, { write: (l: string) => { lines.push(l) } })
  const { pending, probe } = manualProbe()
  const gossip = new Gossip({ node, logger }, 'test')
  const taken: ReportMessage[] = []
  const publisher = new ReportPublisher({ clock, logger, probe }, { gossip, priority: 7, extras: () => ({ measured: [] }), addrs: () => node.addrs(), api: () => '127.0.0.1:7700', apply: m => { taken.push(m) }, applyBeat: () => {}, lease: () => null, cadence: cadence(1000, 10_000), subscribers: () => 1 })
  return { node, clock, lines, pending, publisher, taken }
}

describe('the report publisher', () => {
  it('the first report waits for its probe; later heartbeats publish the last readings without waiting for a slow probe, one probe at a time', async () => {
    const { clock, pending, publisher, taken, node } = await setupManual()
    const first = publisher.publish()
    await expect.poll(() => pending.length).toBe(1)
    pending[0]!.resolve(hardware('myia-po-2024.hardware.json', 'self'))
    await first
    expect(taken.map(m => [m.seq, m.priority, m.api, m.report.hostname])).toEqual([[clock.wall(), 7, '127.0.0.1:7700', 'self']])
    // The next probe hangs: heartbeats go on with the readings they have, and start no second probe.
    clock.advance(1000)
    await publisher.publish()
    clock.advance(1000)
    await publisher.publish()
    expect(pending).toHaveLength(2)
    expect(taken.map(m => m.seq)).toEqual([clock.wall() - 2000, clock.wall() - 1000, clock.wall()])
    expect(node.published).toHaveLength(3)
    pending[1]!.resolve({ ...hardware('myia-po-2024.hardware.json', 'self'), cpu: { brand: 'new', cores: 1, threads: 1 } })
    await expect.poll(async () => { await publisher.publish(); return taken.at(-1)!.report.cpu.brand }).toBe('new')
  })

  it('sequences only grow, across a restart too (restored above the clock)', async () => {
    const { clock, pending, publisher, taken } = await setupManual()
    publisher.restore(clock.wall() + 5000)
    const first = publisher.publish()
    await expect.poll(() => pending.length).toBe(1)
    pending[0]!.resolve(hardware('myia-po-2024.hardware.json', 'self'))
    await first
    expect(taken[0]!.seq).toBe(clock.wall() + 5001)
  })

  it('the first probe\'s failure fails the publish (and so the start); a later one is logged and the last readings kept', async () => {
    const { pending, publisher, taken, lines } = await setupManual()
    const first = publisher.publish()
    await expect.poll(() => pending.length).toBe(1)
    pending[0]!.reject(new Error('no hardware file'))
    await expect(first).rejects.toThrow('no hardware file')
    const second = publisher.publish()
    await expect.poll(() => pending.length).toBe(2)
    pending[1]!.resolve(hardware('myia-po-2024.hardware.json', 'self'))
    await second
    await publisher.publish()
    pending[2]!.reject(new Error('nvidia-smi timed out'))
    await expect.poll(() => lines.length).toBe(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'probe-failed', err: 'nvidia-smi timed out' })
    await publisher.publish()
    expect(taken).toHaveLength(3)
    // The last good readings go on, marked stale, while probing fails; logged once for the same error.
    const stale = taken[2]!.report
    expect(stale.probeFailure).toMatchObject({ stale: true, error: 'nvidia-smi timed out' })
    expect(stale.gpus).toEqual(taken[1]!.report.gpus)
    pending[3]!.reject(new Error('nvidia-smi timed out'))
    // Heartbeats go on; the one after the failed probe settles starts the next probe.
    await expect.poll(async () => { await publisher.publish(); return pending.length }).toBe(5)
    expect(taken.at(-1)!.report.probeFailure?.since).toBe(stale.probeFailure?.since)
    expect(lines).toHaveLength(1)
    // Probing works again: the mark goes.
    pending[4]!.resolve(hardware('myia-po-2024.hardware.json', 'self'))
    await expect.poll(async () => { await publisher.publish(); return taken.at(-1)!.report.probeFailure }).toBeUndefined()
  })
})

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

  it('a change the fleet acts on goes out in full at the next heartbeat after the probe that read it; readings alone go in beats, at most every 2 s', async () => {
    const { publisher, sent, run, set, get } = await setup(false)
    await publisher.publish()
    const before = sent().length
    const gpu = get().gpus[0]!
    // Temperature and utilization: a beat with the readings (not a full report). The probe runs
    // beside the heartbeat: heartbeat 1 starts the probe that reads them, heartbeat 2 sends them.
    set({ ...get(), gpus: [{ ...gpu, temperatureC: 71, utilizationPct: 88 }, ...get().gpus.slice(1)] })
    await run(1, 2)
    const afterReadings = sent().slice(before)
    expect(afterReadings.map(m => m.type)).toEqual(['beat'])
    expect((afterReadings[0] as BeatMessage).readings?.[0]).toEqual([gpu.index, 88, 71, gpu.powerW ?? null, gpu.vramUsedBytes ?? null, gpu.smClockMhz ?? null, gpu.memClockMhz ?? null])
    // VRAM used by another 256 MiB step: what the planner reads, so the full report goes out.
    set({ ...get(), gpus: [{ ...get().gpus[0]!, vramUsedBytes: (gpu.vramUsedBytes ?? 0) + 1024 ** 3 }, ...get().gpus.slice(1)] })
    const beforeVram = sent().length
    await run(3, 4)
    const vramReports = sent().slice(beforeVram).filter(m => m.type === 'report')
    expect(vramReports.map(m => m.type === 'report' && m.report.gpus[0]!.vramUsedBytes)).toEqual([(gpu.vramUsedBytes ?? 0) + 1024 ** 3])
    // A model appearing on the host: full report too.
    set({ ...get(), ollama: { ...get().ollama, models: [...get().ollama.models, { name: 'new:7b', sizeBytes: 1 }] } as HostReport['ollama'] })
    const beforeModel = sent().length
    await run(5, 6)
    const modelReports = sent().slice(beforeModel).filter(m => m.type === 'report')
    expect(modelReports.map(m => m.type === 'report' && m.report.ollama.models.some(x => x.name === 'new:7b'))).toEqual([true])
  })

  it('a host whose report changes at every heartbeat still beats every beat period (peers close a connection no beat comes on)', async () => {
    const { publisher, sent, run, set, get } = await setup(false)
    await publisher.publish()
    const before = sent().length
    for (let beat = 1; beat <= 12; beat++) {
      set({ ...get(), ollama: { ...get().ollama, models: [...get().ollama.models, { name: `m${beat}:7b`, sizeBytes: beat }] } as HostReport['ollama'] })
      await run(beat, beat)
    }
    const kinds = sent().slice(before).map(m => m.type)
    expect(kinds.filter(k => k === 'report').length).toBeGreaterThanOrEqual(10)
    // Beat period 3 heartbeats, each beat one heartbeat late at most.
    expect(kinds.filter(k => k === 'beat').length).toBeGreaterThanOrEqual(3)
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
