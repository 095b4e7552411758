import { byName, hostReportSchema, measuredSpeedSchema, planSchema, type HostEntry, type MeasuredSpeed, type Plan, type Tombstone } from '@gpufleet/core'
import { storedHost, validTombstone, type FleetStore, type NodeState } from './store.js'

/**
 * The store in memory, for tests of the agent's components: values go through a JSON round
 * trip, as LevelDB's json encoding does, so a caller that mutates what it saved or loaded sees
 * the same behaviour as on disk.
 */
export class MemoryStore implements FleetStore {
  private readonly hosts = new Map<string, string>()
  private plan: string | null = null
  private planRaw: string | null = null
  private state: string | null = null
  private measured: string | null = null
  private tombstones: string | null = null
  private closed = false

  async loadHosts (): Promise<HostEntry[]> {
    this.check()
    const out: HostEntry[] = []
    for (const text of [...this.hosts.entries()].sort(([a], [b]) => byName(a, b)).map(([, v]) => v)) {
      const value = JSON.parse(text) as HostEntry
      const report = hostReportSchema.safeParse(value.report)
      if (report.success && typeof value.peerId === 'string' && Number.isFinite(value.seq)) out.push({ ...value, report: report.data })
    }
    return out
  }

  async saveHosts (entries: readonly HostEntry[]): Promise<void> {
    this.check()
    for (const e of entries) this.hosts.set(e.report.hostname, JSON.stringify(storedHost(e)))
  }

  async loadPlan (): Promise<{ plan: Plan, raw: string | null } | null> {
    this.check()
    const parsed = planSchema.safeParse(this.plan === null ? undefined : JSON.parse(this.plan))
    return parsed.success ? { plan: parsed.data, raw: this.planRaw } : null
  }

  async savePlan (plan: Plan, raw: string | null): Promise<void> {
    this.check()
    this.plan = JSON.stringify(plan)
    this.planRaw = raw
  }

  async loadState (): Promise<NodeState> {
    this.check()
    const raw = this.state === null ? undefined : JSON.parse(this.state) as NodeState
    return raw !== undefined && Number.isFinite(raw.term) && Number.isFinite(raw.seq) ? raw : { term: 0, seq: 0 }
  }

  async saveState (state: NodeState): Promise<void> {
    this.check()
    this.state = JSON.stringify(state)
  }

  async loadMeasured (): Promise<MeasuredSpeed[]> {
    this.check()
    const parsed = measuredSpeedSchema.array().safeParse(this.measured === null ? undefined : JSON.parse(this.measured))
    return parsed.success ? parsed.data : []
  }

  async saveMeasured (measured: readonly MeasuredSpeed[]): Promise<void> {
    this.check()
    this.measured = JSON.stringify(measured)
  }

  async forgetHost (hostname: string): Promise<void> {
    this.check()
    this.hosts.delete(hostname)
  }

  async loadTombstones (): Promise<Tombstone[]> {
    this.check()
    const value = this.tombstones === null ? [] : JSON.parse(this.tombstones) as unknown
    return Array.isArray(value) ? value.filter(validTombstone) : []
  }

  async saveTombstones (tombs: readonly Tombstone[]): Promise<void> {
    this.check()
    this.tombstones = JSON.stringify(tombs)
  }

  async close (): Promise<void> {
    this.closed = true
  }

  /** A new store with this one's contents, as reopening a database after a restart gives. */
  reopen (): MemoryStore {
    const next = new MemoryStore()
    for (const [k, v] of this.hosts) next.hosts.set(k, v)
    next.plan = this.plan
    next.planRaw = this.planRaw
    next.state = this.state
    next.measured = this.measured
    next.tombstones = this.tombstones
    return next
  }

  /** LevelDB refuses calls on a closed database; so does this store, so tests catch use after close. */
  private check (): void {
    if (this.closed) throw new Error('the store is closed')
  }
}
