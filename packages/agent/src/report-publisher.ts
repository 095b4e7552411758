import type { Logger } from 'pino'
import { GOSSIP_VERSION, readingsOf, reportFingerprint, type BeatMessage, type HostReport, type ReportMessage } from '@gpufleet/core'
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
  /** … and its own beats, which keep it online in its own inventory. */
  applyBeat: (message: BeatMessage) => void
  /** Where beats go (the agent: BeatChannel, push streams to connected peers); default: gossip. */
  sendBeat?: (text: string, lease: boolean) => void
  /** Where full reports go (the agent: BeatChannel, the same way); default: gossip. */
  sendReport?: (text: string) => void
  /** While this node leads: the lease its beat renews, with the plan sequence and alert digest of its term. */
  lease: () => NonNullable<BeatMessage['lease']> | null
  /** The schedule, in heartbeats (see cadence()). */
  cadence: Cadence
  /** Peers subscribed to the fleet's topic now. */
  subscribers: () => number
}

/**
 * In heartbeats: a full report at least every `refreshEvery` even when nothing changed; a beat
 * every `beatEvery`; live readings at most every `readingsEvery`, and only when they changed.
 * The leader beats every heartbeat whatever this says: its beat renews its lease.
 */
export interface Cadence { refreshEvery: number, beatEvery: number, readingsEvery: number }

/**
 * Full reports when nothing changed: a last resort only, every 10 minutes. A missed report is
 * repaired sooner by the beats (their `of` names it) and by the digest exchange of anti-entropy.
 */
const REFRESH_MS = 10 * 60_000
/** How long a heartbeat waits for the probe it started before publishing the last readings. */
const PROBE_WAIT_MS = 200
/** Readings for the dashboards' charts: their history keeps one sample per 2 s at most. */
const READINGS_MS = 2000

/**
 * The schedule for a heartbeat and offline delay: every host, coordinators included, beats three
 * times per `offlineAfter` (two lost beats in a row do not take it offline). Standby coordinators
 * count as election candidates for an offlineAfter after they were heard (candidateWindowMs).
 */
export function cadence (heartbeatMs: number, offlineAfterMs: number): Cadence {
  return {
    refreshEvery: Math.max(1, Math.round(REFRESH_MS / heartbeatMs)),
    beatEvery: Math.max(1, Math.floor(offlineAfterMs / (3 * heartbeatMs))),
    readingsEvery: Math.max(1, Math.round(READINGS_MS / heartbeatMs))
  }
}

/**
 * This host's state, gossiped as changes: its full report, signed, when something in it changed
 * (reportFingerprint: hardware, models, placement, VRAM used by a 256 MiB step, its addresses)
 * and at a slow refresh; between those, a small beat. Sequences only grow: across beats,
 * reports and restarts. The probe runs beside the heartbeat, one run at a time: a heartbeat
 * publishes the latest readings instead of waiting for a slow probe (nvidia-smi may take
 * seconds), so a busy host still reports on time. Only the first report waits for its probe.
 */
export class ReportPublisher {
  /** The last sequence used, by a report or a beat. */
  private last = 0
  private probed: HostReport | null = null
  private probing: Promise<void> | null = null
  /** Set while probing fails after a first success: the report then says its readings are stale. */
  private failure: { stale: true, error: string, since: string } | null = null
  /** The sequence of the last full report: what beats extend, and what the node keeps on disk. */
  private reportSeq = 0
  private fingerprint = ''
  private lastFull = -Infinity
  private lastBeat = -Infinity
  private lastReadingsAt = -Infinity
  private lastReadings = ''
  /** The heartbeat count last seen (0 before the first). */
  private beatNow = 0
  /** A full report went out while at least one peer was subscribed. */
  private heard = false
  readonly stats = { reports: 0, beats: 0 }

  constructor (private readonly components: ReportPublisherComponents, private readonly init: ReportPublisherInit) {}

  get seq (): number { return this.reportSeq }
  restore (seq: number): void { this.last = seq; this.reportSeq = seq }

  /** Every heartbeat: a full report if it is due, else a beat if one is due, else nothing. */
  async heartbeat (beat: number): Promise<void> {
    const { refreshEvery, beatEvery, readingsEvery } = this.init.cadence
    this.beatNow = beat
    const report = await this.current()
    const fingerprint = this.fingerprintOf(report)
    const full = fingerprint !== this.fingerprint || beat - this.lastFull >= refreshEvery
    if (full) await this.full(report, fingerprint, beat)
    const readings = readingsOf(report)
    const readingsText = JSON.stringify(readings)
    const sendReadings = readingsText !== this.lastReadings && beat - this.lastReadingsAt >= readingsEvery
    const lease = this.init.lease()
    // The leader beats every heartbeat, full report or not: its lease is renewed in beats. Others
    // beat every beatEvery whatever the full reports do (peers count the pushed beats to tell a
    // live connection, BeatChannel.closeSilent). A beat due at a heartbeat that sent a full report
    // waits one heartbeat, so it does not overtake the report it names and trigger a pull — unless
    // it waited already (reports at every heartbeat).
    const due = sendReadings || beat - this.lastBeat >= beatEvery
    const overdue = beat - this.lastBeat > beatEvery
    if (lease === null && (!due || (full && !overdue))) return
    const { clock } = this.components
    const { gossip } = this.init
    const message: BeatMessage = {
      v: GOSSIP_VERSION, type: 'beat', peerId: gossip.self, sentAt: new Date(clock.wall()).toISOString(), hostname: report.hostname,
      seq: ++this.last, of: this.reportSeq, ...(lease === null ? {} : { lease }), ...(sendReadings ? { readings } : {})
    }
    if (sendReadings) { this.lastReadings = readingsText; this.lastReadingsAt = beat }
    this.lastBeat = beat
    this.stats.beats++
    this.init.applyBeat(message)
    const text = JSON.stringify(message)
    if (this.init.sendBeat === undefined) gossip.send(text)
    else this.init.sendBeat(text, lease !== null)
  }

  /** A full report now (at start, and when a peer joins the topic). */
  async publish (): Promise<void> {
    const report = await this.current()
    await this.full(report, this.fingerprintOf(report), this.beatNow)
    // At start: the first beat one beat period after the report, not at the first heartbeat.
    this.lastBeat = Math.max(this.lastBeat, this.beatNow)
  }

  /**
   * A peer subscribed to the topic. Until a full report of this node has gone out to at least
   * one subscriber (the first one, at start, usually reaches nobody), it goes out now; later
   * joiners pull it (sync on connect), so a join never makes every node republish.
   */
  async joined (): Promise<void> {
    if (!this.heard) await this.publish()
  }

  /** The latest probed readings with the report's extras; stale ones say so (probeFailure). */
  private async current (): Promise<HostReport> {
    if (this.probed === null) await this.refresh()
    else await this.briefly(this.refresh())
    return { ...this.probed!, ...this.init.extras(), ...(this.failure === null ? {} : { probeFailure: this.failure }) }
  }

  private fingerprintOf (report: HostReport): string {
    return JSON.stringify([reportFingerprint(report), this.init.addrs(), this.init.api(), this.init.priority])
  }

  private async full (report: HostReport, fingerprint: string, beat: number): Promise<void> {
    const { clock } = this.components
    const { gossip } = this.init
    const wall = clock.wall()
    // Monotonic across restarts: never below the stored sequence, nor below the calendar.
    this.last = Math.max(this.last + 1, wall)
    this.reportSeq = this.last
    const unsigned: Unsigned<ReportMessage> = { v: GOSSIP_VERSION, type: 'report', peerId: gossip.self, sentAt: new Date(wall).toISOString(), seq: this.last, report, priority: this.init.priority, addrs: this.init.addrs(), api: this.init.api() }
    const { message, text } = await gossip.sign<ReportMessage>(unsigned)
    this.fingerprint = fingerprint
    this.lastFull = beat
    this.lastReadings = JSON.stringify(readingsOf(report))
    this.lastReadingsAt = beat
    this.stats.reports++
    if (this.init.subscribers() > 0) this.heard = true
    this.init.apply(message, text)
    if (this.init.sendReport === undefined) gossip.send(text)
    else this.init.sendReport(text)
  }

  /**
   * Waits for a probe at most PROBE_WAIT_MS: a quick one (a hardware file, the nvidia-smi loop's
   * last line) is published at this heartbeat, a slow one (the full probe, every minute) at the
   * next, never delaying this one.
   */
  private async briefly (probing: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<void>(resolve => { timer = setTimeout(resolve, PROBE_WAIT_MS) })
    try {
      await Promise.race([probing.catch(() => {}), waited])
    } finally {
      clearTimeout(timer)
    }
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
