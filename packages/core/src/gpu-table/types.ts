import type { GpuVendor } from '../schemas/host-report.js'

/** Market segment: decides which decode efficiency applies (see efficiency.ts). */
export type GpuSegment = 'consumer' | 'laptop' | 'workstation' | 'datacenter' | 'apple'

export interface GpuSpec {
  /** Canonical name without vendor prefixes, e.g. "RTX 3080 Ti Laptop". */
  name: string
  vendor: GpuVendor
  segment: GpuSegment
  /** Dedicated VRAM in GiB as sold; null for unified-memory chips (Apple). */
  vramGiB: number | null
  /** Memory bandwidth in GB/s (decimal), the figure decode speed is bound by. */
  bandwidthGBs: number
  /** CUDA compute capability (NVIDIA only), e.g. "8.6"; null elsewhere. */
  computeCapability: string | null
}
