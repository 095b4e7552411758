import type { HostEntry, MeasuredSpeed, Plan, Tombstone } from '@gpufleet/core'

export interface NodeState { term: number, seq: number }

/**
 * What the agent keeps across restarts: every host's last report, the plan in force with the
 * signed message it came in, the node's own term and sequence, and this host's measured model
 * speeds. LevelStore keeps it on disk; MemoryStore in memory (tests). Both pass one contract
 * suite (packages/agent/test/store-contract.ts).
 */
export interface FleetStore {
  /** Every stored host whose record still validates; a damaged record is skipped, not fatal. */
  loadHosts: () => Promise<HostEntry[]>
  /** Upserts by hostname; `restored` is not kept (everything loaded is restored). */
  saveHosts: (entries: readonly HostEntry[]) => Promise<void>
  loadPlan: () => Promise<{ plan: Plan, raw: string | null } | null>
  savePlan: (plan: Plan, raw: string | null) => Promise<void>
  /** { term: 0, seq: 0 } when nothing valid was stored. */
  loadState: () => Promise<NodeState>
  saveState: (state: NodeState) => Promise<void>
  loadMeasured: () => Promise<MeasuredSpeed[]>
  saveMeasured: (measured: readonly MeasuredSpeed[]) => Promise<void>
  /** Drops a forgotten host's record. */
  forgetHost: (hostname: string) => Promise<void>
  /** The tombstones this node keeps (core's TombstoneBook, oldest first); a damaged one is skipped. */
  loadTombstones: () => Promise<Tombstone[]>
  /** Replaces the whole list (at most TOMBSTONES_KEPT). */
  saveTombstones: (tombs: readonly Tombstone[]) => Promise<void>
  close: () => Promise<void>
}

/** A host entry as stored: what a restart needs, without the in-memory `restored` mark. */
export function storedHost (e: HostEntry): HostEntry {
  return { peerId: e.peerId, seq: e.seq, report: e.report, addrs: e.addrs, api: e.api, lastSeen: e.lastSeen, ...(e.raw === undefined ? {} : { raw: e.raw }) }
}

/** A stored tombstone that still has the shape of one (the disk may hold anything). */
export function validTombstone (value: unknown): value is Tombstone {
  const t = value as Partial<Tombstone> | null
  return typeof t?.hostname === 'string' && typeof t.peerId === 'string' && Number.isSafeInteger(t.upTo) && (t.raw === undefined || typeof t.raw === 'string')
}
