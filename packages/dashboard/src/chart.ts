import type { GpuSample } from '@gpufleet/core'

export interface ChartOptions {
  /** Accessible name and the title drawn above the plot ("utilization"). */
  label: string
  /** Formats a value with its unit for the axis ticks ("29,9 W", "1,5 Gio"). */
  format: (v: number) => string
  /** Formats a time (ms) for the x axis. */
  time: (t: number) => string
  /** Fixed vertical range when the reading has one (0–100 %); else from 0 to the highest reading. */
  max?: number
  /** The window shown, ending at the newest sample. */
  spanMs: number
  /** Caption when there is nothing to draw, saying why. */
  empty: string
}

const W = 300
const H = 96
const PAD = { left: 58, right: 6, top: 14, bottom: 18 }

/**
 * A small line chart as SVG, with labelled axes: value ticks at 0, half and the top of the scale,
 * the window's start and end times, and the latest reading. SVG text stays searchable and testable,
 * and the viewBox scales to the card's width (no horizontal scroll on a phone).
 */
export function chart (samples: readonly GpuSample[], read: (s: GpuSample) => number | null, o: ChartOptions): string {
  const points = samples.map(s => [s.t, read(s)] as const).filter((p): p is readonly [number, number] => p[1] !== null)
  const title = `<text class="axis-title" x="${PAD.left}" y="10">${escText(o.label)}</text>`
  if (points.length === 0) {
    return `<svg class="chart" data-testid="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escText(o.label)}">${title}<text class="axis-empty" x="${PAD.left}" y="${H / 2}">${escText(o.empty)}</text></svg>`
  }
  const t1 = points[points.length - 1]![0]
  const t0 = t1 - o.spanMs
  const shown = points.filter(p => p[0] >= t0)
  const top = o.max ?? niceCeil(Math.max(...shown.map(p => p[1])))
  const x = (t: number): number => PAD.left + (t - t0) / o.spanMs * (W - PAD.left - PAD.right)
  const y = (v: number): number => H - PAD.bottom - Math.min(top, Math.max(0, v)) / (top || 1) * (H - PAD.top - PAD.bottom)
  const line = shown.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
  const ticks = [0, top / 2, top].map(v => `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="axis-y" x="${PAD.left - 4}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end">${escText(o.format(v))}</text>`)
  const xAxis = `<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}"/><line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}"/>` +
    `<text class="axis-x" x="${PAD.left}" y="${H - 4}">${escText(o.time(t0))}</text><text class="axis-x" x="${W - PAD.right}" y="${H - 4}" text-anchor="end">${escText(o.time(t1))}</text>`
  const last = shown[shown.length - 1]!
  const latest = `<text class="axis-latest" x="${W - PAD.right}" y="10" text-anchor="end">${escText(o.format(last[1]))}</text>`
  // The newest reading as a dot: with one sample so far there is no line yet, but there is a value.
  const dot = `<circle r="2" cx="${x(last[0]).toFixed(1)}" cy="${y(last[1]).toFixed(1)}"/>`
  return `<svg class="chart" data-testid="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escText(o.label)}">${title}${latest}${ticks.join('')}${xAxis}<polyline points="${line}"/>${dot}</svg>`
}

/** 1, 2 or 5 × a power of ten at or above v, so ticks read as round numbers. */
export function niceCeil (v: number): number {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  return ([1, 2, 5, 10].find(m => m * p >= v) ?? 10) * p
}

function escText (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
