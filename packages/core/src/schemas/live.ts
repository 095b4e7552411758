import type { Alert } from '../alerts/schema.js'
import type { HostReport } from './host-report.js'
import type { Plan } from './plan.js'
import type { StatusDocument } from './status.js'

/** One GPU's readings at one moment (ms since the epoch, agent's clock): the dashboard's sparklines. */
export interface GpuSample {
  t: number
  util: number | null
  temp: number | null
  power: number | null
  vramUsed: number | null
}

/** `host/gpuIndex` → samples, oldest first. */
export type GpuHistory = Record<string, GpuSample[]>

/** The first message on `/ws`, and the one a client that fell behind gets again. */
export type LiveSnapshot = StatusDocument & {
  type: 'snapshot'
  /** The last hour of every GPU's readings. */
  history: GpuHistory
  /** The last 24 hours, downsampled to bucket means (5 min by default). */
  history24h?: GpuHistory
  /** Each host's API address (HOST:PORT) as it announced it, for links to other nodes' dashboards. */
  apis: Record<string, string | null>
  /** The node's recent events, newest first, so a page opened now has its Events panel filled. */
  events?: RecentEvent[]
}

/** The change events of `/ws` after its snapshot. `at` is the sending node's clock. */
export type LiveEvent = { at: string } & (
  | { type: 'host:joined' | 'host:updated', host: HostReport, api: string | null }
  | { type: 'host:left', hostname: string, lastSeen: string | null }
  /** The leader's tombstone dropped the host from the inventory (gpufleet forget, or cluster.forgetAfter). */
  | { type: 'host:forgotten', hostname: string }
  | { type: 'leader:changed', leader: string | null, term: number, leaderApi: string | null }
  | { type: 'plan:changed', plan: Plan }
  | { type: 'alert:raised' | 'alert:cleared', alert: Alert }
  /** An active alert's reading, text or reason changed (it was not raised again). */
  | { type: 'alert:updated', alert: Alert }
)

export type LiveMessage = LiveSnapshot | LiveEvent

/** A past event as the snapshot replays it: cut to what a log line shows (no whole plans or reports). */
export type RecentEvent = { at: string } & (
  | { type: 'host:joined' | 'host:left', hostname: string }
  | { type: 'leader:changed', leader: string | null, term: number }
  | { type: 'plan:changed', term: number, assignments: number }
  | { type: 'alert:raised' | 'alert:cleared', alert: Alert }
)

/** The replayable summary of a live event; null for the per-heartbeat host updates and alert refreshes. */
export function recentEventOf (e: LiveEvent): RecentEvent | null {
  switch (e.type) {
    case 'host:joined': return { type: e.type, at: e.at, hostname: e.host.hostname }
    case 'host:left': return { type: e.type, at: e.at, hostname: e.hostname }
    case 'leader:changed': return { type: e.type, at: e.at, leader: e.leader, term: e.term }
    case 'plan:changed': return { type: e.type, at: e.at, term: e.plan.term, assignments: e.plan.assignments.length }
    case 'alert:raised':
    case 'alert:cleared': return { type: e.type, at: e.at, alert: e.alert }
    default: return null
  }
}
