import type { HostReport } from '../schemas/host-report.js'
import { isHostOnline, type HostEntry, type InventoryState } from './inventory.js'
import type { BeatMessage, GpuReading } from './messages.js'

/**
 * Delta gossip, the pure half. A host publishes its full signed report only when something in it
 * changes (reportFingerprint) or at a slow refresh; between those it sends beats: liveness, the
 * sequence of its last full report, and its GPUs' live readings when they changed. A receiver
 * merges a beat into the entry it holds for that report, or learns that it missed the report.
 */
export type BeatOutcome =
  | { accepted: true, state: InventoryState, entry: HostEntry, readings: boolean, revived: boolean }
  /**
   * unknown: no entry for this host from this peer; behind: the entry is older than the report
   * the beat extends — both mean a full report was missed, and the author's state should be pulled.
   * stale: an older beat or report, reordered.
   */
  | { accepted: false, reason: 'unknown' | 'behind' | 'stale' }

/** VRAM used is compared in these steps: the planner's own (planningFingerprint). */
const VRAM_STEP = 256 * 1024 * 1024

/**
 * What decides whether a host's report must go out in full: everything but the collection time
 * and the live readings, with VRAM used only by 256 MiB steps (what planning reads). Utilization,
 * temperature, power and clocks travel in beats; the leader's alert rules read them there.
 */
export function reportFingerprint (report: HostReport): string {
  const { collectedAt: _at, gpus, ...rest } = report
  return JSON.stringify([rest, gpus.map(g => {
    const { utilizationPct: _u, temperatureC: _t, powerW: _p, smClockMhz: _s, memClockMhz: _m, vramUsedBytes, ...fixed } = g
    return [fixed, vramUsedBytes == null ? null : Math.round(vramUsedBytes / VRAM_STEP)]
  })])
}

/** A report's live readings, compact, as a beat carries them. */
export function readingsOf (report: HostReport): GpuReading[] {
  return report.gpus.map(g => [g.index, g.utilizationPct ?? null, g.temperatureC ?? null, g.powerW ?? null, g.vramUsedBytes ?? null, g.smClockMhz ?? null, g.memClockMhz ?? null])
}

/** The report with these readings in place of its GPUs' last ones (GPUs matched by index). */
export function withReadings (report: HostReport, readings: readonly GpuReading[]): HostReport {
  const byIndex = new Map(readings.map(r => [r[0], r]))
  return {
    ...report,
    gpus: report.gpus.map(g => {
      const r = byIndex.get(g.index)
      return r === undefined ? g : { ...g, utilizationPct: r[1], temperatureC: r[2], powerW: r[3], vramUsedBytes: r[4], smClockMhz: r[5], memClockMhz: r[6] }
    })
  }
}

/**
 * Applies a beat: the host is heard from now (lastSeen), and its readings, when the beat has
 * them, replace the report's. Only the peer that wrote the entry may beat for it, and only for
 * the report the entry holds.
 */
export function applyBeat (state: InventoryState, beat: BeatMessage, now: number, offlineAfterMs: number): BeatOutcome {
  const known = state.get(beat.hostname)
  if (known === undefined || known.peerId !== beat.peerId) return { accepted: false, reason: 'unknown' }
  if (beat.of > known.seq) return { accepted: false, reason: 'behind' }
  if (beat.of < known.seq || beat.seq <= (known.beatSeq ?? known.seq)) return { accepted: false, reason: 'stale' }
  const revived = !isHostOnline(known, now, offlineAfterMs)
  // Readings carry their collection time: the beat's.
  const report = beat.readings === undefined ? known.report : { ...withReadings(known.report, beat.readings), collectedAt: beat.sentAt }
  const { restored: _restored, ...rest } = known
  const entry: HostEntry = { ...rest, report, lastSeen: now, beatSeq: beat.seq }
  const next = new Map(state)
  next.set(beat.hostname, entry)
  return { accepted: true, state: next, entry, readings: beat.readings !== undefined, revived }
}
