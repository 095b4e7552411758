import { recentEventOf, type GpuHistory, type GpuSample, type HostReport, type LiveEvent, type RecentEvent } from '@gpufleet/core'

export interface ReadingsHistoryInit {
  /** Spacing of the last hour's samples (default 15 s) and how many are kept (default 240: 1 h). */
  fineMs?: number
  fineCount?: number
  /** Width of the 24 h tier's buckets, each the mean of its readings (default 5 min), and their count (default 288: 24 h). */
  coarseMs?: number
  coarseCount?: number
}

interface Bucket { start: number, n: number, util: [number, number], temp: [number, number], power: [number, number], vramUsed: [number, number] }
interface Series { fine: GpuSample[], coarse: GpuSample[], bucket: Bucket | null }

const READINGS = ['util', 'temp', 'power', 'vramUsed'] as const

function reading (gpu: HostReport['gpus'][number]): Omit<GpuSample, 't'> {
  return { util: gpu.utilizationPct ?? null, temp: gpu.temperatureC ?? null, power: gpu.powerW ?? null, vramUsed: gpu.vramUsedBytes ?? null }
}

/**
 * Every GPU's readings in two fixed-size rings: the last hour at full-ish resolution and the last
 * 24 hours downsampled to bucket means, so a page opened now draws both charts at once. Memory is
 * bounded: (fineCount + coarseCount) samples per GPU, and a GPU silent for 24 h is dropped.
 */
export class ReadingsHistory {
  private readonly series = new Map<string, Series>()
  private readonly fineMs: number
  private readonly fineCount: number
  private readonly coarseMs: number
  private readonly coarseCount: number
  private lastPrune = 0

  constructor (init: ReadingsHistoryInit = {}) {
    this.fineMs = init.fineMs ?? 15_000
    this.fineCount = init.fineCount ?? 240
    this.coarseMs = init.coarseMs ?? 300_000
    this.coarseCount = init.coarseCount ?? 288
  }

  record (report: HostReport, now: number): void {
    for (const gpu of report.gpus) {
      const key = `${report.hostname}/${gpu.index}`
      let s = this.series.get(key)
      if (s === undefined) { s = { fine: [], coarse: [], bucket: null }; this.series.set(key, s) }
      const value = reading(gpu)
      const last = s.fine[s.fine.length - 1]
      if (last === undefined || now - last.t >= this.fineMs) push(s.fine, { t: now, ...value }, this.fineCount)
      this.accumulate(s, now, value)
    }
    if (now - this.lastPrune >= this.coarseMs) this.prune(now)
  }

  /** The last hour, per GPU, oldest first. */
  snapshot (): GpuHistory {
    return Object.fromEntries([...this.series].map(([k, s]) => [k, [...s.fine]]))
  }

  /** The last 24 hours as bucket means (the open bucket included), per GPU, oldest first. */
  snapshot24h (): GpuHistory {
    return Object.fromEntries([...this.series].map(([k, s]) => [k, s.bucket === null ? [...s.coarse] : [...s.coarse, mean(s.bucket)]]))
  }

  /** Samples held in all, for the bound stated in docs/monitoring.md. */
  get size (): number {
    let n = 0
    for (const s of this.series.values()) n += s.fine.length + s.coarse.length + (s.bucket === null ? 0 : 1)
    return n
  }

  private accumulate (s: Series, now: number, value: Omit<GpuSample, 't'>): void {
    const start = Math.floor(now / this.coarseMs) * this.coarseMs
    if (s.bucket !== null && s.bucket.start !== start) {
      push(s.coarse, mean(s.bucket), this.coarseCount)
      s.bucket = null
    }
    s.bucket ??= { start, n: 0, util: [0, 0], temp: [0, 0], power: [0, 0], vramUsed: [0, 0] }
    s.bucket.n++
    for (const k of READINGS) {
      const v = value[k]
      if (v !== null) { s.bucket[k][0] += v; s.bucket[k][1]++ }
    }
  }

  private prune (now: number): void {
    this.lastPrune = now
    const horizon = this.coarseMs * this.coarseCount
    for (const [key, s] of this.series) {
      const newest = s.fine[s.fine.length - 1]?.t ?? 0
      if (now - newest > horizon) this.series.delete(key)
    }
  }

  /** A forgotten host's readings go with it. */
  forget (hostname: string): void {
    for (const key of this.series.keys()) if (key.startsWith(`${hostname}/`)) this.series.delete(key)
  }
}

function push (ring: GpuSample[], sample: GpuSample, capacity: number): void {
  ring.push(sample)
  if (ring.length > capacity) ring.splice(0, ring.length - capacity)
}

function mean (b: Bucket): GpuSample {
  const avg = ([sum, n]: [number, number]): number | null => (n === 0 ? null : Math.round(sum / n * 10) / 10)
  return { t: b.start, util: avg(b.util), temp: avg(b.temp), power: avg(b.power), vramUsed: b.vramUsed[1] === 0 ? null : Math.round(b.vramUsed[0] / b.vramUsed[1]) }
}

/** The node's last notable events, cut to what a log line shows, replayed to a page that connects. */
export class RecentEvents {
  private readonly events: RecentEvent[] = []
  constructor (private readonly capacity = 50) {}

  add (event: LiveEvent): void {
    const recent = recentEventOf(event)
    if (recent === null) return
    this.events.unshift(recent)
    if (this.events.length > this.capacity) this.events.length = this.capacity
  }

  /** Newest first. */
  list (): RecentEvent[] { return [...this.events] }
}
