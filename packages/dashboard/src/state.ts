import type { Alert, GpuHistory, GpuSample, HostReport, LiveMessage, Plan, StatusDocument } from '@gpufleet/core'

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
  log: LogEntry[]
  leader: string | null
  term: number
}

export const LOG_LIMIT = 200
/** Samples kept per GPU in the page, and their minimum spacing: the same as the agent keeps. */
export const HISTORY_LIMIT = 180
export const HISTORY_GAP_MS = 2000

export function emptyState (): ViewState {
  return { status: null, hosts: new Map(), apis: {}, plan: null, alerts: new Map(), history: {}, log: [], leader: null, term: 0 }
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

/** Applies one message from `/ws`. Unknown message types are ignored (a newer agent may send more). */
export function reduce (state: ViewState, msg: LiveMessage): ViewState {
  switch (msg.type) {
    case 'snapshot': {
      const { type: _t, history, apis, ...status } = msg
      return {
        ...state,
        status,
        hosts: new Map(status.hosts.map(h => [h.hostname, h])),
        apis,
        plan: status.plan,
        alerts: new Map(status.alerts.map(a => [a.id, a])),
        history,
        leader: status.leader,
        term: status.term
      }
    }
    case 'host:joined':
    case 'host:updated': {
      const hosts = new Map(state.hosts)
      hosts.set(msg.host.hostname, msg.host)
      const next = { ...state, hosts, apis: { ...state.apis, [msg.host.hostname]: msg.api }, history: appendSamples(state.history, msg.host, Date.parse(msg.at)) }
      return msg.type === 'host:joined' ? { ...next, log: appendLog(state.log, { at: msg.at, key: 'hostJoined', args: { host: msg.host.hostname } }) } : next
    }
    case 'host:left': {
      const current = state.hosts.get(msg.hostname)
      const hosts = new Map(state.hosts)
      if (current !== undefined) hosts.set(msg.hostname, { ...current, online: false, ...(msg.lastSeen === null ? {} : { lastSeen: msg.lastSeen }) })
      return { ...state, hosts, log: appendLog(state.log, { at: msg.at, key: 'hostLeft', args: { host: msg.hostname }, severity: 'critical' }) }
    }
    case 'host:forgotten': {
      const hosts = new Map(state.hosts)
      hosts.delete(msg.hostname)
      const { [msg.hostname]: _gone, ...apis } = state.apis
      const history = Object.fromEntries(Object.entries(state.history).filter(([key]) => !key.startsWith(`${msg.hostname}/`)))
      return { ...state, hosts, apis, history, log: appendLog(state.log, { at: msg.at, key: 'hostForgotten', args: { host: msg.hostname } }) }
    }
    case 'leader:changed':
      return { ...state, leader: msg.leader, term: msg.term, apis: msg.leader === null || msg.leaderApi === null ? state.apis : { ...state.apis, [msg.leader]: msg.leaderApi }, log: appendLog(state.log, { at: msg.at, key: 'leaderChanged', args: { leader: msg.leader ?? '—', term: msg.term } }) }
    case 'plan:changed':
      return { ...state, plan: msg.plan, log: appendLog(state.log, { at: msg.at, key: 'planChanged', args: { term: msg.plan.term, assignments: msg.plan.assignments.length } }) }
    case 'alert:raised': {
      const alerts = new Map(state.alerts)
      alerts.set(msg.alert.id, msg.alert)
      return { ...state, alerts, log: appendLog(state.log, { at: msg.at, key: 'alertRaised', args: {}, severity: msg.alert.severity, alert: msg.alert }) }
    }
    case 'alert:cleared': {
      const alerts = new Map(state.alerts)
      alerts.delete(msg.alert.id)
      return { ...state, alerts, log: appendLog(state.log, { at: msg.at, key: 'alertCleared', args: {}, alert: msg.alert }) }
    }
    default:
      return state
  }
}

/** Adds a line about the connection itself (lost, back) to the log. */
export function logConnection (state: ViewState, at: string, key: 'connectionLost' | 'connectionBack'): ViewState {
  return { ...state, log: appendLog(state.log, { at, key, args: {} }) }
}

/** The four parts of a GPU's VRAM bar, in bytes: used by our models, used by other programs, the reserve, free. */
export interface VramParts { total: number, ours: number, others: number, reserve: number, free: number }

export function vramParts (gpu: HostReport['gpus'][number], reserveBytes: number): VramParts | null {
  const total = gpu.vramBytes
  if (total === null || total <= 0) return null
  const used = Math.min(total, gpu.vramUsedBytes ?? 0)
  const ours = Math.min(used, gpu.vramUsedByFleetBytes ?? 0)
  const others = used - ours
  const reserve = Math.min(reserveBytes, total - used)
  return { total, ours, others, reserve, free: Math.max(0, total - used - reserve) }
}
