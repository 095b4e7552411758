// `pnpm bench soak`: two agents at a very short heartbeat for a few minutes; every few seconds each
// one is asked (SIGUSR2, soak-probe.mjs) to collect garbage and record its live heap. The heap
// floor's growth per 10,000 heartbeats is the slope of heap against heartbeats after a warm-up.
// GPUFLEET_SOAK_MINUTES (default 8), GPUFLEET_SOAK_HEARTBEAT_MS (default 25).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { AGENT_NODE_FLAGS, GOSSIP_WINDOW_MS } from '../../packages/agent/dist/index.js'

const root = join(import.meta.dirname, '../..')
const bin = join(root, 'packages/cli/dist/bin.js')
const roosync = join(root, 'configs/roosync')
const sleep = t => new Promise(resolve => setTimeout(resolve, t))
const MiB = 1024 ** 2
/** The issue's goal: the floor grows at most this much per 10,000 heartbeats. */
const GOAL_MIB = 0.5
const SAMPLE_EVERY_MS = 5000
/** Startup, the first plan and lazily loaded modules settle in this share of the run; not counted. */
const WARMUP = 0.25
/** Beyond two gossipsub windows, so the first sample counted sees its caches at their steady size. */
const WINDOW_MARGIN_MS = 30_000

/**
 * The part of a run not counted: a quarter of it, and never less than two gossipsub message windows
 * (GOSSIP_WINDOW_MS) and a margin. gossipsub's seen-message and delivery caches are Maps holding
 * every message of the last window: their entries grow for one window (to messages per second ×
 * window, L), then stay. Their hash tables keep the deleted entries' slots until the table is full
 * (L live + deleted = capacity C), then rehash, doubling while L > C / 2: within one more window
 * the tables reach their steady capacity (the power of two at least 2 L) and never grow again.
 * Counted earlier, those two fillings (4.9 MiB per 10,000 heartbeats in the first window, 1.7 in
 * the second, heap snapshots show) read as a leak.
 */
export function soakWarmupMs (minutes) {
  return Math.max(WARMUP * minutes * 60_000, 2 * GOSSIP_WINDOW_MS + WINDOW_MARGIN_MS)
}

async function freePort () {
  return await new Promise(resolve => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => { resolve(p) }) }) })
}

function runCli (args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', d => { out += d })
    p.stderr.on('data', d => { err += d })
    p.on('close', code => (code === 0 ? resolve(out) : reject(new Error(`gpufleet ${args[0]} exited ${code}: ${err}`))))
  })
}

async function status (api) {
  try { const r = await fetch(`${api}/api/status`, { signal: AbortSignal.timeout(5000) }); return r.ok ? await r.json() : null } catch { return null }
}

const BASELINE = join(import.meta.dirname, 'soak-baseline.json')

/** A run's length and warm-up (runs recorded before the warm-up was stored took a quarter of the run). */
function runShape (r) {
  return `${r.minutes} min, the first ${((r.warmupMs ?? WARMUP * r.minutes * 60_000) / 1000).toFixed(0)} s not counted`
}

/** The docs/benchmarks.md section: the recorded baseline ("before") and this run side by side. */
export function renderSoak (before, now) {
  const row = (label, r) => `| ${label} | ${r.name} | ${Math.round(r.beats).toLocaleString('en')} | ${r.firstMiB.toFixed(1)} → ${r.lastMiB.toFixed(1)} MiB | ${r.perTenK.toFixed(2)} MiB |`
  const shown = now ?? before
  return [
    '## Soak: heap floor against heartbeats',
    '',
    `\`pnpm bench soak\`: two agents (coordinators, roosync hardware files, no Ollama) at a ${shown.heartbeatMs} ms heartbeat for ${shown.minutes} min. Every ${SAMPLE_EVERY_MS / 1000} s each agent collects garbage (node --expose-gc, preloaded scripts/bench/soak-probe.mjs, on SIGUSR2) and records its live heap; the growth is the least-squares slope of that floor against heartbeats done, after a warm-up of ${((shown.warmupMs ?? WARMUP * shown.minutes * 60_000) / 1000).toFixed(0)} s (a quarter of the run, and never less than two of gossipsub's ${GOSSIP_WINDOW_MS / 1000} s message windows plus ${WINDOW_MARGIN_MS / 1000} s: its seen-message and delivery caches hold every message of the last window, so their entries fill for one window and their hash tables reach their steady capacity within the next, then stay at messages per second × window; decision 40). Heartbeats = elapsed time / heartbeat, or the messages the agent published if fewer (the stricter count on a machine too loaded to keep the pace). Goal: ≤ ${GOAL_MIB} MiB per 10,000 heartbeats.`,
    '',
    '| run | agent | heartbeats | heap floor (after warm-up) | growth per 10,000 heartbeats |',
    '|---|---|---|---|---|',
    ...(before.results ?? []).map(r => row(`before: ${before.label}`, r)),
    ...(now === null ? [] : now.results.map(r => row(`now: ${now.label}`, r))),
    '',
    ...(before.machine === undefined ? [] : [`Before: ${before.machine}; ${runShape(before)}.`]),
    ...(now === null ? ['No run after the fix yet: `pnpm bench soak` adds it beside this baseline.'] : [`Now: ${now.machine}; ${runShape(now)}.`])
  ].join('\n')
}

/** Least-squares slope of y against x. */
function slope (points) {
  const n = points.length
  const mx = points.reduce((s, p) => s + p.x, 0) / n
  const my = points.reduce((s, p) => s + p.y, 0) / n
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0)
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0)
  return sxx === 0 ? 0 : sxy / sxx
}

export async function benchSoak () {
  const minutes = Number(process.env.GPUFLEET_SOAK_MINUTES ?? 8)
  const heartbeatMs = Number(process.env.GPUFLEET_SOAK_HEARTBEAT_MS ?? 25)
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-soak-'))
  const shared = join(dir, 'shared.yaml')
  writeFileSync(shared, `cluster:\n  name: soak\n  mdns: false\n  heartbeat: ${heartbeatMs}ms\n  leaderLease: ${Math.max(200, 10 * heartbeatMs)}ms\n  offlineAfter: ${Math.max(1000, 40 * heartbeatMs)}ms\nollama:\n  apply: false\n`)
  const nodes = []
  try {
    for (const [i, name] of ['myia-ai-01', 'myia-po-2023'].entries()) {
      const [p2p, apiPort] = [await freePort(), await freePort()]
      const args = ['init', '--dir', join(dir, name), '--name', name, '--role', 'coordinator', '--priority', i === 0 ? '100' : '50',
        '--listen', `/ip4/127.0.0.1/tcp/${p2p}`, '--api', `127.0.0.1:${apiPort}`, '--cluster', 'soak', '--json']
      if (i > 0) args.push('--bootstrap', nodes[0].multiaddr, '--psk', join(nodes[0].dir, 'swarm.key'))
      const out = JSON.parse(await runCli(args))
      nodes.push({ name, dir: join(dir, name), api: `http://127.0.0.1:${apiPort}`, multiaddr: out.multiaddrs[0], heapFile: join(dir, `${name}.heap.jsonl`), samples: [] })
    }
    for (const n of nodes) {
      n.proc = spawn(process.execPath, [...AGENT_NODE_FLAGS, '--expose-gc', '--import', join(import.meta.dirname, 'soak-probe.mjs'), bin, 'agent',
        '--config', join(n.dir, 'gpufleet.yaml'), '--config', shared, '--hardware', join(roosync, `${n.name}.hardware.json`), '--log-level', 'warn'],
      { stdio: 'ignore', env: { ...process.env, GPUFLEET_SOAK_FILE: n.heapFile } })
    }
    // Both up and one leader before the clock starts.
    for (let i = 0; ; i++) {
      const docs = await Promise.all(nodes.map(n => status(n.api)))
      if (docs.every(d => d !== null && d.hosts.length === 2 && d.leader !== null)) break
      if (i > 600) throw new Error('soak bench: the two agents did not converge within 60 s')
      await sleep(100)
    }
    const start = Date.now()
    const first = await Promise.all(nodes.map(n => status(n.api)))
    while (Date.now() - start < minutes * 60_000) {
      await sleep(SAMPLE_EVERY_MS)
      for (const [i, n] of nodes.entries()) {
        if (n.proc.exitCode !== null) throw new Error(`soak bench: ${n.name} exited (${n.proc.exitCode})`)
        const doc = await status(n.api)
        if (doc === null) continue
        // Signalled only once its count is read, so heap records and samples pair one to one.
        n.proc.kill('SIGUSR2')
        const elapsed = Date.now() - start
        // Heartbeats done: the time over the period, unless the agent published fewer messages
        // than that (each heartbeat publishes its report): the smaller count, the stricter figure.
        const beats = Math.min(elapsed / heartbeatMs, doc.gossip.published - first[i].gossip.published)
        n.samples.push({ t: Date.now(), elapsed, beats })
      }
    }
    await sleep(500)
    const results = nodes.map(n => {
      const heap = existsSync(n.heapFile) ? readFileSync(n.heapFile, 'utf8').trim().split('\n').map(l => JSON.parse(l)) : []
      // Each heap record follows its SIGUSR2 by a few ms; pair them in order.
      const points = n.samples.slice(0, heap.length).map((s, k) => ({ ...s, heap: heap[k].heapUsed }))
      const counted = points.filter(p => p.elapsed >= soakWarmupMs(minutes))
      const perTenK = slope(counted.map(p => ({ x: p.beats, y: p.heap }))) * 10_000 / MiB
      const beats = points.at(-1)?.beats ?? 0
      return { name: n.name, beats, samples: counted.length, firstMiB: (counted[0]?.heap ?? 0) / MiB, lastMiB: (counted.at(-1)?.heap ?? 0) / MiB, perTenK }
    })
    const worst = Math.max(...results.map(r => r.perTenK))
    const ok = results.every(r => r.samples >= 5) && worst <= GOAL_MIB
    const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}`
    const run = { label: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`, machine, heartbeatMs, minutes, warmupMs: soakWarmupMs(minutes), results }
    // GPUFLEET_SOAK_RECORD_BASELINE="what this code is" keeps this run as the "before" of later ones.
    if (process.env.GPUFLEET_SOAK_RECORD_BASELINE !== undefined) {
      writeFileSync(BASELINE, `${JSON.stringify({ ...run, label: `${run.label}, ${process.env.GPUFLEET_SOAK_RECORD_BASELINE}` }, null, 2)}\n`)
    }
    const markdown = renderSoak(JSON.parse(readFileSync(BASELINE, 'utf8')), process.env.GPUFLEET_SOAK_RECORD_BASELINE === undefined ? run : null)
    return { name: 'soak', ok, summary: results.map(r => `${r.name} ${r.perTenK.toFixed(2)} MiB per 10k heartbeats (${Math.round(r.beats)} heartbeats)`).join('; '), markdown }
  } finally {
    for (const n of nodes) n.proc?.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}
