// `pnpm bench`: runs every benchmark and rewrites docs/benchmarks.md with the machine and date.
// `pnpm bench probe` runs only the named ones and replaces their sections. Exits 1 when a benchmark misses its goal.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { benchCluster, parseSizes } from './bench/cluster.mjs'
import { benchEstimator } from './bench/estimator.mjs'
import { benchGateway } from './bench/gateway.mjs'
import { benchFuzz } from './bench/fuzz.mjs'
import { benchSimulation } from './bench/sim.mjs'
import { benchPlanner } from './bench/planner.mjs'
import { benchProbe } from './bench/probe.mjs'
import { benchSoak } from './bench/soak.mjs'
import { benchUsage } from './bench/usage.mjs'

const all = { probe: benchProbe, planner: benchPlanner, estimator: benchEstimator, gateway: benchGateway, usage: benchUsage, fuzz: benchFuzz, simulation: benchSimulation, cluster: () => benchCluster(parseSizes(process.env.GPUFLEET_BENCH_SIZES ?? '5,20,50')), soak: benchSoak }
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
const docPath = join(import.meta.dirname, '../docs/benchmarks.md')
if (wanted.length === 0 || !existsSync(docPath)) {
  writeFileSync(docPath, doc)
} else {
  // A partial run replaces its own sections (and says when); the others keep their figures and date.
  let text = readFileSync(docPath, 'utf8')
  for (const r of results) {
    const heading = r.markdown.split('\n')[0]
    const section = `${r.markdown}\n\n_(re-measured ${new Date().toISOString().slice(0, 10)} on the machine above)_\n\n`
    const start = text.indexOf(`${heading}\n`)
    if (start < 0) { text += `\n${section}`; continue }
    const next = text.indexOf('\n## ', start + heading.length)
    text = text.slice(0, start) + section + (next < 0 ? '' : text.slice(next + 1))
  }
  writeFileSync(docPath, text)
  console.log(`\n(${wanted.join(', ')} re-measured: their sections of docs/benchmarks.md replaced)`)
}
process.exitCode = results.every(r => r.ok) ? 0 : 1
