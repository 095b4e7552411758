import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { HostEntry, MeasuredSpeed, Plan, Tombstone } from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { FleetStore, NodeState } from './store.js'

/** Why the data directory cannot be written, as a host report says it (null: writable). */
export interface DiskCondition { writable: false, error: string }

export interface DiskGuardEvents { 'disk:changed': [condition: DiskCondition | null] }

/** A store that can close and reopen its files: LevelDB keeps failing after some I/O errors until its files are reopened. */
export interface Recoverable { recover: () => Promise<void> }

/** While writes fail, the store is reopened and the pending writes retried at most this often. */
const RETRY_EVERY_MS = 2000

/**
 * The store as the agent writes to it when the disk may fill up or turn read-only: a failed write
 * never reaches the caller (gossip, planning and serving go on from memory); the condition is
 * logged once, with the first error, and reported (the host report's `dataDir`, which the leader
 * turns into a `disk-unwritable` alert); the latest value of every failed write is kept — one per
 * host, plan, state, tombstone list — and written when writes work again, so nothing is lost
 * that the node still knows. Reads go straight through.
 */
export class DiskGuard extends EventEmitter<DiskGuardEvents> implements FleetStore {
  private failing: DiskCondition | null = null
  private lastTry = -Infinity
  /** The latest failed write per slot, replayed in order once writes succeed again. */
  private readonly pending = new Map<string, () => Promise<void>>()

  constructor (private readonly components: { clock: Clock, logger: Logger }, private readonly inner: FleetStore & Partial<Recoverable>, private readonly dir: string) {
    super()
  }

  get condition (): DiskCondition | null { return this.failing }

  loadHosts = async (): Promise<HostEntry[]> => await this.inner.loadHosts()
  loadPlan = async (): Promise<{ plan: Plan, raw: string | null } | null> => await this.inner.loadPlan()
  loadState = async (): Promise<NodeState> => await this.inner.loadState()
  loadMeasured = async (): Promise<MeasuredSpeed[]> => await this.inner.loadMeasured()
  loadTombstones = async (): Promise<Tombstone[]> => await this.inner.loadTombstones()

  async saveHosts (entries: readonly HostEntry[]): Promise<void> {
    for (const e of entries) this.pending.delete(`forget:${e.report.hostname}`)
    if (entries.length === 0) return
    // One slot per host: a later write of a host replaces its earlier failed one.
    await this.write(entries.map(e => `host:${e.report.hostname}`), entries.map(e => async () => { await this.inner.saveHosts([e]) }), async () => { await this.inner.saveHosts(entries) })
  }

  async forgetHost (hostname: string): Promise<void> {
    this.pending.delete(`host:${hostname}`)
    const run = async (): Promise<void> => { await this.inner.forgetHost(hostname) }
    await this.write([`forget:${hostname}`], [run], run)
  }

  async savePlan (plan: Plan, raw: string | null): Promise<void> {
    const run = async (): Promise<void> => { await this.inner.savePlan(plan, raw) }
    await this.write(['plan'], [run], run)
  }

  async saveState (state: NodeState): Promise<void> {
    const run = async (): Promise<void> => { await this.inner.saveState(state) }
    await this.write(['state'], [run], run)
  }

  async saveMeasured (measured: readonly MeasuredSpeed[]): Promise<void> {
    const run = async (): Promise<void> => { await this.inner.saveMeasured(measured) }
    await this.write(['measured'], [run], run)
  }

  async saveTombstones (tombs: readonly Tombstone[]): Promise<void> {
    const run = async (): Promise<void> => { await this.inner.saveTombstones(tombs) }
    await this.write(['tombstones'], [run], run)
  }

  async close (): Promise<void> { await this.inner.close() }

  /**
   * Every heartbeat: while writes are failing, try again (at most every RETRY_EVERY_MS). An idle
   * agent writes nothing for minutes, and the disk coming back must not wait for its next change.
   * Nothing to do otherwise.
   */
  async tick (): Promise<void> {
    if (this.failing !== null && this.pending.size > 0) await this.retry()
  }

  /**
   * Runs a write, or — while the disk is failing — queues it and, at most every RETRY_EVERY_MS,
   * reopens the store and replays what is queued: the first success ends the condition.
   */
  private async write (slots: string[], parts: Array<() => Promise<void>>, whole: () => Promise<void>): Promise<void> {
    if (this.failing === null) {
      try {
        await whole()
        return
      } catch (err) {
        this.fail(err)
      }
    }
    slots.forEach((slot, i) => { this.pending.delete(slot); this.pending.set(slot, parts[i]!) })
    await this.retry()
  }

  private async retry (): Promise<void> {
    const now = this.components.clock.now()
    if (now - this.lastTry < RETRY_EVERY_MS) return
    this.lastTry = now
    try {
      await this.inner.recover?.()
      for (const [slot, run] of this.pending) {
        await run()
        this.pending.delete(slot)
      }
    } catch (err) {
      this.fail(err)
      return
    }
    this.components.logger.info({ event: 'disk-writable', dataDir: this.dir }, 'the data directory is writable again: writes resumed')
    this.failing = null
    this.emit('disk:changed', null)
  }

  /** Logged once per condition: the first failure, or a different error than the one in force. */
  private fail (err: unknown): void {
    const error = reasonOf(err)
    if (this.failing?.error === error) return
    this.failing = { writable: false, error }
    this.components.logger.error({ event: 'disk-unwritable', dataDir: this.dir, err: error }, 'cannot write to the data directory: running from memory, writes resume when it is writable again')
    this.emit('disk:changed', this.failing)
  }
}

/** The last clause of LevelDB's message ("IO error: …/000003.log: No space left on device"), on one line. */
function reasonOf (err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause?.message
  const message = (cause ?? (err as Error).message ?? String(err)).split('\n')[0]!
  const i = message.lastIndexOf(': ')
  return (i === -1 ? message : message.slice(i + 2)).slice(0, 300)
}
