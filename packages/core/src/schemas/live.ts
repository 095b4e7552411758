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
  /** The last minutes of every GPU's readings. */
  history: GpuHistory
  /** Each host's API address (HOST:PORT) as it announced it, for links to other nodes' dashboards. */
  apis: Record<string, string | null>
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
)

export type LiveMessage = LiveSnapshot | LiveEvent
