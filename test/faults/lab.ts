import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AGENT_NODE_FLAGS } from '@gpufleet/agent'
import type { StatusDocument } from '@gpufleet/core'
import { bin, repoRoot, sleep } from '../cluster/harness.js'
import { runCliOk } from '../support/cli.js'

/**
 * What the fault suite needs and this machine lacks, or null: root, `ip` and `iptables` (CI runs as
 * root; .ci/run installs the tools).
 */
export function labMissing (): string | null {
  const missing = [
    process.getuid?.() === 0 ? null : 'root (network namespaces)',
    spawnSync('ip', ['netns', 'list']).status === 0 ? null : '`ip` (iproute2) able to list network namespaces',
    spawnSync('iptables', ['--version']).status === 0 ? null : '`iptables`'
  ].filter(m => m !== null)
  return missing.length === 0 ? null : `test:faults needs ${missing.join(', ')}`
}

export const TIMINGS = { heartbeatMs: 250, leaderLeaseMs: 1000, offlineAfterMs: 2000 }
const SUBNET = '10.99.0'
const PREFIX = 'gflab'

export interface LabNode {
  name: string
  role: 'coordinator' | 'worker'
  priority: number
  ns: string
  ip: string
  dir: string
  socket: string
  proc: ChildProcess | null
  relay: ChildProcess | null
  log: string[]
  peerId: string
}

function sh (cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}
const ip = (...args: string[]): string => sh('ip', args)
const inNs = (ns: string, cmd: string, ...args: string[]): string => sh('ip', ['netns', 'exec', ns, cmd, ...args])

/**
 * Real separate hosts on one machine: each agent in its own network namespace with a veth into
 * one bridge, which lives in a namespace of its own — nothing is added to the root namespace.
 * The runner reaches each agent's loopback API through a Unix-socket relay in its namespace.
 */
export class Lab {
  readonly id = `${PREFIX}${process.pid % 10_000}${Math.floor(Math.random() * 100)}`
  readonly root = mkdtempSync(join(tmpdir(), 'gpufleet-lab-'))
  readonly nodes: LabNode[] = []
  private readonly bridgeNs = `${this.id}-br`
  private readonly shared = join(this.root, 'shared.yaml')
  private readonly relays: ChildProcess[] = []
  /** The most latency delay() adds to one hop (0 without it). */
  injectedDelayMs = 0
  /** Start, kill, stop and continue events with their time, for the invariant checks. */
  readonly events: Array<{ at: number, node: string, what: 'kill' | 'start' | 'stop' | 'cont' }> = []

  /** Leftovers of a run that died before cleaning up (same prefix, gone processes). */
  static sweep (): void {
    for (const line of ip('netns', 'list').split('\n')) {
      const ns = line.split(' ')[0] ?? ''
      if (ns.startsWith(PREFIX)) spawnSync('ip', ['netns', 'del', ns])
    }
  }

  static async create (specs: Array<{ name: string, role: 'coordinator' | 'worker', priority?: number }>, options: { mdns?: boolean } = {}): Promise<Lab> {
    const lab = new Lab()
    try {
      ip('netns', 'add', lab.bridgeNs)
      inNs(lab.bridgeNs, 'ip', 'link', 'add', 'br0', 'type', 'bridge')
      inNs(lab.bridgeNs, 'ip', 'link', 'set', 'br0', 'up')
      writeFileSync(lab.shared, [
        'cluster:', '  name: labfleet', `  mdns: ${options.mdns === true}`,
        `  heartbeat: ${TIMINGS.heartbeatMs}ms`, `  leaderLease: ${TIMINGS.leaderLeaseMs}ms`, `  offlineAfter: ${TIMINGS.offlineAfterMs}ms`,
        'ollama: { apply: false }', 'cloud: []', ''
      ].join('\n'))
      for (const [i, spec] of specs.entries()) {
        const ns = `${lab.id}-n${i}`
        const nodeIp = `${SUBNET}.${i + 1}`
        ip('netns', 'add', ns)
        ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', lab.bridgeNs)
        inNs(lab.bridgeNs, 'ip', 'link', 'set', `p${i}`, 'master', 'br0')
        inNs(lab.bridgeNs, 'ip', 'link', 'set', `p${i}`, 'up')
        inNs(ns, 'ip', 'addr', 'add', `${nodeIp}/24`, 'dev', 'eth0')
        inNs(ns, 'ip', 'link', 'set', 'eth0', 'up')
        inNs(ns, 'ip', 'link', 'set', 'lo', 'up')
        // mDNS sends to 224.0.0.251: multicast needs a route out of the namespace.
        inNs(ns, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
        const dir = join(lab.root, spec.name)
        const first = lab.nodes[0]
        const out = JSON.parse(await runCliOk(['init', '--dir', dir, '--name', spec.name, '--role', spec.role, '--priority', String(spec.priority ?? 0),
          '--listen', `/ip4/${nodeIp}/tcp/7701`, '--api', '127.0.0.1:7700', '--cluster', 'labfleet',
          ...(first === undefined || options.mdns === true ? [] : ['--bootstrap', `/ip4/${first.ip}/tcp/7701/p2p/${first.peerId}`]),
          ...(first === undefined ? [] : ['--psk', join(first.dir, 'swarm.key')]), '--json'])) as { peerId: string }
        lab.nodes.push({ name: spec.name, role: spec.role, priority: spec.priority ?? 0, ns, ip: nodeIp, dir, socket: join(lab.root, `${spec.name}.sock`), proc: null, relay: null, log: [], peerId: out.peerId })
      }
      for (const n of lab.nodes) {
        n.relay = spawn('ip', ['netns', 'exec', n.ns, process.execPath, join(import.meta.dirname, 'relay.mjs'), n.socket, '7700'], { stdio: 'ignore' })
      }
    } catch (err) {
      await lab.destroy()
      throw err
    }
    return lab
  }

  node (name: string): LabNode {
    const n = this.nodes.find(x => x.name === name)
    if (n === undefined) throw new Error(`no node ${name}`)
    return n
  }

  /** `diskKiB`: the node's data directory is a tmpfs of that size (in a mount namespace of its own): a disk that fills up. */
  start (n: LabNode, options: { diskKiB?: number } = {}): void {
    const hardware = join(repoRoot, 'configs/roosync', `${n.name}.hardware.json`)
    const agent = ['ip', 'netns', 'exec', n.ns, process.execPath, ...AGENT_NODE_FLAGS, bin, 'agent', '--config', join(n.dir, 'gpufleet.yaml'), '--config', this.shared, '--hardware', hardware, '--log-level', 'debug']
    const [cmd, ...args] = options.diskKiB === undefined
      ? agent
      : ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mkdir -p "$1" && mount -t tmpfs -o size="$2"k gftmp "$1" && shift 2 && exec "$@"', 'sh', this.dataDir(n), String(options.diskKiB), ...agent]
    const proc = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (d: Buffer): void => {
      const lines = d.toString().split('\n').filter(Boolean)
      n.log.push(...lines)
      appendFileSync(join(this.root, `${n.name}.log`), `${lines.join('\n')}\n`)
      if (n.log.length > 20_000) n.log.splice(0, 10_000)
    }
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    n.proc = proc
    this.events.push({ at: Date.now(), node: n.name, what: 'start' })
  }

  startAll (): void { for (const n of this.nodes) this.start(n) }

  async kill (n: LabNode): Promise<void> {
    const proc = n.proc
    n.proc = null
    this.events.push({ at: Date.now(), node: n.name, what: 'kill' })
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise(resolve => proc.once('exit', resolve))
    proc.kill('SIGKILL')
    await Promise.race([exited, sleep(5000)])
  }

  pause (n: LabNode): void { n.proc?.kill('SIGSTOP'); this.events.push({ at: Date.now(), node: n.name, what: 'stop' }) }
  resume (n: LabNode): void { n.proc?.kill('SIGCONT'); this.events.push({ at: Date.now(), node: n.name, what: 'cont' }) }

  /** Drops every packet between the two groups (both directions, in each member's namespace). */
  partition (a: LabNode[], b: LabNode[]): void {
    for (const [side, other] of [[a, b], [b, a]] as const) {
      for (const n of side) for (const o of other) {
        inNs(n.ns, 'iptables', '-A', 'INPUT', '-s', o.ip, '-j', 'DROP')
        inNs(n.ns, 'iptables', '-A', 'OUTPUT', '-d', o.ip, '-j', 'DROP')
      }
    }
  }

  /**
   * Random loss of `probability` on every link between two nodes, each way (iptables statistic; the
   * kernel has no netem). Every packet between two nodes leaves one namespace's eth0 once, so it is
   * dropped on the way out only: dropping it on the way in as well (as this lab first did) lost
   * 1 − 0.7² = 51 % of the packets of a link at "30 %", segments and ACKs alike.
   */
  loss (probability: number): void {
    for (const n of this.nodes) {
      inNs(n.ns, 'iptables', '-A', 'OUTPUT', '-o', 'eth0', '-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'DROP')
    }
  }

  /**
   * Adds `ms` (+ up to `jitterMs`) to every chunk between agents, both ways: each namespace
   * redirects its dials to a peer's port 7701 into a local delaying relay, which reaches the peer
   * on port 7702, mapped back to 7701 there. Set before the agents start (rules apply to new connections).
   */
  async delay (ms: number, jitterMs: number): Promise<void> {
    this.injectedDelayMs = ms + jitterMs
    const ready: Array<Promise<void>> = []
    for (const n of this.nodes) {
      inNs(n.ns, 'iptables', '-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '--dport', '7702', '-j', 'REDIRECT', '--to-ports', '7701')
      const pairs: string[] = []
      for (const [j, peer] of this.nodes.entries()) {
        if (peer === n) continue
        inNs(n.ns, 'iptables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-d', peer.ip, '--dport', '7701', '-j', 'REDIRECT', '--to-ports', String(8000 + j))
        pairs.push(`${8000 + j}=${peer.ip}`)
      }
      const relay = spawn('ip', ['netns', 'exec', n.ns, process.execPath, join(import.meta.dirname, 'delay-relay.mjs'), String(ms), String(jitterMs), ...pairs], { stdio: ['ignore', 'pipe', 'ignore'] })
      this.relays.push(relay)
      ready.push(new Promise((resolve, reject) => {
        relay.stdout.once('data', () => { resolve() })
        relay.once('exit', code => { reject(new Error(`the delay relay in ${n.ns} exited (${String(code)}) before listening`)) })
      }))
    }
    await Promise.all(ready)
  }

  heal (): void {
    for (const n of this.nodes) inNs(n.ns, 'iptables', '-F')
  }

  async status (n: LabNode, timeoutMs = 1500): Promise<StatusDocument | null> {
    return await new Promise(resolve => {
      const req = request({ socketPath: n.socket, path: '/api/status', timeout: timeoutMs }, res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        // Only a status document counts: an agent that is starting answers 503 with an error body.
        res.on('end', () => { try { resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString()) as StatusDocument : null) } catch { resolve(null) } })
      })
      req.on('error', () => { resolve(null) })
      req.on('timeout', () => { req.destroy(); resolve(null) })
      req.end()
    })
  }

  running (): LabNode[] { return this.nodes.filter(n => n.proc !== null) }

  /** Polls until every listed node's status satisfies the predicate; returns the time it took. */
  async waitFor (nodes: LabNode[], predicate: (s: StatusDocument, n: LabNode) => boolean, what: string, timeoutMs = 30_000): Promise<number> {
    const start = performance.now()
    let last: Array<StatusDocument | null> = []
    while (performance.now() - start < timeoutMs) {
      last = await Promise.all(nodes.map(async n => await this.status(n)))
      if (last.every((s, i) => s !== null && predicate(s, nodes[i]!))) return performance.now() - start
      await sleep(100)
    }
    const summary = last.map((s, i) => `${nodes[i]!.name}: ${s === null ? 'no answer' : `leader=${String(s.leader)} term=${s.term} plan=${String(s.plan?.term)} hosts=${s.hosts.map(h => `${h.hostname}${h.online === false ? '(off)' : ''}`).join(',')}`}`).join('; ')
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} — ${summary}`)
  }

  /** The node's LevelDB folder (the disk-full and damaged-store cases work on it). */
  dataDir (n: LabNode): string { return join(n.dir, 'data') }

  async destroy (): Promise<void> {
    for (const n of this.nodes) {
      if (n.proc !== null) { n.proc.kill('SIGCONT'); n.proc.kill('SIGKILL') }
      n.relay?.kill('SIGKILL')
    }
    for (const r of this.relays) r.kill('SIGKILL')
    await sleep(200)
    for (const n of this.nodes) spawnSync('ip', ['netns', 'del', n.ns])
    spawnSync('ip', ['netns', 'del', this.bridgeNs])
    if (process.env.GPUFLEET_KEEP_LAB === undefined) rmSync(this.root, { recursive: true, force: true })
  }
}

