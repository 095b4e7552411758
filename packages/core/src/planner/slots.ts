import type { HostReport } from '../schemas/host-report.js'
import { formatBytes } from '../units/size.js'
import { exclusionReason } from './exclusion.js'
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
    const ruleReason = exclusionReason(rules, host.hostname, gpu)
    if (ruleReason !== undefined) return { ...base, capacityBytes: 0, eligible: false, excludedReason: ruleReason }
    // A real host whose Ollama does not answer cannot serve a model locally (simulated hosts stand in for one).
    if (!host.simulated && !host.ollama.reachable) {
      return { ...base, capacityBytes: 0, eligible: false, excludedReason: `Ollama is not reachable on this host${host.ollama.host === undefined ? '' : ` at ${host.ollama.host}`} (install or start it; the agent re-checks every minute)` }
    }
    if (gpu.vramBytes === null) {
      const reason = gpu.vramCapped === true
        ? `VRAM unknown: Windows WMI reports ${formatBytes(gpu.vramBytes ?? 4 * 1024 ** 3)} (a 32-bit cap) and no registry or nvidia-smi figure was found`
        : 'VRAM size unknown'
      return { ...base, capacityBytes: 0, eligible: false, excludedReason: reason }
    }
    if (gpu.vramCapped === true) {
      return { ...base, capacityBytes: 0, eligible: false, excludedReason: `VRAM unknown: ${formatBytes(gpu.vramBytes)} is the 32-bit cap of Windows WMI, not the card's size` }
    }
    return { ...base, capacityBytes: Math.max(0, gpu.vramBytes - usedByOthersBytes - reserveBytes), eligible: true }
  })
}
