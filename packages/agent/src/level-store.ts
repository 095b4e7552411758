import { mkdirSync, renameSync } from 'node:fs'
import { Level } from 'level'
import { hostReportSchema, measuredSpeedSchema, planSchema, type HostEntry, type MeasuredSpeed, type Plan, type Tombstone } from '@gpufleet/core'
import { DataDirLockedError } from './errors.js'
import { storedHost, validTombstone, type FleetStore, type NodeState } from './store.js'

interface StoredHost { peerId: string, seq: number, report: unknown, addrs: string[], api: string | null, lastSeen: number, raw?: string }

/**
 * The node's disk: LevelDB with one sublevel each for the inventory (hostname → last report),
 * plans ("current") and the node's own state (term, sequence). Writes are atomic batches.
 */
export class LevelStore implements FleetStore {
  private readonly levels: Sublevels

  private constructor (private readonly db: Level<string, unknown>) {
    this.levels = sublevels(db)
  }

  /** Set when open() found the store damaged and started a fresh one (the old one is kept aside). */
  recovered: { movedTo: string, reason: string } | null = null

  /**
   * Opens the store. A damaged one (corrupt or truncated files) is moved aside and a fresh one
   * opened: everything in it is replicated state that peers resend on the first sync, and the
   * node's identity key lives outside it. Another agent holding the directory is an error.
   */
  static async open (dir: string, clock: () => number = Date.now): Promise<LevelStore> {
    mkdirSync(dir, { recursive: true })
    const db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
    try {
      await db.open()
      return new LevelStore(db)
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED') throw new DataDirLockedError(`${dir}: the data directory is in use by another gpufleet agent`)
      if (cause?.code !== 'LEVEL_CORRUPTION' && cause?.code !== 'LEVEL_IO_ERROR') throw err
      const movedTo = `${dir}.damaged-${new Date(clock()).toISOString().replace(/[:.]/g, '-')}`
      renameSync(dir, movedTo)
      const store = await LevelStore.open(dir, clock)
      store.recovered = { movedTo, reason: (cause.message ?? cause.code).split('\n')[0]! }
      return store
    }
  }

  /** Every stored host whose record still validates; a damaged record is skipped, not fatal. */
  async loadHosts (): Promise<HostEntry[]> {
    const out: HostEntry[] = []
    for await (const [, value] of this.levels.hosts.iterator()) {
      const report = hostReportSchema.safeParse(value.report)
      if (report.success && typeof value.peerId === 'string' && Number.isFinite(value.seq)) out.push({ ...value, report: report.data })
    }
    return out
  }

  async saveHosts (entries: readonly HostEntry[]): Promise<void> {
    if (entries.length === 0) return
    await this.levels.hosts.batch(entries.map(e => ({ type: 'put' as const, key: e.report.hostname, value: storedHost(e) })))
  }

  /** The plan in force and the signed message it came in (relayed to peers that sync). */
  async loadPlan (): Promise<{ plan: Plan, raw: string | null } | null> {
    const [value, raw] = await Promise.all([this.levels.plans.get('current'), this.levels.plans.get('current-raw')])
    const parsed = planSchema.safeParse(value)
    return parsed.success ? { plan: parsed.data, raw: typeof raw === 'string' ? raw : null } : null
  }

  async savePlan (plan: Plan, raw: string | null): Promise<void> {
    // Without its signed text the plan must not keep an older plan's text: sync would relay it.
    await this.levels.plans.batch([{ type: 'put', key: 'current', value: plan }, raw === null ? { type: 'del', key: 'current-raw' } : { type: 'put', key: 'current-raw', value: raw }])
  }

  async loadState (): Promise<NodeState> {
    const raw = await this.levels.state.get('node')
    return raw !== undefined && Number.isFinite(raw.term) && Number.isFinite(raw.seq) ? raw : { term: 0, seq: 0 }
  }

  async saveState (state: NodeState): Promise<void> {
    await this.levels.state.put('node', state)
  }

  /** This host's measured model speeds (bench-models), kept across restarts. */
  async loadMeasured (): Promise<MeasuredSpeed[]> {
    const parsed = measuredSpeedSchema.array().safeParse(await this.levels.measuredLevel.get('self'))
    return parsed.success ? parsed.data : []
  }

  async saveMeasured (measured: readonly MeasuredSpeed[]): Promise<void> {
    await this.levels.measuredLevel.put('self', measured)
  }

  async forgetHost (hostname: string): Promise<void> {
    await this.levels.hosts.del(hostname)
  }

  async loadTombstones (): Promise<Tombstone[]> {
    const value = await this.levels.tombstones.get('all')
    return Array.isArray(value) ? value.filter(validTombstone) : []
  }

  async saveTombstones (tombs: readonly Tombstone[]): Promise<void> {
    await this.levels.tombstones.put('all', [...tombs])
  }

  /**
   * Closes and reopens the files: after some I/O errors (a full disk during a compaction)
   * LevelDB refuses every write until reopened. The sublevels follow their parent.
   */
  async recover (): Promise<void> {
    await this.db.close()
    await this.db.open()
    await Promise.all(Object.values(this.levels).map(async level => { await level.open() }))
  }

  async close (): Promise<void> {
    await this.db.close()
  }
}

/**
 * Made once per store: a sublevel is a database attached to its parent until closed, so one
 * made on every access (as a getter did) accumulates for the life of the agent.
 */
function sublevels (db: Level<string, unknown>) {
  return {
    hosts: db.sublevel<string, StoredHost>('hosts', { valueEncoding: 'json' }),
    plans: db.sublevel<string, unknown>('plans', { valueEncoding: 'json' }),
    state: db.sublevel<string, NodeState>('state', { valueEncoding: 'json' }),
    tombstones: db.sublevel<string, unknown>('tombstones', { valueEncoding: 'json' }),
    measuredLevel: db.sublevel<string, unknown>('measured', { valueEncoding: 'json' })
  }
}
type Sublevels = ReturnType<typeof sublevels>
