// The fuzzers of test/fuzz at full count (CI runs them at 1,000 per kind): gossip decoder and
// validator, config loader, HTTP API of a real agent. Records how many inputs each saw and how
// they were answered; any crash or unexplained answer fails the run.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '../..')
const RUNS = Number(process.env.GPUFLEET_FUZZ_RUNS ?? 10_000)

export async function benchFuzz () {
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-fuzz-'))
  const report = join(dir, 'tally.jsonl')
  const started = performance.now()
  try {
    const code = await new Promise(resolve => {
      const p = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/fuzz', '--reporter=dot'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GPUFLEET_FUZZ_RUNS: String(RUNS), GPUFLEET_FUZZ_REPORT: report } })
      p.on('close', resolve)
    })
    const seconds = (performance.now() - started) / 1000
    const tally = {}
    for (const line of readFileSync(report, 'utf8').split('\n').filter(Boolean)) for (const [k, v] of Object.entries(JSON.parse(line))) tally[k] = (tally[k] ?? 0) + v
    const group = prefix => Object.entries(tally).filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b))
    const total = prefix => group(prefix).reduce((s, [, v]) => s + v, 0)
    const rows = ['gossip', 'config', 'api'].map(kind => `| ${kind} | ${total(kind).toLocaleString('en-US')} | ${group(kind).map(([k, v]) => `${k.slice(kind.length + 1)} ${v.toLocaleString('en-US')}`).join(' · ')} |`)
    const ok = code === 0
    return {
      ok,
      summary: `fuzzers ${ok ? 'passed' : 'FAILED'}: ${total('gossip') + total('config') + total('api')} inputs in ${seconds.toFixed(0)} s`,
      markdown: [
        '## Fuzzing',
        '',
        `fast-check, ${RUNS.toLocaleString('en-US')} generated inputs per property (test/fuzz; CI runs 1,000): arbitrary bytes, arbitrary JSON, mutated valid signed reports, forged and replayed messages, oversized payloads; arbitrary YAML and the shipped configs with one value replaced anywhere; raw HTTP requests (any method, path, query, headers, body) to a real agent. ${ok ? 'Zero crashes; every input rejected with a reason or accepted as well-formed; stored state unchanged.' : '**Failures: see the run output.**'} ${seconds.toFixed(0)} s.`,
        '',
        '| target | inputs | outcomes |',
        '|---|---|---|',
        ...rows,
        '',
        'Found and fixed by these fuzzers: a request target of `/////` was parsed as a scheme-relative URL and the exception killed the agent (remote crash with one request); a YAML alias to an undefined anchor (`*x`) escaped the config loader as a ReferenceError instead of a one-line error.'
      ].join('\n')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
