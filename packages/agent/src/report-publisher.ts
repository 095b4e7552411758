import type { Logger } from 'pino'
import { GOSSIP_VERSION, type HostReport, type ReportMessage } from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { ReportProbe } from './components.js'
import type { Gossip, Unsigned } from './gossip.js'

export interface ReportPublisherComponents { clock: Clock, logger: Logger, probe: ReportProbe }

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

/**
 * This host's report, signed with a sequence that only grows, taken locally and gossiped. The
 * probe runs beside the heartbeat, one run at a time: a heartbeat publishes the latest readings
 * instead of waiting for a slow probe (nvidia-smi may take seconds), so a busy host still reports
 * on time. Only the first report waits for its probe.
 */
export class ReportPublisher {
  private last = 0
  private probed: HostReport | null = null
  private probing: Promise<void> | null = null
  /** Set while probing fails after a first success: the report then says its readings are stale. */
  private failure: { stale: true, error: string, since: string } | null = null

  constructor (private readonly components: ReportPublisherComponents, private readonly init: ReportPublisherInit) {}

  get seq (): number { return this.last }
  restore (seq: number): void { this.last = seq }

  async publish (): Promise<void> {
    const { clock } = this.components
    const { gossip } = this.init
    if (this.probed === null) await this.refresh()
    else void this.refresh()
    const wall = clock.wall()
    const report = { ...this.probed!, ...this.init.extras(), ...(this.failure === null ? {} : { probeFailure: this.failure }) }
    // Monotonic across restarts: never below the stored sequence, nor below the calendar.
    this.last = Math.max(this.last + 1, wall)
    const unsigned: Unsigned<ReportMessage> = { v: GOSSIP_VERSION, type: 'report', peerId: gossip.self, sentAt: new Date(wall).toISOString(), seq: this.last, report, priority: this.init.priority, addrs: this.init.addrs(), api: this.init.api() }
    const { message, text } = await gossip.sign<ReportMessage>(unsigned)
    this.init.apply(message, text)
    gossip.send(text)
  }

  /**
   * One probe at a time. Once a report exists, a failed probe keeps the last readings, marked stale
   * in the report (`probeFailure`, which raises the probe-failed alert); the first failure is thrown.
   */
  private async refresh (): Promise<void> {
    const { clock, logger, probe } = this.components
    this.probing ??= probe.current(clock.wall()).then(report => {
      if (this.failure !== null) logger.info({ event: 'probe-recovered', since: this.failure.since }, 'probing this host works again')
      this.probed = report
      this.failure = null
    }, (err: unknown) => {
      if (this.probed === null) throw err
      const error = (err as Error).message.slice(0, 300)
      // Logged once per distinct error, not at every heartbeat while it lasts.
      if (this.failure?.error !== error) logger.error({ event: 'probe-failed', err: error }, 'cannot probe this host: its last readings are reported, marked stale')
      this.failure = { stale: true, error, since: this.failure?.since ?? new Date(clock.wall()).toISOString() }
    }).finally(() => { this.probing = null })
    await this.probing
  }
}
