import type { HostReport } from '../schemas/host-report.js'
import type { Plan } from '../schemas/plan.js'
import type { Reason } from '../schemas/reason.js'
import { quotaConditions } from './quota-rule.js'
import type { AlertRule, AlertSeverity } from './schema.js'

export interface AlertThresholds {
  /** Absolute VRAM-used threshold in bytes (the ADR's 22 GB of a 24 GB card); null: percentage only. */
  vramUsed: number | null
  vramUsedPct: number
  temperatureC: number
  idleUtilizationPct: number
  /** How long a GPU with assigned models must stay under idleUtilizationPct before it alerts. */
  idleFor: number
  /** Inference latency: p95 time to first byte of a host's local requests. */
  latencyMs: number
}

/**
 * Hysteresis: a firing numeric rule clears only once its reading is this far back on the good
 * side, so a reading that wobbles around the threshold raises once, not on every heartbeat.
 */
export const HYSTERESIS = { temperatureC: 3, vramPctOfTotal: 2, utilizationPct: 5, latencyPct: 20 } as const
/** Fewer local requests than this in the window say nothing about latency. */
export const LATENCY_MIN_REQUESTS = 5

/**
 * Where a rule stands for one subject now. `firing`: past the threshold; `clear`: back past the
 * hysteresis band; `holding`: inside the band — an active alert stays, a new one is not raised.
 */
export type ConditionLevel = 'firing' | 'holding' | 'clear'

export interface Condition {
  id: string
  rule: AlertRule
  severity: AlertSeverity
  level: ConditionLevel
  /** How long the condition must fire before the alert is raised. */
  forMs: number
  host: string | null
  gpu: number | null
  model: string | null
  value: number | null
  threshold: number | null
  message: string
  /** The planner's reason behind gpu-excluded and model-unplaced, as data. */
  detail?: Reason
}

export interface AlertInput {
  hosts: readonly HostReport[]
  plan: Plan | null
  thresholds: AlertThresholds
}

const GB = 1e9

function band (value: number, fireAbove: number, clearBelow: number): ConditionLevel {
  return value > fireAbove ? 'firing' : value < clearBelow ? 'clear' : 'holding'
}

/** The VRAM threshold for one card: the absolute figure, or the percentage of the card, whichever is lower. */
export function vramThreshold (totalBytes: number, t: AlertThresholds): number {
  const pct = totalBytes * t.vramUsedPct / 100
  return t.vramUsed === null ? pct : Math.min(t.vramUsed, pct)
}

/**
 * Every rule evaluated on the inventory and the plan in force: pure, so the leader's alerting is a
 * function of what every node replicates. Offline hosts only raise host-offline (their last
 * readings are stale). Subjects that no longer exist produce no condition, which clears them.
 */
export function evaluateConditions ({ hosts, plan, thresholds: t }: AlertInput): Condition[] {
  const out: Condition[] = []
  const assigned = new Set<string>()
  for (const a of plan?.assignments ?? []) for (const g of a.gpus) assigned.add(`${a.host}:${g}`)
  for (const host of hosts) {
    const h = host.hostname
    if (host.online === false) {
      out.push({ id: `host-offline:${h}`, rule: 'host-offline', severity: 'critical', level: 'firing', forMs: 0, host: h, gpu: null, model: null, value: null, threshold: null, message: `${h} is offline (last seen ${host.lastSeen ?? 'never'})` })
      continue
    }
    if (host.dataDir !== undefined) {
      out.push({ id: `disk-unwritable:${h}`, rule: 'disk-unwritable', severity: 'warning', level: 'firing', forMs: 0, host: h, gpu: null, model: null, value: null, threshold: null, message: `${h} cannot write its data directory (${host.dataDir.error}): running from memory` })
    }
    if (host.probeFailure !== undefined) {
      out.push({ id: `probe-failed:${h}`, rule: 'probe-failed', severity: 'warning', level: 'firing', forMs: 0, host: h, gpu: null, model: null, value: null, threshold: null, message: `${h} cannot probe its hardware since ${host.probeFailure.since} (${host.probeFailure.error}): its readings are the last good ones` })
    }
    out.push(...quotaConditions(host))
    const p95 = host.gateway?.firstByteP95Ms
    if (p95 !== null && p95 !== undefined && (host.gateway?.localRequests ?? 0) >= LATENCY_MIN_REQUESTS) {
      const level = band(p95, t.latencyMs, t.latencyMs * (1 - HYSTERESIS.latencyPct / 100))
      out.push({ id: `latency-high:${h}`, rule: 'latency-high', severity: 'warning', level, forMs: 0, host: h, gpu: null, model: null, value: Math.round(p95), threshold: t.latencyMs, message: `${h}: local inference answers in ${Math.round(p95)} ms at p95 (first byte), above ${t.latencyMs} ms` })
    }
    for (const gpu of host.gpus) {
      const subject = `${h}:${gpu.index}`
      const name = `${h} GPU ${gpu.index} (${gpu.model})`
      const used = gpu.vramUsedBytes
      if (used !== null && used !== undefined && gpu.vramBytes !== null && gpu.vramBytes > 0) {
        const limit = vramThreshold(gpu.vramBytes, t)
        const level = band(used, limit, limit - gpu.vramBytes * HYSTERESIS.vramPctOfTotal / 100)
        out.push({ id: `vram-high:${subject}`, rule: 'vram-high', severity: 'warning', level, forMs: 0, host: h, gpu: gpu.index, model: null, value: used, threshold: limit, message: `${name}: VRAM used ${(used / GB).toFixed(1)} GB above ${(limit / GB).toFixed(1)} GB` })
      }
      const temp = gpu.temperatureC
      if (temp !== null && temp !== undefined) {
        const level = band(temp, t.temperatureC, t.temperatureC - HYSTERESIS.temperatureC)
        out.push({ id: `temperature-high:${subject}`, rule: 'temperature-high', severity: 'critical', level, forMs: 0, host: h, gpu: gpu.index, model: null, value: temp, threshold: t.temperatureC, message: `${name}: ${temp} °C above ${t.temperatureC} °C` })
      }
      const util = gpu.utilizationPct
      if (util !== null && util !== undefined && assigned.has(subject)) {
        // Inverted band: firing below the threshold, clear well above it.
        const level: ConditionLevel = util < t.idleUtilizationPct ? 'firing' : util >= t.idleUtilizationPct + HYSTERESIS.utilizationPct ? 'clear' : 'holding'
        out.push({ id: `gpu-idle:${subject}`, rule: 'gpu-idle', severity: 'info', level, forMs: t.idleFor, host: h, gpu: gpu.index, model: null, value: util, threshold: t.idleUtilizationPct, message: `${name}: ${util} % utilization with models assigned (under ${t.idleUtilizationPct} %)` })
      }
    }
  }
  for (const e of plan?.excluded ?? []) {
    out.push({ id: `gpu-excluded:${e.host}:${e.gpu}`, rule: 'gpu-excluded', severity: 'info', level: 'firing', forMs: 0, host: e.host, gpu: e.gpu, model: null, value: null, threshold: null, message: `${e.host} GPU ${e.gpu} excluded: ${e.reason}`, ...(e.detail === undefined ? {} : { detail: e.detail }) })
  }
  for (const u of plan?.unplaced ?? []) {
    // "Another model won the VRAM" is the planner doing its job, not a condition to act on.
    if (u.code === 'not-chosen') continue
    // Too large for every GPU is worth acting on; no eligible GPU at all is a fact of the fleet.
    out.push({ id: `model-unplaced:${u.model}`, rule: 'model-unplaced', severity: u.code === 'too-large' ? 'warning' : 'info', level: 'firing', forMs: 0, host: null, gpu: null, model: u.model, value: null, threshold: null, message: `${u.model} is not placed: ${u.reason}`, ...(u.detail === undefined ? {} : { detail: u.detail }) })
  }
  return out
}
