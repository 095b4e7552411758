import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { GOSSIP_VERSION, loadConfig, type FleetConfig, type HostReport, type ReportMessage } from '@gpufleet/core'
import type { Clock } from '../../src/clock.js'
import type { AgentComponents } from '../../src/components.js'
import { MemoryStore } from '../../src/memory-store.js'
import type { FakeNode } from './fake-node.js'

const repoRoot = join(import.meta.dirname, '../../../..')

/** Time as input: tests move it by hand. `now` starts far from the calendar, as a monotonic clock may. */
export class ManualClock implements Clock {
  constructor (private mono = 5_000_000, private calendar = Date.UTC(2026, 10, 22, 10)) {}
  now = (): number => this.mono
  wall = (): number => this.calendar
  advance (ms: number): void { this.mono += ms; this.calendar += ms }
}

export const silent = pino({ level: 'silent' })

/** The shipped defaults with a cluster named `test` and the given node settings. */
export function testConfig (node: { name: string, role: 'coordinator' | 'worker', priority?: number }): FleetConfig {
  const text = readFileSync(join(repoRoot, 'configs/default.yaml'), 'utf8')
  return loadConfig([{ path: 'configs/default.yaml', text }, { path: 'test.yaml', text: `cluster: { name: test, mdns: false }\nnode: ${JSON.stringify({ priority: 0, ...node })}\n` }])
}

/** One of the seed fleet's hardware files as a report from `hostname`. */
export function hardware (file: string, hostname: string, role: 'coordinator' | 'worker' = 'worker'): HostReport {
  const report = JSON.parse(readFileSync(join(repoRoot, 'configs/roosync', file), 'utf8')) as HostReport
  return { ...report, hostname, role }
}

export function components (node: FakeNode, clock = new ManualClock()): AgentComponents & { clock: ManualClock, store: MemoryStore } {
  return { clock, logger: silent, store: new MemoryStore(), node, probe: { current: async () => { throw new Error('no probe in this test') } } }
}

/** A report message signed by `node`, as its agent would publish it. */
export async function signedReport (node: FakeNode, report: HostReport, seq: number, clock: Clock, priority = 0): Promise<{ message: ReportMessage, text: string }> {
  const unsigned: Omit<ReportMessage, 'signature'> = { v: GOSSIP_VERSION, type: 'report', peerId: node.peerId, sentAt: new Date(clock.wall()).toISOString(), seq, report, priority, addrs: node.addrs(), api: null }
  return await node.sign(unsigned)
}
