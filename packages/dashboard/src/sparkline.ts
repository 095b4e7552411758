import type { GpuSample } from '@gpufleet/core'

/**
 * A small SVG line of one reading over the last minutes. `max` fixes the vertical scale when
 * the reading has a natural one (100 % utilization); else the line spans its own range.
 */
export function sparkline (samples: readonly GpuSample[], read: (s: GpuSample) => number | null, options: { max?: number, width?: number, height?: number, label: string }): string {
  const width = options.width ?? 120
  const height = options.height ?? 24
  const points = samples.map(s => [s.t, read(s)] as const).filter((p): p is readonly [number, number] => p[1] !== null)
  if (points.length < 2) return `<svg class="spark" width="${width}" height="${height}" role="img" aria-label="${options.label}"></svg>`
  const t0 = points[0]![0]
  const span = Math.max(1, points[points.length - 1]![0] - t0)
  const values = points.map(p => p[1])
  const lo = options.max === undefined ? Math.min(...values) : 0
  const hi = options.max ?? Math.max(...values)
  const range = Math.max(1e-9, hi - lo)
  const xy = points.map(([t, v]) => `${((t - t0) / span * (width - 2) + 1).toFixed(1)},${(height - 1 - (Math.min(hi, v) - lo) / range * (height - 2)).toFixed(1)}`)
  return `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${options.label}"><polyline points="${xy.join(' ')}" /></svg>`
}
