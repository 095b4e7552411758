// Preloaded into a soak agent (node --expose-gc --import): on SIGUSR2 it collects garbage twice
// (the second pass frees what finalizers of the first released) and appends the live heap to the
// file GPUFLEET_SOAK_FILE names. The agent's own code is unchanged; only its heap is read.
import { appendFileSync } from 'node:fs'

const file = process.env.GPUFLEET_SOAK_FILE
if (file !== undefined && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc()
    globalThis.gc()
    const m = process.memoryUsage()
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), heapUsed: m.heapUsed, external: m.external, rss: m.rss })}\n`)
  })
}
