import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { statusSchema, type LiveMessage } from '@gpufleet/core'
import { Fleet, copyHardware, type FleetNode } from '../cluster/harness.js'
import { runCliOk } from '../support/cli.js'

import { spawn } from 'node:child_process'
const PROMTOOL = process.env.GPUFLEET_PROMTOOL ?? '/usr/bin/promtool'
const havePromtool = existsSync(PROMTOOL)

/** Feeds an exposition to `promtool check metrics` on stdin. */
async function promtool (text: string): Promise<{ code: number, output: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += String(d) })
    child.stderr.on('data', (d: Buffer) => { output += String(d) })
    child.on('error', reject)
    child.on('close', code => { resolve({ code: code ?? -1, output }) })
    child.stdin.end(text)
  })
}

/** The messages of one type (a union member may carry several types, like host:joined | host:updated). */
type Of<T extends LiveMessage['type']> = LiveMessage extends infer M ? M extends { type: infer K } ? T extends K ? M & { type: T } : never : never : never

/** A /ws client that records every message, with a wait for the first one matching. */
class Listener {
  readonly messages: LiveMessage[] = []
  private readonly ws: WebSocket
  readonly opened: Promise<void>

  constructor (url: string, options: { protocols?: string[], headers?: Record<string, string> } = {}) {
    this.ws = new WebSocket(url, options.protocols ?? ['gpufleet.v1'], { headers: options.headers })
    this.ws.on('message', data => { this.messages.push(JSON.parse(String(data)) as LiveMessage) })
    this.opened = new Promise((resolve, reject) => { this.ws.once('open', () => { resolve() }); this.ws.once('error', reject) })
  }

  async next<T extends LiveMessage['type']> (type: T, where: (m: Of<T>) => boolean = () => true, timeoutMs = 15_000): Promise<Of<T>> {
    const start = Date.now()
    while (Date.now() - start < timeoutMs) {
      const found = this.messages.find(m => m.type === type && where(m as Of<T>))
      if (found !== undefined) return found as Of<T>
      await new Promise(resolve => setTimeout(resolve, 25))
    }
    throw new Error(`no ${type} within ${timeoutMs} ms; got ${this.messages.map(m => m.type).join(', ')}`)
  }

  close (): void { this.ws.close() }
}

const wsUrl = (node: FleetNode): string => `${node.api.replace('http', 'ws')}/ws`

/** Prometheus text format, line by line: every sample belongs to a metric declared with TYPE (NaN in any case, as Prometheus' parser reads it). */
function parseExposition (text: string): Map<string, Array<{ labels: Record<string, string>, value: number }>> {
  const declared = new Set<string>()
  const samples = new Map<string, Array<{ labels: Record<string, string>, value: number }>>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line)
    if (meta !== null) { if (meta[1] === 'TYPE') declared.add(meta[2]!); continue }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/i.exec(line)
    if (m === null) throw new Error(`not a Prometheus sample line: ${line}`)
    const name = m[1]!
    const base = name.replace(/_(bucket|sum|count)$/, '')
    if (!declared.has(name) && !declared.has(base)) throw new Error(`sample of undeclared metric ${name}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!
    samples.set(name, [...(samples.get(name) ?? []), { labels, value: Number(m[4]) }])
  }
  return samples
}

describe('agent HTTP API, /ws and /metrics against real agents', () => {
  let fleet: Fleet
  const TOKEN = 'test-token-0123456789abcdef'

  beforeAll(async () => {
    fleet = await Fleet.create([
      { name: 'myia-ai-01', role: 'coordinator', priority: 100 },
      { name: 'myia-po-2024', role: 'worker' },
      { name: 'myia-web1', role: 'worker' }
    ])
    // web1 runs on a copy of its hardware file, which a test edits (a change the fleet must see).
    fleet.nodes[2]!.spec.hardware = copyHardware(fleet, 'myia-web1', 'myia-web1')
    // The last node runs with a token: every data route, /metrics and /ws then need it.
    const config = join(fleet.nodes[2]!.dir, 'gpufleet.yaml')
    writeFileSync(config, readFileSync(config, 'utf8').replace('token: null', `token: ${TOKEN}`))
    fleet.startAll()
    expect(readFileSync(config, 'utf8')).toContain(TOKEN)
    await fleet.waitFor(fleet.nodes.slice(0, 2), s => s.hosts.filter(h => h.online !== false).length === 3 && s.plan !== null, 'three hosts online and a plan', 30_000)
  }, 40_000)

  afterAll(async () => { await fleet?.destroy() })

  it('serves the dashboard, the status document with alerts, and the report in both languages', async () => {
    const [leader] = fleet.nodes
    const page = await fetch(`${leader!.api}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    const js = await fetch(`${leader!.api}${script!}`)
    expect(js.headers.get('cache-control')).toContain('immutable')
    expect((await fetch(`${leader!.api}/assets/..%2F..%2Fpackage.json`)).status).toBe(404)
    // The leader evaluates alerts at its heartbeat after the plan: the alert follows the plan, not with it.
    await expect.poll(async () => statusSchema.parse(await (await fetch(`${leader!.api}/api/status`)).json()).alerts.map(a => a.id), { timeout: 15_000 }).toContain('gpu-excluded:myia-ai-01:0')
    const fr = await (await fetch(`${leader!.api}/api/report.md?lang=fr`)).text()
    const en = await (await fetch(`${leader!.api}/api/report.md?lang=en`)).text()
    expect(fr).not.toBe(en)
    expect(fr).toContain('myia-ai-01')
    expect((await fetch(`${leader!.api}/api/report.md?lang=de`)).status).toBe(400)
    expect((await fetch(`${leader!.api}/api/status`, { method: 'POST' })).status).toBe(405)
    // The CLI shows the same alerts.
    const stdout = await runCliOk(['status', '--api', leader!.api])
    expect(stdout).toMatch(/\nalerts \(\d+\):\n/)
    expect(stdout).toContain('\n  info     myia-ai-01 GPU 0 excluded: CUDA build of the backend has no sm_120 kernels')
  })

  it('/ws: a snapshot first, then host left, alert raised and cleared, host joined — on the leader and on a follower', async () => {
    const [leader, worker] = fleet.nodes as [FleetNode, FleetNode]
    const onLeader = new Listener(wsUrl(leader))
    const onFollower = new Listener(wsUrl(fleet.nodes[2]!), { protocols: ['gpufleet.v1', `bearer.${TOKEN}`] })
    try {
      await Promise.all([onLeader.opened, onFollower.opened])
      const snapshot = await onLeader.next('snapshot')
      expect(onLeader.messages[0]?.type).toBe('snapshot')
      expect(snapshot.hosts.map(h => h.hostname).sort()).toEqual(['myia-ai-01', 'myia-po-2024', 'myia-web1'])
      expect(snapshot.leader).toBe('myia-ai-01')
      expect(Object.keys(snapshot.history)).toContain('myia-ai-01/1')
      expect(snapshot.apis['myia-ai-01']).toBe(leader.api.replace('http://', ''))
      // An idle host sends no report (only small beats); a change to its hardware reaches the dashboards at once.
      const web1 = fleet.nodes[2]!.spec.hardware!
      const hw = JSON.parse(readFileSync(web1, 'utf8')) as { memory: { totalBytes: number } }
      writeFileSync(web1, JSON.stringify({ ...hw, memory: { totalBytes: hw.memory.totalBytes + 2 ** 30 } }))
      const updated = await onLeader.next('host:updated', m => m.host.hostname === 'myia-web1' && m.host.memory.totalBytes === hw.memory.totalBytes + 2 ** 30)
      expect(updated.host.online).toBe(true)

      await fleet.kill(worker)
      for (const l of [onLeader, onFollower]) {
        await l.next('host:left', m => m.hostname === 'myia-po-2024')
        const raised = await l.next('alert:raised', m => m.alert.id === 'host-offline:myia-po-2024')
        expect(raised.alert.severity).toBe('critical')
      }
      fleet.start(worker)
      for (const l of [onLeader, onFollower]) {
        await l.next('host:joined', m => m.host.hostname === 'myia-po-2024', 20_000)
        await l.next('alert:cleared', m => m.alert.id === 'host-offline:myia-po-2024')
      }
    } finally {
      onLeader.close()
      onFollower.close()
    }
  }, 60_000)

  it('/metrics scrapes cleanly with DCGM names and labels, and cluster gauges', async () => {
    const [leader] = fleet.nodes
    const res = await fetch(`${leader!.api}/metrics`)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    const metrics = parseExposition(text)
    // Every metric the shipped Grafana dashboard queries is one this agent exports.
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map(m => m[1]!))
    const grafana = JSON.parse(readFileSync(join(import.meta.dirname, '../../configs/grafana/gpufleet.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> }
    const queried = new Set(grafana.panels.flatMap(p => p.targets ?? []).flatMap(t => [...t.expr.matchAll(/\b(DCGM_FI_\w+|gpufleet_\w+)/g)].map(m => m[1]!.replace(/_bucket$/, ''))))
    expect(queried.size).toBeGreaterThan(15)
    expect([...queried].filter(name => !exported.has(name))).toEqual([])
    const used = metrics.get('DCGM_FI_DEV_FB_USED') ?? []
    const rtx3090 = used.find(s => s.labels.Hostname === 'myia-ai-01' && s.labels.gpu === '1')
    expect(rtx3090?.labels).toMatchObject({ UUID: 'GPU-7f4e21a0-b6c3-11ef-9a2d-3c58e0d4b8a7', modelName: 'NVIDIA GeForce RTX 3090' })
    expect(rtx3090?.value).toBeCloseTo(432013312 / 1024 ** 2)
    for (const name of ['DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_FB_TOTAL', 'DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_POWER_USAGE']) {
      expect(metrics.get(name)?.some(s => s.labels.Hostname === 'myia-po-2024'), name).toBe(true)
    }
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      metrics.get(name)?.find(s => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
    expect(value('gpufleet_is_leader')).toBe(1)
    expect(value('gpufleet_leader_term')).toBeGreaterThan(0)
    // The gauge carries each alert's real severity (an excluded GPU is informational), and every pair reads 0 until it fires.
    expect(value('gpufleet_alerts_active', { rule: 'gpu-excluded', severity: 'info' })).toBe(1)
    expect(value('gpufleet_alerts_active', { rule: 'gpu-excluded', severity: 'critical' })).toBe(0)
    expect(metrics.get('gpufleet_alerts_active')?.some(s => s.labels.severity === 'any')).toBe(false)
    // The SM and memory clocks fill the two panels of NVIDIA's DCGM dashboard that stayed empty.
    expect(value('DCGM_FI_DEV_SM_CLOCK', { Hostname: 'myia-ai-01', gpu: '1' })).toBe(1695)
    expect(value('DCGM_FI_DEV_MEM_CLOCK', { Hostname: 'myia-ai-01', gpu: '1' })).toBe(9751)
    expect(value('gpufleet_assignments', { Hostname: 'myia-ai-01' })).toBeGreaterThan(0)
    expect(value('gpufleet_plan_computations_total')).toBeGreaterThan(0)
    expect(value('gpufleet_gossip_messages_total', { outcome: 'received' })).toBeGreaterThan(0)
    expect(value('gpufleet_hosts', { state: 'online' })).toBeGreaterThanOrEqual(2)
    // Per-node scraping: only this host's GPUs.
    const self = parseExposition(await (await fetch(`${leader!.api}/metrics?scope=self`)).text())
    expect(new Set(self.get('DCGM_FI_DEV_GPU_TEMP')?.map(s => s.labels.Hostname))).toEqual(new Set(['myia-ai-01']))
    expect((await fetch(`${leader!.api}/metrics?scope=nope`)).status).toBe(400)
  })

  // Debian's prometheus package ships promtool (.ci/run installs it); CI never skips this.
  it.runIf(havePromtool || process.env.CI === 'true')('promtool check metrics finds no error in either scope', async () => {
    expect(havePromtool, `${PROMTOOL} missing: apt-get install prometheus`).toBe(true)
    const [leader] = fleet.nodes
    for (const path of ['/metrics', '/metrics?scope=self']) {
      const text = await (await fetch(`${leader!.api}${path}`)).text()
      const result = await promtool(text)
      // Exit 1 is a parse error; 3 means lint advice only. The advice allowed is what compatibility
      // imposes: DCGM's own label names (modelName, UUID, Hostname, kept for its Grafana dashboard)
      // and prom-client's nodejs_active_*_total gauges. Anything else fails.
      expect(result.output, path).not.toMatch(/error/i)
      expect([0, 3], `${path}: ${result.output}`).toContain(result.code)
      const advice = result.output.split('\n').map(l => l.trim()).filter(l => l !== '')
      const allowed = [/^DCGM_FI_DEV_\w+ label names should be written in 'snake_case' not 'camelCase'$/, /^gpufleet_nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/]
      expect(advice.filter(l => !allowed.some(r => r.test(l))), path).toEqual([])
    }
  })

  it('an agent with a token refuses every data route, /metrics and /ws without it; /healthz and the page stay open', async () => {
    const node = fleet.nodes[2]!
    for (const path of ['/api/status', '/api/inventory', '/api/plan', '/api/report.md', '/metrics', '/api/alerts']) {
      expect((await fetch(`${node.api}${path}`)).status, path).toBe(401)
      expect((await fetch(`${node.api}${path}`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, path).toBe(401)
    }
    expect((await fetch(`${node.api}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    expect((await fetch(`${node.api}/healthz`)).status).toBe(200)
    expect((await fetch(`${node.api}/`)).status).toBe(200)
    const refused = new Listener(wsUrl(node))
    await expect(refused.opened).rejects.toThrow(/401/)
    const wrong = new Listener(wsUrl(node), { protocols: ['gpufleet.v1', 'bearer.wrong-token-0123456789'] })
    await expect(wrong.opened).rejects.toThrow(/401/)
    const byHeader = new Listener(wsUrl(node), { headers: { authorization: `Bearer ${TOKEN}` } })
    await byHeader.opened
    expect((await byHeader.next('snapshot')).self.hostname).toBe('myia-web1')
    byHeader.close()
  })
})
