import { isHostOnline, type HostEntry, type InventoryState } from './inventory.js'
import { TOMBSTONES_KEPT, type ForgetMessage, type ReportMessage } from './messages.js'

/**
 * Forgetting a host. The leader's tombstone names the host's peer id and the sequence of the last
 * report it knew (`upTo`): every node drops the entry, and any copy of that host's reports up to
 * `upTo` — relayed by a node that was away, or still in flight — stays dropped. A report with a
 * higher sequence is the machine itself coming back, and it simply rejoins: tombstones never
 * block a genuine later report, whatever the order messages arrive in.
 */
export interface Tombstone {
  hostname: string
  /** The forgotten host's peer id. */
  peerId: string
  upTo: number
  /** The signed message, relayed as is in sync responses. */
  raw?: string
}

/** Tombstones by hostname, oldest first (Map insertion order), at most TOMBSTONES_KEPT. */
export type TombstoneBook = ReadonlyMap<string, Tombstone>

export function tombstoneOf (msg: ForgetMessage, raw?: string): Tombstone {
  return { hostname: msg.hostname, peerId: msg.host, upTo: msg.upTo, ...(raw === undefined ? {} : { raw }) }
}

/**
 * Adds a tombstone; null when it changes nothing (the book already buries this host at least as
 * far). The oldest tombstones go first once the book is full.
 */
export function recordTombstone (book: TombstoneBook, tomb: Tombstone, max = TOMBSTONES_KEPT): TombstoneBook | null {
  const known = book.get(tomb.hostname)
  if (known !== undefined && known.peerId === tomb.peerId && known.upTo >= tomb.upTo) return null
  const next = new Map(book)
  next.delete(tomb.hostname)
  next.set(tomb.hostname, tomb)
  for (const hostname of next.keys()) {
    if (next.size <= max) break
    next.delete(hostname)
  }
  return next
}

/** True when this report is one the tombstones already forgot (not the host coming back). */
export function isBuried (book: TombstoneBook, msg: Pick<ReportMessage, 'peerId' | 'seq' | 'report'>): boolean {
  const tomb = book.get(msg.report.hostname)
  return tomb !== undefined && tomb.peerId === msg.peerId && msg.seq <= tomb.upTo
}

/**
 * The inventory without the host a tombstone buries, and the sequence this node buried it up to;
 * null when the entry is not buried. An entry newer than the tombstone is kept only while the host
 * is online here (it came back): an offline one is a last report the leader missed, and is buried
 * too — else this node would relay it in sync and bring the host back everywhere.
 */
export function buryHost (state: InventoryState, tomb: Tombstone, now: number, offlineAfterMs: number): { state: InventoryState, upTo: number } | null {
  const entry = state.get(tomb.hostname)
  if (entry === undefined || entry.peerId !== tomb.peerId) return null
  if (entry.seq > tomb.upTo && isHostOnline(entry, now, offlineAfterMs)) return null
  const next = new Map(state)
  next.delete(tomb.hostname)
  return { state: next, upTo: Math.max(tomb.upTo, entry.seq) }
}

/**
 * Hosts the leader should forget now: offline for at least `forgetAfterMs` (measured on the
 * node's own clock since it last heard from them). Never the leader itself.
 */
export function hostsToForget (state: InventoryState, now: number, offlineAfterMs: number, forgetAfterMs: number | null, selfHostname: string): HostEntry[] {
  if (forgetAfterMs === null) return []
  return [...state.values()].filter(e => e.report.hostname !== selfHostname && !isHostOnline(e, now, offlineAfterMs) && now - e.lastSeen >= forgetAfterMs)
}

export type ForgetCheck = { ok: true, entry: HostEntry } | { ok: false, status: 404 | 409, error: string }

/**
 * Whether `gpufleet forget` may drop this host now. A host still reporting would rejoin at its
 * next heartbeat, so forgetting it is refused: stop its agent first.
 */
export function checkForget (state: InventoryState, hostname: string, now: number, offlineAfterMs: number): ForgetCheck {
  const entry = state.get(hostname)
  if (entry === undefined) return { ok: false, status: 404, error: `no host "${hostname}" in the inventory (known: ${[...state.keys()].sort().join(', ') || 'none'})` }
  if (isHostOnline(entry, now, offlineAfterMs)) return { ok: false, status: 409, error: `${hostname} is online: stop its agent first (a host that still reports rejoins at once)` }
  return { ok: true, entry }
}
