/** Small statistics helpers shared by the benchmarks. */
export function quantile (values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export const median = values => quantile(values, 0.5)
export const ms = n => `${n.toFixed(1)} ms`

export async function time (fn) {
  const start = performance.now()
  const value = await fn()
  return [performance.now() - start, value]
}
