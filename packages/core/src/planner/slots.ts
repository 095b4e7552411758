import type { HostReport } from '../schemas/host-report.js'
import type { Reason } from '../schemas/reason.js'
import { renderReason } from '../report/text.js'
import { exclusionRule } from './exclusion.js'
import type { ExcludeRule } from '../config/schema.js'

/** One GPU of an online host, with the VRAM the planner may fill. */
export interface GpuSlot {
  host: string
  gpu: number
  totalBytes: number | null
  usedByOthersBytes: number
  reserveBytes: number
  /** total − used by other programs − reserve, never below 0. */
  capacityBytes: number
  eligible: boolean
  /** Why the GPU may not be used (policy rule or unknown VRAM). */
  excludedReason?: string
  excludedDetail?: Reason
  bandwidthGBs: number | null
  vendor: HostReport['gpus'][number]['vendor']
  model: string
}

export function isOnline (host: HostReport): boolean {
  return host.online !== false
}

/** Turns an online host's GPUs into slots: exclusions applied, capacity computed. */
export function hostSlots (host: HostReport, rules: readonly ExcludeRule[], reserveBytes: number): GpuSlot[] {
  return [...host.gpus].sort((a, b) => a.index - b.index).map(gpu => {
    const usedByOthersBytes = Math.max(0, (gpu.vramUsedBytes ?? 0) - (gpu.vramUsedByFleetBytes ?? 0))
    const base = {
      host: host.hostname, gpu: gpu.index, totalBytes: gpu.vramBytes, usedByOthersBytes, reserveBytes,
      bandwidthGBs: gpu.memoryBandwidthGBs ?? null, vendor: gpu.vendor, model: gpu.model
    }
    const detail = exclusionOf(host, gpu, rules)
    if (detail !== undefined) return { ...base, capacityBytes: 0, eligible: false, excludedReason: renderReason(detail, 'en'), excludedDetail: detail }
    const vramBytes = gpu.vramBytes!
    return { ...base, capacityBytes: Math.max(0, vramBytes - usedByOthersBytes - reserveBytes), eligible: true }
  })
}

/** Why a GPU may not hold models, first cause first; undefined when it may. */
function exclusionOf (host: HostReport, gpu: HostReport['gpus'][number], rules: readonly ExcludeRule[]): Reason | undefined {
  const rule = exclusionRule(rules, host.hostname, gpu)
  if (rule !== undefined) return { code: 'policy-rule', params: { text: rule.reason, ...(rule.reasons === undefined ? {} : { translations: rule.reasons }) } }
  // A real host whose Ollama does not answer cannot serve a model locally (simulated hosts stand in for one).
  if (!host.simulated && !host.ollama.reachable) return { code: 'ollama-unreachable', params: { ollamaHost: host.ollama.host ?? null } }
  if (gpu.vramBytes === null) return gpu.vramCapped === true ? { code: 'vram-capped', params: { cappedBytes: 4 * 1024 ** 3 } } : { code: 'vram-unknown', params: {} }
  if (gpu.vramCapped === true) return { code: 'vram-capped', params: { cappedBytes: gpu.vramBytes } }
  return undefined
}
