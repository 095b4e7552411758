import { GOSSIP_VERSION, type HostReport, type ReportMessage } from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { ReportProbe } from './components.js'
import type { Gossip, Unsigned } from './gossip.js'

export interface ReportPublisherComponents { clock: Clock, probe: ReportProbe }

export interface ReportPublisherInit {
  gossip: Gossip
  priority: number
  /** What the report carries besides the probe's: placement, measured speeds, gateway latency. */
  extras: () => Partial<HostReport>
  addrs: () => string[]
  api: () => string | null
  /** This node takes its own report as any other (into its inventory) before publishing it. */
  apply: (message: ReportMessage, text: string) => void
}

/** This host's report, signed with a sequence that only grows, taken locally and gossiped. */
export class ReportPublisher {
  private last = 0

  constructor (private readonly components: ReportPublisherComponents, private readonly init: ReportPublisherInit) {}

  get seq (): number { return this.last }
  restore (seq: number): void { this.last = seq }

  async publish (): Promise<void> {
    const { clock, probe } = this.components
    const { gossip } = this.init
    const wall = clock.wall()
    const report = { ...await probe.current(wall), ...this.init.extras() }
    // Monotonic across restarts: never below the stored sequence, nor below the calendar.
    this.last = Math.max(this.last + 1, wall)
    const unsigned: Unsigned<ReportMessage> = { v: GOSSIP_VERSION, type: 'report', peerId: gossip.self, sentAt: new Date(wall).toISOString(), seq: this.last, report, priority: this.init.priority, addrs: this.init.addrs(), api: this.init.api() }
    const { message, text } = await gossip.sign<ReportMessage>(unsigned)
    this.init.apply(message, text)
    gossip.send(text)
  }
}
