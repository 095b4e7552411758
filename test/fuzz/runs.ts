import { appendFileSync } from 'node:fs'

/**
 * How many generated inputs each fuzzer feeds: 1,000 in `pnpm test` (CI), 10,000 or more in
 * `pnpm bench` (GPUFLEET_FUZZ_RUNS), which also records the counts in docs/benchmarks.md.
 */
export const FUZZ_RUNS = Number(process.env.GPUFLEET_FUZZ_RUNS ?? 1000)

/** Every outcome a fuzzer saw, written for the benchmark report when GPUFLEET_FUZZ_REPORT names a file. */
export const tally = new Map<string, number>()
export function count (what: string): void { tally.set(what, (tally.get(what) ?? 0) + 1) }

/** Appends this file's tally as one JSON line (each test file runs in its own worker). */
export function writeTally (): void {
  const file = process.env.GPUFLEET_FUZZ_REPORT
  if (file !== undefined && tally.size > 0) appendFileSync(file, `${JSON.stringify(Object.fromEntries(tally))}\n`)
}

/** A test timeout that grows with the run count (the config loader takes a few ms per input). */
export const FUZZ_TIMEOUT_MS = Math.max(20_000, FUZZ_RUNS * 15)
