import { GiB, MiB, matchGpu, type DisplayReport, type GpuReport, type GpuVendor } from '@gpufleet/core'
import type { NvidiaGpuRow } from './nvidia/parse.js'
import type { SysfsGpu } from './amd/sysfs.js'
import type { RegistryAdapter } from './windows/registry.js'

/** The part of a systeminformation graphics controller the probe reads (vram is in MB). */
export interface ControllerLike {
  vendor?: string
  model?: string
  vram?: number | null
  vramDynamic?: boolean
  busAddress?: string
  pciBus?: string
}

export interface DisplayLike {
  model?: string
  resolutionX?: number | null
  resolutionY?: number | null
  currentResX?: number | null
  currentResY?: number | null
  main?: boolean
}

export interface AssembleGpusInput {
  platform: NodeJS.Platform
  nvidia: NvidiaGpuRow[] | null
  controllers: ControllerLike[]
  amdSysfs: SysfsGpu[]
  registry: RegistryAdapter[]
  totalMemoryBytes: number
}

/** WMI AdapterRAM is a uint32: anything at 4 GiB − 1 MiB or above is the cap, not the card. */
const WMI_CAP_BYTES = 4 * GiB - MiB
/** macOS lets the GPU wire about three quarters of unified memory (recommendedMaxWorkingSetSize). */
export const UNIFIED_MEMORY_GPU_SHARE = 0.75

export function vendorOf (text: string): GpuVendor {
  const t = text.toLowerCase()
  if (t.includes('nvidia')) return 'nvidia'
  if (t.includes('advanced micro devices') || /\bamd\b|\bati\b|radeon/.test(t)) return 'amd'
  if (t.includes('intel')) return 'intel'
  if (t.includes('apple')) return 'apple'
  return 'other'
}

function sameBus (a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null || a === '' || b === '') return false
  const norm = (s: string): string => s.toLowerCase().replace(/^0000(0000)?:/, '')
  return norm(a) === norm(b)
}

function fromNvidiaSmi (row: NvidiaGpuRow): GpuReport {
  const spec = matchGpu(row.name, row.vramBytes)
  const cc = row.computeCapability ?? spec?.computeCapability ?? null
  return {
    index: row.index,
    vendor: 'nvidia',
    model: row.name,
    vramBytes: row.vramBytes,
    vramSource: 'nvidia-smi',
    vramUsedBytes: row.vramUsedBytes,
    driverVersion: row.driverVersion,
    uuid: row.uuid,
    pciBus: row.pciBus,
    computeCapability: cc,
    computeCapabilitySource: row.computeCapability !== null ? 'nvidia-smi' : cc !== null ? 'gpu-table' : null,
    utilizationPct: row.utilizationPct,
    temperatureC: row.temperatureC,
    powerW: row.powerW,
    smClockMhz: row.smClockMhz,
    memClockMhz: row.memClockMhz,
    memoryBandwidthGBs: spec?.bandwidthGBs ?? null
  }
}

function fromController (c: ControllerLike, index: number, input: AssembleGpusInput): GpuReport {
  const model = (c.model ?? '').trim() !== '' ? (c.model ?? '').trim() : 'Unknown GPU'
  const vendor = vendorOf(`${c.vendor ?? ''} ${model}`)
  const siBytes = c.vram != null && c.vram > 0 ? Math.round(c.vram * MiB) : null
  const base = { index, vendor, model, driverVersion: null, uuid: null, pciBus: c.busAddress ?? c.pciBus ?? null }
  const spec = matchGpu(model, siBytes)
  const cc = vendor === 'nvidia' ? spec?.computeCapability ?? null : null
  const extras = { computeCapability: cc, computeCapabilitySource: cc !== null ? 'gpu-table' as const : null, memoryBandwidthGBs: spec?.bandwidthGBs ?? null }

  if (vendor === 'apple') {
    return { ...base, ...extras, vramBytes: Math.round(input.totalMemoryBytes * UNIFIED_MEMORY_GPU_SHARE), vramSource: 'unified-memory', unifiedMemory: true }
  }
  const sysfs = input.amdSysfs.find(g => sameBus(g.pciBus, c.busAddress ?? c.pciBus))
  if (sysfs?.vramBytes != null) {
    return { ...base, ...extras, pciBus: sysfs.pciBus, vramBytes: sysfs.vramBytes, vramSource: 'sysfs', vramUsedBytes: sysfs.vramUsedBytes, utilizationPct: sysfs.utilizationPct, temperatureC: sysfs.temperatureC, powerW: sysfs.powerW }
  }
  if (c.vramDynamic === true) {
    return { ...base, ...extras, vramBytes: null, vramSource: 'unknown', unifiedMemory: true }
  }
  if (input.platform === 'win32') {
    const reg = input.registry.find(a => a.qwMemorySize !== null && a.driverDesc?.trim().toLowerCase() === model.toLowerCase())
    if (reg?.qwMemorySize != null) return { ...base, ...extras, vramBytes: reg.qwMemorySize, vramSource: 'registry' }
    // Without a registry figure systeminformation fell back to WMI AdapterRAM.
    return { ...base, ...extras, vramBytes: siBytes, vramSource: siBytes === null ? 'unknown' : 'wmi', ...(siBytes !== null && siBytes >= WMI_CAP_BYTES ? { vramCapped: true } : {}) }
  }
  return { ...base, ...extras, vramBytes: siBytes, vramSource: siBytes === null ? 'unknown' : 'systeminformation' }
}

function fromSysfsOnly (g: SysfsGpu, index: number): GpuReport {
  const model = `AMD GPU ${g.deviceId ?? g.card}`
  return {
    index, vendor: 'amd', model, vramBytes: g.vramBytes, vramSource: g.vramBytes === null ? 'unknown' : 'sysfs',
    vramUsedBytes: g.vramUsedBytes, driverVersion: null, uuid: null, pciBus: g.pciBus, computeCapability: null,
    utilizationPct: g.utilizationPct, temperatureC: g.temperatureC, powerW: g.powerW
  }
}

/**
 * Merges every source into one GPU list. NVIDIA GPUs come from nvidia-smi when it ran (its
 * indices are CUDA's, which the plan refers to); other controllers follow, numbered after them.
 * AMD cards the controller list missed (Linux without lspci) come from sysfs alone.
 */
export function assembleGpus (input: AssembleGpusInput): GpuReport[] {
  const gpus: GpuReport[] = (input.nvidia ?? []).map(fromNvidiaSmi).sort((a, b) => a.index - b.index)
  let next = gpus.reduce((max, g) => Math.max(max, g.index + 1), 0)
  const haveNvidiaSmi = input.nvidia !== null
  for (const c of input.controllers) {
    if (haveNvidiaSmi && vendorOf(`${c.vendor ?? ''} ${c.model ?? ''}`) === 'nvidia') continue
    gpus.push(fromController(c, next++, input))
  }
  for (const g of input.amdSysfs) {
    if (gpus.some(r => sameBus(r.pciBus, g.pciBus))) continue
    gpus.push(fromSysfsOnly(g, next++))
  }
  return gpus
}

export function assembleDisplays (displays: DisplayLike[]): DisplayReport[] {
  return displays.map(d => ({
    model: (d.model ?? '').trim() !== '' ? (d.model ?? '').trim() : 'Unknown display',
    resolutionX: positive(d.currentResX) ?? positive(d.resolutionX),
    resolutionY: positive(d.currentResY) ?? positive(d.resolutionY),
    main: d.main === true
  }))
}

function positive (n: number | null | undefined): number | null {
  return n != null && Number.isFinite(n) && n > 0 ? Math.round(n) : null
}
