// `pnpm bench`: runs every benchmark and rewrites docs/benchmarks.md with the machine and date.
// `pnpm bench probe` runs only the named ones. Exits 1 when a benchmark misses its goal.
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { benchCluster } from './bench/cluster.mjs'
import { benchEstimator } from './bench/estimator.mjs'
import { benchPlanner } from './bench/planner.mjs'
import { benchProbe } from './bench/probe.mjs'

const all = { probe: benchProbe, planner: benchPlanner, estimator: benchEstimator, cluster: () => benchCluster(process.env.GPUFLEET_BENCH_SIZES?.split(',').map(Number) ?? [5, 20]) }
const wanted = process.argv.slice(2)
for (const name of wanted) if (!(name in all)) { console.error(`bench: unknown benchmark "${name}" (have: ${Object.keys(all).join(', ')})`); process.exit(2) }

const results = []
for (const [name, run] of Object.entries(all)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue
  const result = await run()
  console.log(`${result.ok ? 'ok  ' : 'MISS'} ${name}: ${result.summary}`)
  results.push(result)
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${process.platform}/${process.arch}, Node ${process.version}`
const doc = [
  '# Benchmarks',
  '',
  'Written by `pnpm bench` (do not edit by hand; rerun it).',
  '',
  `- Machine: ${machine}`,
  `- Date: ${new Date().toISOString().slice(0, 10)}`,
  '',
  ...results.map(r => `${r.markdown}\n`)
].join('\n')
if (wanted.length === 0) writeFileSync(join(import.meta.dirname, '../docs/benchmarks.md'), doc)
else console.log(`\n(only ${wanted.join(', ')} ran: docs/benchmarks.md left as it was)`)
process.exitCode = results.every(r => r.ok) ? 0 : 1
