import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { applyBeat, applyReport, buryHost, inventoryHosts, isHostOnline, type BeatMessage, type BeatOutcome, type HostEntry, type HostReport, type InventoryState, type ReportMessage, type Tombstone } from '@gpufleet/core'
import { monotonicOf, wallOf, type Clock } from './clock.js'
import type { FleetStore } from './store.js'

export interface InventoryReplicaEvents {
  /** A report was taken: `live` says whether dashboards saw this host online already. */
  'host:report': [msg: ReportMessage, host: HostReport, live: 'host:joined' | 'host:updated']
  /** A host announced online went silent past offlineAfter. */
  'host:left': [hostname: string, lastSeen: string]
  /** A beat was merged: `readings` says whether the host's live readings changed with it. */
  'host:beat': [entry: HostEntry, host: HostReport, live: 'host:joined' | 'host:updated', readings: boolean]
}

export interface InventoryReplicaComponents { clock: Clock, logger: Logger, store: FleetStore }

/**
 * This node's copy of every host's last report (core's applyReport decides what is taken),
 * with what the dashboards were last told about each host, and the entries changed since the
 * last write to disk. Times in the entries are monotonic; disk and documents get calendar time.
 */
export class InventoryReplica extends EventEmitter<InventoryReplicaEvents> {
  private state: InventoryState = new Map()
  /** Online state per host as last announced: joined/left events fire on changes. */
  private readonly announcedOnline = new Map<string, boolean>()
  private readonly dirty = new Set<string>()
  private changes = 0

  constructor (private readonly components: InventoryReplicaComponents, private readonly offlineAfterMs: number) {
    super()
  }

  get entries (): InventoryState { return this.state }
  /** Grows with every change to the inventory (reports, readings, departures): readers compare it instead of rescanning. */
  get version (): number { return this.changes }
  get (hostname: string): HostEntry | undefined { return this.state.get(hostname) }

  /** What the node knew before it stopped: shown as not heard from until peers answer. */
  restore (hosts: readonly HostEntry[]): void {
    const { clock } = this.components
    this.state = new Map(hosts.map(h => [h.report.hostname, { ...h, lastSeen: monotonicOf(clock, h.lastSeen), restored: true }]))
  }

  /** A verified report: taken unless stale or for a hostname another live peer holds. */
  accept (msg: ReportMessage, raw?: string): boolean {
    const { clock, logger } = this.components
    const now = clock.now()
    const outcome = applyReport(this.state, msg, now, this.offlineAfterMs, raw)
    if (!outcome.accepted) { logger.debug({ host: msg.report.hostname, reason: outcome.reason }, 'report ignored'); return false }
    this.state = outcome.state
    this.changes++
    this.dirty.add(msg.report.hostname)
    logger.trace({ host: msg.report.hostname, seq: msg.seq, delayMs: clock.wall() - Date.parse(msg.sentAt) }, 'report received')
    if (outcome.joined) logger.info({ host: msg.report.hostname, peerId: msg.peerId }, 'host joined')
    const host = { ...msg.report, online: true, lastSeen: new Date(clock.wall()).toISOString() }
    const wasOnline = this.announcedOnline.get(host.hostname) === true
    this.announcedOnline.set(host.hostname, true)
    this.emit('host:report', msg, host, wasOnline ? 'host:updated' : 'host:joined')
    return true
  }

  /**
   * A tombstone: drops the host from memory and disk, unless it came back (core's buryHost).
   * Returns the sequence it was buried up to, or null when nothing was dropped.
   */
  bury (tomb: Tombstone): number | null {
    const buried = buryHost(this.state, tomb, this.components.clock.now(), this.offlineAfterMs)
    if (buried === null) return null
    this.state = buried.state
    this.changes++
    this.dirty.delete(tomb.hostname)
    this.announcedOnline.delete(tomb.hostname)
    this.components.store.forgetHost(tomb.hostname).catch((err: unknown) => {
      this.components.logger.debug({ host: tomb.hostname, err: (err as Error).message }, 'cannot drop the host from disk')
    })
    return buried.upTo
  }

  /**
   * A verified beat. Not written to disk (readings and liveness are not what a restart needs).
   * 'unknown' or 'behind': this node missed the host's full report — the caller pulls it.
   */
  acceptBeat (beat: BeatMessage): 'accepted' | Exclude<BeatOutcome, { accepted: true }>['reason'] {
    const { clock } = this.components
    const outcome = applyBeat(this.state, beat, clock.now(), this.offlineAfterMs)
    if (!outcome.accepted) return outcome.reason
    this.state = outcome.state
    if (outcome.readings || outcome.revived) this.changes++
    if (outcome.revived) this.components.logger.info({ host: beat.hostname }, 'host back online')
    const host = { ...outcome.entry.report, online: true, lastSeen: new Date(clock.wall()).toISOString() }
    const wasOnline = this.announcedOnline.get(beat.hostname) === true
    this.announcedOnline.set(beat.hostname, true)
    this.emit('host:beat', outcome.entry, host, wasOnline ? 'host:updated' : 'host:joined', outcome.readings)
    return 'accepted'
  }

  /**
   * Whether this node holds exactly this message of `peerId` about `hostname`: its last report or
   * its last beat has sequence `seq`. A copy of it (the same message by another path) is still
   * valid: gossip must carry it on (see the agent's report and beat handlers).
   */
  holds (peerId: string, hostname: string, seq: number): boolean {
    const entry = this.state.get(hostname)
    return entry?.peerId === peerId && (entry.seq === seq || entry.beatSeq === seq)
  }

  /** Each host's report sequence: the digest a sync request sends, so the answer carries only what this node lacks. */
  digest (): Record<string, number> {
    return Object.fromEntries([...this.state].map(([hostname, e]) => [hostname, e.seq]))
  }

  /** The signed reports to relay to a peer whose digest is `have` (all of them without one). */
  relayable (have?: Readonly<Record<string, number>>): string[] {
    const out: string[] = []
    for (const [hostname, e] of this.state) if (e.raw !== undefined && !((have?.[hostname] ?? -1) >= e.seq)) out.push(e.raw)
    return out
  }

  /** Every host with `online` and `lastSeen` (calendar time), sorted by name. */
  hosts (): HostReport[] {
    const { clock } = this.components
    return inventoryHosts(this.state, clock.now(), this.offlineAfterMs, ms => new Date(wallOf(clock, ms)).toISOString())
  }

  isOnline (entry: HostEntry): boolean {
    return isHostOnline(entry, this.components.clock.now(), this.offlineAfterMs)
  }

  /** Hosts that went silent past offlineAfter are announced as left (joins come with their reports). */
  checkDepartures (): void {
    const { clock, logger } = this.components
    for (const [hostname, entry] of this.state) {
      if (this.announcedOnline.get(hostname) !== true || this.isOnline(entry)) continue
      this.announcedOnline.set(hostname, false)
      this.changes++
      logger.info({ host: hostname }, 'host offline')
      this.emit('host:left', hostname, new Date(wallOf(clock, entry.lastSeen)).toISOString())
    }
  }

  /** Writes the entries changed since the last flush; on failure they stay to write next time. */
  async flush (): Promise<void> {
    const { clock, store } = this.components
    // Nothing changed, nothing written (an empty batch still costs LevelDB a trip to its thread).
    if (this.dirty.size === 0) return
    const names = [...this.dirty]
    const entries = names.map(h => this.state.get(h)).filter((e): e is HostEntry => e !== undefined)
    this.dirty.clear()
    try {
      await store.saveHosts(entries.map(e => ({ ...e, lastSeen: wallOf(clock, e.lastSeen) })))
    } catch (err) {
      for (const name of names) this.dirty.add(name)
      throw err
    }
  }
}
