import type { Alert, GpuHistory, GpuSample, HostReport, LiveEvent, LiveMessage, Plan, RecentEvent, StatusDocument } from '@gpufleet/core'
import { recentEventOf } from '@gpufleet/core/live'

/** One line of the page's event log. */
export type LogKey = 'hostJoined' | 'hostLeft' | 'hostForgotten' | 'leaderChanged' | 'planChanged' | 'alertRaised' | 'alertCleared' | 'connectionLost' | 'connectionBack'
export interface LogEntry { at: string, key: LogKey, args: Record<string, string | number>, severity?: Alert['severity'], alert?: Alert }

/** Everything the page shows: built from the snapshot, then updated event by event. Pure. */
export interface ViewState {
  status: StatusDocument | null
  hosts: Map<string, HostReport>
  apis: Record<string, string | null>
  plan: Plan | null
  alerts: Map<string, Alert>
  history: GpuHistory
  /** The agent's 24 h tier (bucket means), as of the last snapshot. */
  history24h: GpuHistory
  log: LogEntry[]
  leader: string | null
  term: number
}

export const LOG_LIMIT = 200
/** Samples kept per GPU in the page, and their minimum spacing: the same as the agent keeps (1 h). */
export const HISTORY_LIMIT = 240
export const HISTORY_GAP_MS = 15_000

export function emptyState (): ViewState {
  return { status: null, hosts: new Map(), apis: {}, plan: null, alerts: new Map(), history: {}, history24h: {}, log: [], leader: null, term: 0 }
}

function appendLog (log: LogEntry[], entry: LogEntry): LogEntry[] {
  const next = [entry, ...log]
  return next.length > LOG_LIMIT ? next.slice(0, LOG_LIMIT) : next
}

function appendSamples (history: GpuHistory, host: HostReport, at: number): GpuHistory {
  const next = { ...history }
  for (const gpu of host.gpus) {
    const key = `${host.hostname}/${gpu.index}`
    const ring = next[key] ?? []
    const last = ring[ring.length - 1]
    if (last !== undefined && at - last.t < HISTORY_GAP_MS) continue
    const sample: GpuSample = { t: at, util: gpu.utilizationPct ?? null, temp: gpu.temperatureC ?? null, power: gpu.powerW ?? null, vramUsed: gpu.vramUsedBytes ?? null }
    next[key] = [...ring, sample].slice(-HISTORY_LIMIT)
  }
  return next
}

/** The Events panel's line for an event (as the snapshot replays it, or live). */
export function logEntryOf (e: RecentEvent): LogEntry {
  switch (e.type) {
    case 'host:joined': return { at: e.at, key: 'hostJoined', args: { host: e.hostname } }
    case 'host:left': return { at: e.at, key: 'hostLeft', args: { host: e.hostname }, severity: 'critical' }
    case 'leader:changed': return { at: e.at, key: 'leaderChanged', args: { leader: e.leader ?? '—', term: e.term } }
    case 'plan:changed': return { at: e.at, key: 'planChanged', args: { term: e.term, assignments: e.assignments } }
    case 'alert:raised': return { at: e.at, key: 'alertRaised', args: {}, severity: e.alert.severity, alert: e.alert }
    case 'alert:cleared': return { at: e.at, key: 'alertCleared', args: {}, alert: e.alert }
  }
}

/** A live event's log line. */
function logOf (e: LiveEvent): LogEntry {
  return logEntryOf(recentEventOf(e)!)
}

/** The replayed events and the page's own lines, newest first, each once. */
function mergeLogs (replayed: LogEntry[], own: LogEntry[]): LogEntry[] {
  const seen = new Set<string>()
  const key = (e: LogEntry): string => `${e.at}|${e.key}|${JSON.stringify(e.args)}|${e.alert?.id ?? ''}`
  return [...replayed, ...own].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .filter(e => { const k = key(e); if (seen.has(k)) return false; seen.add(k); return true }).slice(0, LOG_LIMIT)
}

/** Applies one message from `/ws`. Unknown message types are ignored (a newer agent may send more). */
export function reduce (state: ViewState, msg: LiveMessage): ViewState {
  switch (msg.type) {
    case 'snapshot': {
      const { type: _t, history, history24h, apis, events, ...status } = msg
      return {
        ...state,
        status,
        hosts: new Map(status.hosts.map(h => [h.hostname, h])),
        apis,
        plan: status.plan,
        alerts: new Map(status.alerts.map(a => [a.id, a])),
        history,
        history24h: history24h ?? {},
        log: mergeLogs((events ?? []).map(logEntryOf), state.log),
        leader: status.leader,
        term: status.term
      }
    }
    case 'host:joined':
    case 'host:updated': {
      const hosts = new Map(state.hosts)
      hosts.set(msg.host.hostname, msg.host)
      const next = { ...state, hosts, apis: { ...state.apis, [msg.host.hostname]: msg.api }, history: appendSamples(state.history, msg.host, Date.parse(msg.at)) }
      return msg.type === 'host:joined' ? { ...next, log: appendLog(state.log, logOf(msg)) } : next
    }
    case 'host:left': {
      const current = state.hosts.get(msg.hostname)
      const hosts = new Map(state.hosts)
      if (current !== undefined) hosts.set(msg.hostname, { ...current, online: false, ...(msg.lastSeen === null ? {} : { lastSeen: msg.lastSeen }) })
      return { ...state, hosts, log: appendLog(state.log, logOf(msg)) }
    }
    case 'host:forgotten': {
      const hosts = new Map(state.hosts)
      hosts.delete(msg.hostname)
      const { [msg.hostname]: _gone, ...apis } = state.apis
      const history = Object.fromEntries(Object.entries(state.history).filter(([key]) => !key.startsWith(`${msg.hostname}/`)))
      return { ...state, hosts, apis, history, log: appendLog(state.log, { at: msg.at, key: 'hostForgotten', args: { host: msg.hostname } }) }
    }
    case 'leader:changed':
      return { ...state, leader: msg.leader, term: msg.term, apis: msg.leader === null || msg.leaderApi === null ? state.apis : { ...state.apis, [msg.leader]: msg.leaderApi }, log: appendLog(state.log, logOf(msg)) }
    case 'plan:changed':
      return { ...state, plan: msg.plan, log: appendLog(state.log, logOf(msg)) }
    case 'alert:raised': {
      const alerts = new Map(state.alerts)
      alerts.set(msg.alert.id, msg.alert)
      return { ...state, alerts, log: appendLog(state.log, logOf(msg)) }
    }
    case 'alert:updated': {
      if (!state.alerts.has(msg.alert.id)) return state
      const alerts = new Map(state.alerts)
      alerts.set(msg.alert.id, msg.alert)
      return { ...state, alerts }
    }
    case 'alert:cleared': {
      const alerts = new Map(state.alerts)
      alerts.delete(msg.alert.id)
      return { ...state, alerts, log: appendLog(state.log, logOf(msg)) }
    }
    default:
      return state
  }
}

/** Adds a line about the connection itself (lost, back) to the log. */
export function logConnection (state: ViewState, at: string, key: 'connectionLost' | 'connectionBack'): ViewState {
  return { ...state, log: appendLog(state.log, { at, key, args: {} }) }
}

/**
 * The parts of a GPU's VRAM bar, in bytes: used by gpufleet's models, used by other programs,
 * planned for this GPU but not loaded yet, the reserve, and free. They add up to the total.
 */
export interface VramParts { total: number, ours: number, others: number, planned: number, reserve: number, free: number }

export function vramParts (gpu: HostReport['gpus'][number], reserveBytes: number, plannedBytes = 0): VramParts | null {
  const total = gpu.vramBytes
  if (total === null || total <= 0) return null
  const used = Math.min(total, gpu.vramUsedBytes ?? 0)
  const ours = Math.min(used, gpu.vramUsedByFleetBytes ?? 0)
  const others = used - ours
  const planned = Math.min(Math.max(0, plannedBytes - ours), total - used)
  const reserve = Math.min(reserveBytes, total - used - planned)
  return { total, ours, others, planned, reserve, free: Math.max(0, total - used - planned - reserve) }
}

/** VRAM the plan in force gives this GPU (a split model counts its share). */
export function plannedBytes (plan: Plan | null, host: string, gpu: number): number {
  let sum = 0
  for (const a of plan?.assignments ?? []) {
    if (a.host !== host) continue
    const k = a.gpus.indexOf(gpu)
    if (k >= 0) sum += a.vramBytesPerGpu?.[k] ?? a.vramBytes
  }
  return sum
}
