import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import type { HostReport, ReportMessage } from '@gpufleet/core'
import { Gossip } from '../src/gossip.js'
import { ReportPublisher } from '../src/report-publisher.js'
import { FakeNetwork } from './support/fake-node.js'
import { ManualClock, hardware } from './support/harness.js'

/** A probe the test answers by hand. */
function manualProbe () {
  const pending: Array<{ resolve: (r: HostReport) => void, reject: (e: Error) => void }> = []
  return { pending, probe: { current: async () => await new Promise<HostReport>((resolve, reject) => { pending.push({ resolve, reject }) }) } }
}

async function setup () {
  const node = await new FakeNetwork().node()
  const clock = new ManualClock()
  const lines: string[] = []
  const logger = pino({ level: 'error' }, { write: (l: string) => { lines.push(l) } })
  const { pending, probe } = manualProbe()
  const gossip = new Gossip({ node, logger }, 'test')
  const taken: ReportMessage[] = []
  const publisher = new ReportPublisher({ clock, logger, probe }, { gossip, priority: 7, extras: () => ({ measured: [] }), addrs: () => node.addrs(), api: () => '127.0.0.1:7700', apply: m => { taken.push(m) } })
  return { node, clock, lines, pending, publisher, taken }
}

describe('the report publisher', () => {
  it('the first report waits for its probe; later heartbeats publish the last readings without waiting for a slow probe, one probe at a time', async () => {
    const { clock, pending, publisher, taken, node } = await setup()
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
    const { clock, pending, publisher, taken } = await setup()
    publisher.restore(clock.wall() + 5000)
    const first = publisher.publish()
    await expect.poll(() => pending.length).toBe(1)
    pending[0]!.resolve(hardware('myia-po-2024.hardware.json', 'self'))
    await first
    expect(taken[0]!.seq).toBe(clock.wall() + 5001)
  })

  it('the first probe\'s failure fails the publish (and so the start); a later one is logged and the last readings kept', async () => {
    const { pending, publisher, taken, lines } = await setup()
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
