import type { HostReport } from '../schemas/host-report.js'
import type { ReportMessage } from './messages.js'

/** What a node knows of one host: its latest report and when it was last heard from. */
export interface HostEntry {
  peerId: string
  seq: number
  report: HostReport
  addrs: string[]
  api: string | null
  /** Local clock (ms) of the last report received; never the sender's clock. */
  lastSeen: number
  /** The report message exactly as its author signed it, relayed as is in sync responses. */
  raw?: string
  /** Loaded from disk at start: not heard from since, so offline until a fresh report arrives. */
  restored?: boolean
  /** Sequence of the last beat merged into this report (delta gossip, beats.ts). */
  beatSeq?: number
}

export type InventoryState = ReadonlyMap<string, HostEntry>

export type ApplyOutcome =
  | { accepted: true, state: InventoryState, joined: boolean }
  | { accepted: false, state: InventoryState, reason: 'stale' | 'hostname-taken' }

/**
 * Applies a host's report. Each host is the only writer of its entry (the message was already
 * checked to be signed by `peerId`), and a report older than the one known (same or lower
 * sequence) is a replay or a reordering and is dropped. A hostname already held by another
 * peer is kept by its holder until that holder has been silent for `offlineAfterMs` (a
 * reinstalled machine gets a new identity; an impostor does not take over a live host).
 */
export function applyReport (state: InventoryState, msg: ReportMessage, now: number, offlineAfterMs: number, raw?: string): ApplyOutcome {
  const hostname = msg.report.hostname
  const known = state.get(hostname)
  if (known !== undefined) {
    if (known.peerId === msg.peerId && msg.seq <= known.seq) return { accepted: false, state, reason: 'stale' }
    if (known.peerId !== msg.peerId && isHostOnline(known, now, offlineAfterMs)) return { accepted: false, state, reason: 'hostname-taken' }
  }
  const next = new Map(state)
  next.set(hostname, { peerId: msg.peerId, seq: msg.seq, report: msg.report, addrs: msg.addrs, api: msg.api, lastSeen: now, ...(raw === undefined ? {} : { raw }) })
  return { accepted: true, state: next, joined: known === undefined || !isHostOnline(known, now, offlineAfterMs) }
}

export function isHostOnline (entry: HostEntry, now: number, offlineAfterMs: number): boolean {
  return entry.restored !== true && now - entry.lastSeen < offlineAfterMs
}

/** The inventory as documents show it: every host with `online` and `lastSeen`, sorted by name. */
export function inventoryHosts (state: InventoryState, now: number, offlineAfterMs: number, toIso: (ms: number) => string): HostReport[] {
  return [...state.values()]
    .sort((a, b) => (a.report.hostname < b.report.hostname ? -1 : 1))
    .map(e => ({ ...e.report, online: isHostOnline(e, now, offlineAfterMs), lastSeen: toIso(e.lastSeen) }))
}

/**
 * What the planner depends on, and nothing else: which hosts are online and their GPUs' sizes,
 * exclusion-relevant identity, and VRAM used by others in 256 MiB steps. Utilization or
 * temperature changing every second must not trigger a new plan.
 */
export function planningFingerprint (hosts: readonly HostReport[]): string {
  const step = 256 * 1024 * 1024
  return JSON.stringify(hosts.map(h => [
    h.hostname, h.online !== false, h.role, h.simulated || h.ollama.reachable,
    h.gpus.map(g => [g.index, g.model, g.uuid ?? null, g.computeCapability ?? null, g.vramBytes, g.vramCapped === true,
      Math.round(Math.max(0, (g.vramUsedBytes ?? 0) - (g.vramUsedByFleetBytes ?? 0)) / step)])
  ]))
}
