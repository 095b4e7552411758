import type { GpuVendor } from '../schemas/host-report.js'
import type { GpuSegment } from './types.js'

/**
 * Fraction of peak memory bandwidth that llama.cpp-style decoding reaches, by vendor and
 * segment (DOMAIN.md: 0.6–0.8 on consumer NVIDIA, ~0.45 on Apple, ~0.35 on datacenter cards
 * with small models), plus a fixed ~1 ms per token (see estimate.ts). AMD reflects seed 000's "30–40 % slower than an RTX 3060" on ROCm/Vulkan.
 * Data, not code: the estimator reads it and users can override it in the config.
 */
export const DECODE_EFFICIENCY: Record<GpuVendor, Partial<Record<GpuSegment, number>> & { default: number }> = {
  nvidia: { default: 0.75, consumer: 0.75, laptop: 0.7, workstation: 0.7, datacenter: 0.35 },
  amd: { default: 0.45, consumer: 0.45, workstation: 0.45, datacenter: 0.3 },
  intel: { default: 0.35 },
  apple: { default: 0.45 },
  other: { default: 0.3 }
}

export function decodeEfficiency (vendor: GpuVendor, segment?: GpuSegment): number {
  const row = DECODE_EFFICIENCY[vendor]
  return (segment === undefined ? undefined : row[segment]) ?? row.default
}
