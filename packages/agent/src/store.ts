import { mkdirSync, renameSync } from 'node:fs'
import { Level } from 'level'
import { hostReportSchema, measuredSpeedSchema, planSchema, type HostEntry, type MeasuredSpeed, type Plan } from '@gpufleet/core'
import { DataDirLockedError } from './errors.js'

interface StoredHost { peerId: string, seq: number, report: unknown, addrs: string[], api: string | null, lastSeen: number, raw?: string }
export interface NodeState { term: number, seq: number }

/**
 * The node's disk: LevelDB with one sublevel each for the inventory (hostname → last report),
 * plans ("current") and the node's own state (term, sequence). Writes are atomic batches.
 */
export class FleetStore {
  private constructor (private readonly db: Level<string, unknown>) {}

  /** Set when open() found the store damaged and started a fresh one (the old one is kept aside). */
  recovered: { movedTo: string, reason: string } | null = null

  /**
   * Opens the store. A damaged one (corrupt or truncated files) is moved aside and a fresh one
   * opened: everything in it is replicated state that peers resend on the first sync, and the
   * node's identity key lives outside it. Another agent holding the directory is an error.
   */
  static async open (dir: string, clock: () => number = Date.now): Promise<FleetStore> {
    mkdirSync(dir, { recursive: true })
    const db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
    try {
      await db.open()
      return new FleetStore(db)
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED') throw new DataDirLockedError(`${dir}: the data directory is in use by another gpufleet agent`)
      if (cause?.code !== 'LEVEL_CORRUPTION' && cause?.code !== 'LEVEL_IO_ERROR') throw err
      const movedTo = `${dir}.damaged-${new Date(clock()).toISOString().replace(/[:.]/g, '-')}`
      renameSync(dir, movedTo)
      const store = await FleetStore.open(dir, clock)
      store.recovered = { movedTo, reason: (cause.message ?? cause.code).split('\n')[0]! }
      return store
    }
  }

  private get hosts () { return this.db.sublevel<string, StoredHost>('hosts', { valueEncoding: 'json' }) }
  private get plans () { return this.db.sublevel<string, unknown>('plans', { valueEncoding: 'json' }) }
  private get state () { return this.db.sublevel<string, NodeState>('state', { valueEncoding: 'json' }) }
  private get measuredLevel () { return this.db.sublevel<string, unknown>('measured', { valueEncoding: 'json' }) }

  /** Every stored host whose record still validates; a damaged record is skipped, not fatal. */
  async loadHosts (): Promise<HostEntry[]> {
    const out: HostEntry[] = []
    for await (const [, value] of this.hosts.iterator()) {
      const report = hostReportSchema.safeParse(value.report)
      if (report.success && typeof value.peerId === 'string' && Number.isFinite(value.seq)) out.push({ ...value, report: report.data })
    }
    return out
  }

  async saveHosts (entries: readonly HostEntry[]): Promise<void> {
    if (entries.length === 0) return
    await this.hosts.batch(entries.map(e => ({ type: 'put' as const, key: e.report.hostname, value: { peerId: e.peerId, seq: e.seq, report: e.report, addrs: e.addrs, api: e.api, lastSeen: e.lastSeen, ...(e.raw === undefined ? {} : { raw: e.raw }) } })))
  }

  /** The plan in force and the signed message it came in (relayed to peers that sync). */
  async loadPlan (): Promise<{ plan: Plan, raw: string | null } | null> {
    const [value, raw] = await Promise.all([this.plans.get('current'), this.plans.get('current-raw')])
    const parsed = planSchema.safeParse(value)
    return parsed.success ? { plan: parsed.data, raw: typeof raw === 'string' ? raw : null } : null
  }

  async savePlan (plan: Plan, raw: string | null): Promise<void> {
    await this.plans.batch([{ type: 'put', key: 'current', value: plan }, ...(raw === null ? [] : [{ type: 'put' as const, key: 'current-raw', value: raw }])])
  }

  async loadState (): Promise<NodeState> {
    const raw = await this.state.get('node')
    return raw !== undefined && Number.isFinite(raw.term) && Number.isFinite(raw.seq) ? raw : { term: 0, seq: 0 }
  }

  async saveState (state: NodeState): Promise<void> {
    await this.state.put('node', state)
  }

  /** This host's measured model speeds (bench-models), kept across restarts. */
  async loadMeasured (): Promise<MeasuredSpeed[]> {
    const parsed = measuredSpeedSchema.array().safeParse(await this.measuredLevel.get('self'))
    return parsed.success ? parsed.data : []
  }

  async saveMeasured (measured: readonly MeasuredSpeed[]): Promise<void> {
    await this.measuredLevel.put('self', measured)
  }

  async close (): Promise<void> {
    await this.db.close()
  }
}
