/** Runs fn and returns its value with how long it took (ms), for the probe's timings. */
export async function timed<T> (fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now()
  const value = await fn()
  return [value, performance.now() - start]
}
