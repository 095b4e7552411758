// 500 virtual nodes in the deterministic simulator (packages/core/test/sim/scale.test.ts; CI runs it
// with 200): the real election and inventory code in virtual time.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '../..')

export async function benchSimulation () {
  const nodes = Number(process.env.GPUFLEET_SIM_NODES ?? 500)
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-sim-'))
  const report = join(dir, 'sim.json')
  try {
    const code = await new Promise(resolve => {
      spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'packages/core/test/sim/scale.test.ts', '--reporter=dot'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GPUFLEET_SIM_NODES: String(nodes), GPUFLEET_SIM_REPORT: report } }).on('close', resolve)
    })
    const r = JSON.parse(readFileSync(report, 'utf8'))
    const s = ms => `${(ms / 1000).toFixed(2)} s`
    return {
      ok: code === 0,
      summary: `${r.nodes} virtual nodes: converge ${s(r.bootMs)}, failover ${s(r.failoverMs)}, ${r.messagesPerNodePerSecond} messages/node/s`,
      markdown: [
        `## Simulation (${r.nodes} virtual nodes)`,
        '',
        'The real election and inventory code (core) on virtual nodes in virtual time: heartbeat 1 s, lease 3 s, offlineAfter 10 s, 3 coordinators, 2 % loss, 5–405 ms per delivery; every broadcast reaches every node directly (no gossip mesh), so these are the protocol\'s times, not gossipsub\'s hops. Invariants checked on every event: one leader per term, no plan from a lower term.',
        '',
        '| nodes | converged from cold start | leader crash → all follow the standby | crashed host offline everywhere | messages handled per node per second | events | wall time |',
        '|---|---|---|---|---|---|---|',
        `| ${r.nodes} | ${s(r.bootMs)} | ${s(r.failoverMs)} | ${s(r.offlineMs)} | ${r.messagesPerNodePerSecond} | ${r.events.toLocaleString('en-US')} | ${s(r.wallMs)} |`,
        '',
        'Each node handles a beat from every host every offlineAfter / 3, the leader\'s at every heartbeat, and full reports only on change (delta gossip): ~N / 3 messages a second, against ~N when every host sent its full report every heartbeat (2026-11-22: 495 a second, cold start 3.75 s, failover 3.90 s, offline everywhere 9.90 s). A report lost at a cold start (2 % loss) is now repaired when the author\'s next beat names it, up to a beat period later, instead of by the next heartbeat\'s full report: the likely reason for the slower cold start (not traced further).'
      ].join('\n')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
