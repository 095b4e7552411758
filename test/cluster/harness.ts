import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AGENT_NODE_FLAGS } from '@gpufleet/agent'
import type { StatusDocument } from '@gpufleet/core'
import { bin, repoRoot, runCliOk } from '../support/cli.js'

export { bin, repoRoot }
const roosync = join(repoRoot, 'configs/roosync')

export interface NodeSpec {
  name: string
  role: 'coordinator' | 'worker'
  priority?: number
  hardware?: string
  /** YAML appended to this node's own config (keys gpufleet init does not write: ollama, gateway…). */
  config?: string
}
export interface FleetNode {
  spec: NodeSpec
  dir: string
  api: string
  p2p: number
  multiaddr: string
  peerId: string
  proc: ChildProcess | null
  log: string[]
}

/**
 * Ports come from a range of this worker's own (VITEST_POOL_ID), checked free: with port 0, two
 * test files running side by side could be handed the same port between its check and its use.
 */
let nextPort = 20_000 + (Number(process.env.VITEST_POOL_ID ?? 1) % 40) * 1000 + (process.pid % 10) * 100
async function freePort (): Promise<number> {
  for (;;) {
    const port = nextPort++
    if (nextPort % 1000 === 0) nextPort -= 1000
    const free = await new Promise<boolean>(resolve => {
      const s = createServer()
      s.once('error', () => { resolve(false) })
      s.listen(port, '127.0.0.1', () => { s.close(() => { resolve(true) }) })
    })
    if (free) return port
  }
}

/** Short timings so failover and offline detection take seconds, not tens of seconds. */
export const TIMINGS = { heartbeatMs: 250, leaderLeaseMs: 1000, offlineAfterMs: 2000 }

/**
 * A fleet of real agent processes on 127.0.0.1: each node gets `gpufleet init` files in a temp
 * folder, a shared swarm key and the first node as bootstrap. Everything is removed by `destroy`.
 */
export class Fleet {
  readonly root = mkdtempSync(join(tmpdir(), 'gpufleet-fleet-'))
  readonly nodes: FleetNode[] = []
  private readonly shared = join(this.root, 'shared.yaml')

  /** Extra environment for every agent process. */
  env: Record<string, string> = {}

  static async create (specs: NodeSpec[], options: { swarmKeyFor?: (i: number) => string | undefined, shared?: string } = {}): Promise<Fleet> {
    const fleet = new Fleet()
    writeFileSync(fleet.shared, [
      'cluster:', '  name: testfleet', '  mdns: false',
      `  heartbeat: ${TIMINGS.heartbeatMs}ms`, `  leaderLease: ${TIMINGS.leaderLeaseMs}ms`, `  offlineAfter: ${TIMINGS.offlineAfterMs}ms`,
      // Test agents never drive an Ollama of the machine running the tests (a test that wants one sets it up).
      ...(options.shared === undefined ? ['ollama: { apply: false }', 'policy:', '  exclude:', '    - match: { computeCapability: ">=12.0" }', '      reason: "CUDA build of the backend has no sm_120 kernels"'] : [options.shared]), ''
    ].join('\n'))
    for (const [i, spec] of specs.entries()) {
      const dir = join(fleet.root, spec.name)
      const [p2p, apiPort] = [await freePort(), await freePort()]
      const boot = fleet.nodes[0]
      const psk = options.swarmKeyFor?.(i) ?? (boot === undefined ? undefined : join(boot.dir, 'swarm.key'))
      const out = JSON.parse(await runCliOk(['init', '--dir', dir, '--name', spec.name, '--role', spec.role, '--priority', String(spec.priority ?? 0),
        '--listen', `/ip4/127.0.0.1/tcp/${p2p}`, '--api', `127.0.0.1:${apiPort}`, '--cluster', 'testfleet',
        ...(boot === undefined ? [] : ['--bootstrap', boot.multiaddr]), ...(psk === undefined ? [] : ['--psk', psk]), '--json'])) as { peerId: string, multiaddrs: string[] }
      if (spec.config !== undefined) appendFileSync(join(dir, 'gpufleet.yaml'), `\n${spec.config}\n`)
      fleet.nodes.push({ spec, dir, api: `http://127.0.0.1:${apiPort}`, p2p, multiaddr: out.multiaddrs[0]!, peerId: out.peerId, proc: null, log: [] })
    }
    return fleet
  }

  node (name: string): FleetNode {
    const n = this.nodes.find(x => x.spec.name === name)
    if (n === undefined) throw new Error(`no node ${name}`)
    return n
  }

  start (node: FleetNode): void {
    const hardware = node.spec.hardware ?? join(roosync, `${node.spec.name}.hardware.json`)
    const proc = spawn(process.execPath, [...AGENT_NODE_FLAGS, bin, 'agent', '--config', join(node.dir, 'gpufleet.yaml'), '--config', this.shared, '--hardware', hardware, '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } })
    const keep = (d: Buffer): void => { node.log.push(...d.toString().split('\n').filter(Boolean)); if (node.log.length > 2000) node.log.splice(0, 1000) }
    proc.stdout.on('data', keep)
    proc.stderr.on('data', keep)
    node.proc = proc
  }

  startAll (): void { for (const n of this.nodes) this.start(n) }

  async kill (node: FleetNode, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = node.proc
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) { node.proc = null; return }
    const exited = new Promise(resolve => proc.once('exit', resolve))
    proc.kill(signal)
    await Promise.race([exited, sleep(10_000)])
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
    node.proc = null
  }

  async destroy (): Promise<void> {
    await Promise.all(this.nodes.map(async n => { await this.kill(n) }))
    rmSync(this.root, { recursive: true, force: true })
  }

  async status (node: FleetNode): Promise<StatusDocument | null> {
    try {
      const res = await fetch(`${node.api}/api/status`, { signal: AbortSignal.timeout(1000) })
      return res.ok ? await res.json() as StatusDocument : null
    } catch {
      return null
    }
  }

  /** A node's status, asked again until it answers (a loaded machine can make one request time out). */
  async answeredStatus (node: FleetNode, timeoutMs = LOADED_MS): Promise<StatusDocument> {
    let status: StatusDocument | null = null
    await this.waitFor([node], s => { status = s; return true }, `${node.spec.name}'s status`, timeoutMs)
    return status!
  }

  /** Polls until every listed node's status satisfies the predicate; returns the time it took. */
  async waitFor (nodes: FleetNode[], predicate: (s: StatusDocument, n: FleetNode) => boolean, what: string, timeoutMs = 20_000): Promise<number> {
    const start = performance.now()
    let last: Array<StatusDocument | null> = []
    while (performance.now() - start < timeoutMs) {
      // A node that exited will never answer: say so at once, with its last words.
      const dead = nodes.find(n => n.proc !== null && (n.proc.exitCode !== null || n.proc.signalCode !== null))
      if (dead !== undefined) throw new Error(`${dead.spec.name} exited (${String(dead.proc!.exitCode ?? dead.proc!.signalCode)}) while waiting for ${what}: ${dead.log.slice(-5).join(' | ')}`)
      last = await Promise.all(nodes.map(async n => await this.status(n)))
      if (last.every((s, i) => s !== null && predicate(s, nodes[i]!))) return performance.now() - start
      await sleep(50)
    }
    const summary = last.map((s, i) => `${nodes[i]!.spec.name}: ${s === null ? 'no answer' : `leader=${String(s.leader)} term=${s.term} hosts=${s.hosts.map(h => `${h.hostname}${h.online === false ? '(off)' : ''}`).join(',')}`}`).join('; ')
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} — ${summary}`)
  }
}

/** Generous waits: on a loaded 2-core machine an agent can take seconds to answer its status. */
export const LOADED_MS = 60_000

/** The hosts a status shows online, sorted. */
export const onlineHosts = (s: StatusDocument): string[] => s.hosts.filter(h => h.online !== false).map(h => h.hostname).sort()

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export const SEED_FLEET: NodeSpec[] = [
  { name: 'myia-ai-01', role: 'coordinator', priority: 100 },
  { name: 'myia-po-2023', role: 'coordinator', priority: 50 },
  { name: 'myia-po-2024', role: 'worker' },
  { name: 'myia-po-2026', role: 'worker' },
  { name: 'myia-web1', role: 'worker' }
]

/** A copy of a seed machine's hardware file for this fleet, with `patch` laid over its top-level fields (an Ollama to reach, another hostname). */
export function copyHardware (fleet: Fleet, from: string, to: string, patch: Record<string, unknown> = {}): string {
  const target = join(fleet.root, `${to}.hardware.json`)
  copyFileSync(join(roosync, `${from}.hardware.json`), target)
  if (Object.keys(patch).length > 0) writeFileSync(target, JSON.stringify({ ...JSON.parse(readFileSync(target, 'utf8')) as Record<string, unknown>, ...patch }))
  return target
}
