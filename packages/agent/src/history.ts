import type { GpuHistory, GpuSample, HostReport } from '@gpufleet/core'

/**
 * The last minutes of every GPU's readings, in fixed-size rings: a page opened now draws its
 * sparklines at once, and memory stays bounded whatever the fleet's uptime.
 */
export class ReadingsHistory {
  private readonly rings = new Map<string, GpuSample[]>()

  /**
   * @param capacity samples kept per GPU
   * @param minGapMs readings closer than this to the last kept one are skipped (heartbeats may be fast)
   */
  constructor (private readonly capacity = 180, private readonly minGapMs = 2000) {}

  record (report: HostReport, now: number): void {
    for (const gpu of report.gpus) {
      const key = `${report.hostname}/${gpu.index}`
      let ring = this.rings.get(key)
      if (ring === undefined) { ring = []; this.rings.set(key, ring) }
      const last = ring[ring.length - 1]
      if (last !== undefined && now - last.t < this.minGapMs) continue
      ring.push({ t: now, util: gpu.utilizationPct ?? null, temp: gpu.temperatureC ?? null, power: gpu.powerW ?? null, vramUsed: gpu.vramUsedBytes ?? null })
      if (ring.length > this.capacity) ring.splice(0, ring.length - this.capacity)
    }
  }

  /** A forgotten host's readings go with it. */
  forget (hostname: string): void {
    for (const key of this.rings.keys()) if (key.startsWith(`${hostname}/`)) this.rings.delete(key)
  }

  snapshot (): GpuHistory {
    return Object.fromEntries([...this.rings].map(([k, v]) => [k, [...v]]))
  }
}
