import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { CallToolResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js'
import type { Plan, StatusDocument } from '@gpufleet/core'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { Fleet, bin, repoRoot, type FleetNode } from '../cluster/harness.js'
import { runCliOk as cli } from '../support/cli.js'
import { httpClient, outputValidators, stdioClient } from './clients.js'

const TOKEN = 'mcp-test-token-0123456789abcdef'
const TOOLS = ['estimate', 'fleet_status', 'gpu_spec_document', 'plan', 'route', 'usage', 'where_can_run']
const GiB = 1024 ** 3

let fleet: Fleet
let ai01: FleetNode
let po2026: FleetNode
let status: StatusDocument
let plan: Plan

async function getJson<T> (node: FleetNode, path: string, token?: string): Promise<T> {
  const res = await fetch(`${node.api}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`)
  return await res.json() as T
}

/** The document is dated by the newest report it read: hosts report every heartbeat, so two reads a moment apart differ there only. */
const undated = (markdown: string): string => markdown.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, 'DATE')

interface Called { structured: Record<string, unknown>, text: string, isError: boolean }
async function call (client: Client, name: string, args: Record<string, unknown> = {}): Promise<Called> {
  const result = CallToolResultSchema.parse(await client.callTool({ name, arguments: args }))
  const first = result.content[0]
  return { structured: (result.structuredContent ?? {}) as Record<string, unknown>, text: first?.type === 'text' ? first.text : '', isError: result.isError === true }
}

beforeAll(async () => {
  fleet = await Fleet.create([
    { name: 'myia-ai-01', role: 'coordinator', priority: 100 },
    { name: 'myia-po-2023', role: 'worker' },
    { name: 'myia-po-2026', role: 'worker' }
  ])
  ai01 = fleet.node('myia-ai-01')
  po2026 = fleet.node('myia-po-2026')
  // One agent with an API token: on it every route, /mcp included, needs the bearer token.
  const file = join(po2026.dir, 'gpufleet.yaml')
  const config = parse(readFileSync(file, 'utf8')) as { api: { token: string | null } }
  config.api.token = TOKEN
  writeFileSync(file, stringify(config))
  fleet.startAll()
  const others = fleet.nodes.filter(n => n !== po2026)
  await fleet.waitFor(others, s => s.hosts.filter(h => h.online !== false).length === 3 && s.plan !== null && s.plan.term === s.term && s.leader === 'myia-ai-01', 'a converged 3-agent fleet', 40_000)
  status = await getJson<StatusDocument>(ai01, '/api/status')
  plan = await getJson<Plan>(ai01, '/api/plan')
}, 60_000)

afterAll(async () => { await fleet?.destroy() })

/** What both transports must answer the same way. */
function describeTransport (label: string, open: () => Promise<{ client: Client, close: () => Promise<void> }>): void {
  describe(`MCP over ${label}`, { timeout: 30_000 }, () => {
    let client: Client
    let close: () => Promise<void>
    let validators: Map<string, (value: unknown) => string | null>
    beforeAll(async () => { ({ client, close } = await open()); validators = await outputValidators(client) }, 20_000)
    afterAll(async () => { await close() })

    const valid = (tool: string, result: Called): void => {
      expect(result.isError, result.text).toBe(false)
      expect(validators.get(tool)!(result.structured)).toBeNull()
      expect(result.text.length).toBeGreaterThan(0)
    }

    it('lists the read-only tools, each with an input and an output schema, and the resources', async () => {
      const { tools } = await client.listTools()
      expect(tools.map(t => t.name).sort()).toEqual(TOOLS)
      for (const t of tools) {
        expect(t.inputSchema.type).toBe('object')
        expect(t.outputSchema?.type).toBe('object')
        expect(t.annotations?.readOnlyHint).toBe(true)
      }
      const { resources } = await client.listResources()
      expect(resources.map(r => r.uri).sort()).toEqual(['gpufleet://gpu-spec-document/en', 'gpufleet://gpu-spec-document/fr', 'gpufleet://plan'])
    })

    it('fleet_status matches /api/status', async () => {
      const r = await call(client, 'fleet_status')
      valid('fleet_status', r)
      const now = await getJson<StatusDocument>(ai01, '/api/status')
      const s = r.structured as unknown as { leader: string, term: number, hostsOnline: number, hosts: Array<{ hostname: string, online: boolean, gpus: Array<{ index: number, vramTotalBytes: number, vramUsedBytes: number, vramFreeBytes: number }> }>, alerts: unknown[] }
      expect(s.leader).toBe(now.leader)
      expect(s.term).toBe(now.term)
      expect(s.hostsOnline).toBe(3)
      expect(s.hosts.map(h => h.hostname)).toEqual(now.hosts.map(h => h.hostname))
      for (const h of now.hosts) {
        const mine = s.hosts.find(x => x.hostname === h.hostname)!
        expect(mine.gpus.map(g => [g.index, g.vramTotalBytes, g.vramUsedBytes, g.vramFreeBytes])).toEqual(h.gpus.map(g => [g.index, g.vramBytes, g.vramUsedBytes, g.vramBytes! - g.vramUsedBytes!]))
      }
      expect(s.alerts).toEqual(now.alerts)
    })

    it('plan is the plan of /api/plan and of `gpufleet status --json`', async () => {
      const r = await call(client, 'plan')
      valid('plan', r)
      expect(r.structured).toEqual(await getJson<Plan>(ai01, '/api/plan'))
      const viaCli = JSON.parse(await cli(['status', '--api', ai01.api, '--json'])) as StatusDocument
      expect(r.structured).toEqual(viaCli.plan)
      const resource = await client.readResource({ uri: 'gpufleet://plan' })
      expect(JSON.parse((resource.contents[0] as { text: string }).text)).toEqual(r.structured)
    })

    it('estimate matches `gpufleet estimate --json`', async () => {
      const r = await call(client, 'estimate', { model: 'llama3.1:8b', gpu: 'RTX 3090' })
      valid('estimate', r)
      expect(r.structured).toEqual(JSON.parse(await cli(['estimate', '--model', 'llama3.1:8b', '--gpu', 'RTX 3090', '--json'])))
      const adHoc = await call(client, 'estimate', { params: '70B', quantization: 'Q4_K_M', contextLength: 4096, bandwidthGBs: 936, vram: '24GiB' })
      valid('estimate', adHoc)
      expect(adHoc.structured).toEqual(JSON.parse(await cli(['estimate', '--params', '70B', '--quant', 'Q4_K_M', '--ctx', '4096', '--bandwidth', '936', '--vram', '24GiB', '--json'])))
      expect(adHoc.structured.fits).toBe(false)
    })

    it('gpu_spec_document is /api/report.md in each language, also as resources', async () => {
      for (const lang of ['fr', 'en'] as const) {
        const r = await call(client, 'gpu_spec_document', { lang })
        valid('gpu_spec_document', r)
        const expected = undated(await (await fetch(`${ai01.api}/api/report.md?lang=${lang}`)).text())
        expect(undated(r.structured.markdown as string)).toBe(expected)
        const resource = await client.readResource({ uri: `gpufleet://gpu-spec-document/${lang}` })
        expect(undated((resource.contents[0] as { text: string }).text)).toBe(expected)
      }
    })

    it('where_can_run: a model that fits one GPU only, with its speed, capacity and what the plan puts there', async () => {
      const r = await call(client, 'where_can_run', { model: 'codellama:13b' })
      valid('where_can_run', r)
      const s = r.structured as unknown as WhereCanRun
      expect(s.fits.map(f => `${f.host}/${f.gpu}`)).toEqual(['myia-ai-01/1'])
      const f = s.fits[0]!
      // The planner's rule, from the host report: total − used by other programs − reserve (2 GiB).
      const gpu = status.hosts.find(h => h.hostname === 'myia-ai-01')!.gpus.find(g => g.index === 1)!
      expect(f.capacityBytes).toBe(gpu.vramBytes! - gpu.vramUsedBytes! - 2 * GiB)
      expect(plan.capacity?.find(c => c.host === 'myia-ai-01' && c.gpu === 1)?.capacityBytes).toBe(f.capacityBytes)
      expect(f.decodeTokensPerSecond).toBeGreaterThan(0)
      expect(f.plan.models).toEqual(plan.assignments.filter(a => a.host === 'myia-ai-01' && a.gpus.includes(1)).map(a => a.model))
      // Every other GPU is listed with its reason.
      expect(s.cannot.filter(c => c.code === 'too-small').map(c => `${c.host}/${String(c.gpu)}`).sort()).toEqual(['myia-po-2023/0', 'myia-po-2023/1', 'myia-po-2026/0'])
      expect(s.cannot.find(c => c.host === 'myia-ai-01' && c.gpu === 0)).toMatchObject({ code: 'excluded', reason: 'CUDA build of the backend has no sm_120 kernels' })
      expect(s.offload).toBeNull()
    })

    it('where_can_run: a model that fits nowhere gets the offload estimate the planner gives', async () => {
      const r = await call(client, 'where_can_run', { model: 'mixtral:8x7b' })
      valid('where_can_run', r)
      const s = r.structured as unknown as WhereCanRun
      expect(s.fits).toEqual([])
      const unplaced = plan.unplaced.find(u => u.model === 'mixtral:8x7b')!
      expect(unplaced.code).toBe('too-large')
      expect(s.requirement.bytes).toBe(unplaced.needBytes)
      expect(s.offload).toMatchObject({ host: 'myia-ai-01', gpu: 1, capacityBytes: unplaced.largestFreeBytes, decodeTokensPerSecond: unplaced.offloadedTokensPerSecond })
      expect(r.text).toContain('Fits on no single GPU')
    })

    it('where_can_run: a model given by its size is sized like `gpufleet estimate`; a small one fits every eligible GPU but the excluded one', async () => {
      const r = await call(client, 'where_can_run', { params: '3B', quantization: 'Q4_K_M', contextLength: 4096 })
      valid('where_can_run', r)
      const s = r.structured as unknown as WhereCanRun
      const cliEstimate = JSON.parse(await cli(['estimate', '--params', '3B', '--quant', 'Q4_K_M', '--ctx', '4096', '--json'])) as { totalBytes: number }
      expect(s.requirement).toMatchObject({ bytes: cliEstimate.totalBytes, source: 'estimate' })
      expect(s.fits.map(f => `${f.host}/${f.gpu}`).sort()).toEqual(['myia-ai-01/1', 'myia-po-2023/0', 'myia-po-2023/1', 'myia-po-2026/0'])
      expect(s.cannot.map(c => [c.host, c.gpu, c.code])).toEqual([['myia-ai-01', 0, 'excluded']])
    })

    it('route is the chain of /api/route and `gpufleet route --json`, each target in or out with its reason', async () => {
      const r = await call(client, 'route', { role: 'code' })
      valid('route', r)
      expect(r.structured).toEqual(await getJson(ai01, '/api/route?role=code'))
      expect(r.structured).toEqual(JSON.parse(await cli(['route', '--role', 'code', '--api', ai01.api, '--json'])))
      const targets = r.structured.targets as Array<{ label: string, usable: boolean, reason: string | null }>
      expect(r.structured.host).toBe('myia-ai-01')
      // The test agents run without cloud keys: every cloud target is out, and says why.
      const clouds = targets.filter(t => t.label.startsWith('cloud:'))
      expect(clouds.length).toBeGreaterThan(0)
      for (const t of clouds) expect(t).toMatchObject({ usable: false, reason: expect.any(String) })
      for (const t of targets) expect(r.text).toContain(t.label)
      const unknown = await call(client, 'route', { role: 'no-such-role' })
      expect(unknown.isError).toBe(true)
      expect(unknown.text).toMatch(/no role or model "no-such-role"; known: .*code/)
    })

    it('usage is the ledger of /api/usage and `gpufleet usage --json` (only `until`, the moment asked, differs)', async () => {
      const since = '2026-01-01T00:00:00.000Z'
      const r = await call(client, 'usage', { since, by: 'host' })
      valid('usage', r)
      const withoutUntil = (doc: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'until'))
      expect(withoutUntil(r.structured)).toEqual(withoutUntil(await getJson<Record<string, unknown>>(ai01, `/api/usage?since=${since}&by=host`)))
      expect(withoutUntil(r.structured)).toEqual(withoutUntil(JSON.parse(await cli(['usage', '--since', since, '--by', 'host', '--api', ai01.api, '--json'])) as Record<string, unknown>))
      expect(r.structured).toMatchObject({ schema: 'gpufleet.usage/v1', since, by: 'host', host: null })
      expect(r.text).toMatch(/^the fleet since 2026-01-01T00:00:00.000Z: \d+ requests/)
      const bad = await call(client, 'usage', { by: 'planet' })
      expect(bad.isError).toBe(true)
    })

    it('a malformed tool call is an MCP error, and the server keeps answering', async () => {
      const bad = await call(client, 'where_can_run', { contextLength: 'long' })
      expect(bad.isError).toBe(true)
      expect(bad.text).toMatch(/Input validation error/)
      const unknown = await call(client, 'where_can_run', { model: 'no-such-model' })
      expect(unknown.isError).toBe(true)
      expect(unknown.text).toMatch(/not in the catalog/)
      expect((await call(client, 'no_such_tool')).isError).toBe(true)
      // A request the protocol itself rejects (tools/call without a name).
      const rejected = await client.request({ method: 'tools/call', params: {} } as never, CallToolResultSchema).then(() => null, (err: unknown) => err)
      expect(rejected).toBeInstanceOf(McpError)
      valid('fleet_status', await call(client, 'fleet_status'))
    })
  })
}

interface WhereCanRun {
  requirement: { bytes: number, source: string }
  fits: Array<{ host: string, gpu: number, capacityBytes: number, decodeTokensPerSecond: number | null, plan: { models: string[] } }>
  cannot: Array<{ host: string, gpu: number | null, code: string, reason: string }>
  offload: { host: string, gpu: number, capacityBytes: number, decodeTokensPerSecond: number | null } | null
}

describeTransport('stdio (gpufleet mcp)', async () => {
  const { client } = await stdioClient(ai01.api)
  return { client, close: async () => { await client.close() } }
})

describeTransport('Streamable HTTP (/mcp on the agent)', async () => {
  const client = await httpClient(ai01.api)
  return { client, close: async () => { await client.close() } }
})

describe('the token', { timeout: 30_000 }, () => {
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }
  const post = async (body: string, token?: string): Promise<Response> => await fetch(`${po2026.api}/mcp`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }
  })

  it('an agent with api.token refuses /mcp without it (401) and with a wrong one, and answers with it', async () => {
    expect((await post(JSON.stringify(initialize))).status).toBe(401)
    expect((await post(JSON.stringify(initialize), 'wrong-token-wrong-token')).status).toBe(401)
    expect((await post(JSON.stringify(initialize), TOKEN)).status).toBe(200)
    const client = await httpClient(po2026.api, TOKEN)
    const r = await call(client, 'fleet_status')
    expect(r.isError).toBe(false)
    expect(r.structured.self).toBe('myia-po-2026')
    await client.close()
  })

  it('gpufleet mcp passes --token; without it the tool says 401 and what to set', async () => {
    const withToken = await stdioClient(po2026.api, ['--token', TOKEN])
    expect((await call(withToken.client, 'fleet_status')).structured.self).toBe('myia-po-2026')
    await withToken.client.close()
    const without = await stdioClient(po2026.api)
    const r = await call(without.client, 'fleet_status')
    expect(r.isError).toBe(true)
    expect(r.text).toMatch(/401.*GPUFLEET_TOKEN or --token/)
    await without.client.close()
  })

  it('malformed bodies at /mcp get JSON-RPC errors, not a crash', async () => {
    const garbage = await post('{not json', TOKEN)
    expect(garbage.status).toBe(400)
    expect(((await garbage.json()) as { error: { code: number } }).error.code).toBe(-32700)
    expect((await fetch(`${po2026.api}/mcp`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405)
    expect((await post(JSON.stringify(initialize), TOKEN)).status).toBe(200)
  })
})

/** A loopback port nobody listens on: bound, then released. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

describe('DNS rebinding', () => {
  /** A raw request, so the Host header can be what a rebound web page would send. */
  const raw = async (headers: Record<string, string>): Promise<number> => await new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })
    const url = new URL('/mcp', ai01.api)
    const req = request({ host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, res => { res.resume(); resolve(res.statusCode ?? 0) })
    req.on('error', reject)
    req.end(body)
  })

  it('an agent without a token answers /mcp only to requests naming it by a loopback address', async () => {
    const port = new URL(ai01.api).port
    expect(await raw({ host: `evil.example:${port}` })).toBe(403)
    expect(await raw({ host: `127.0.0.1:${port}`, origin: 'http://evil.example' })).toBe(403)
    expect(await raw({ host: `localhost:${port}`, origin: 'http://localhost:6274' })).toBe(200)
    expect(await raw({ host: `127.0.0.1:${port}` })).toBe(200)
  })
})

describe('GET /api/catalog, what the tools size models with', () => {
  it('is the agent\'s catalog and policy, valid against docs/schemas/catalog.schema.json, with no secret in it', async () => {
    const doc = await getJson<{ schema: string, models: Array<{ name: string }>, policy: { reserve: number, exclude: unknown[] } }>(po2026, '/api/catalog', TOKEN)
    const ajv = new Ajv2020({ strict: false })
    addFormats.default(ajv)
    const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'docs/schemas/catalog.schema.json'), 'utf8')) as object)
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true)
    expect(doc.models.map(m => m.name)).toContain('mixtral:8x7b')
    expect(doc.policy).toMatchObject({ reserve: 2 * GiB, exclude: [{ match: { computeCapability: '>=12.0' }, reason: 'CUDA build of the backend has no sm_120 kernels' }] })
    expect(JSON.stringify(doc)).not.toContain(TOKEN)
    expect(JSON.stringify(doc)).not.toContain('apiKeyEnv')
  })
})

describe('gpufleet mcp without an agent', { timeout: 20_000 }, () => {
  it('keeps serving and answers each tool call with the one-line reason; a model given by its size is still estimated', async () => {
    const port = await closedPort()
    const { client } = await stdioClient(`http://127.0.0.1:${port}`)
    const r = await call(client, 'fleet_status')
    expect(r.isError).toBe(true)
    expect(r.text).toBe(`no agent at http://127.0.0.1:${port}/ (ECONNREFUSED)`)
    const estimate = await call(client, 'estimate', { params: '8B', quantization: 'Q4_K_M' })
    expect(estimate.isError).toBe(false)
    expect(estimate.text).toMatch(/^8B params Q4_K_M: /)
    await client.close()
  })

  it('a bad --api is a usage error (exit 2)', async () => {
    const code = await new Promise<number | null>(resolve => { spawn(process.execPath, [bin, 'mcp', '--api', 'not a url'], { stdio: 'ignore' }).on('close', resolve) })
    expect(code).toBe(2)
  })

  it('a line on stdin that is not JSON-RPC is reported on stderr, and the next request is answered', async () => {
    const p = spawn(process.execPath, [bin, 'mcp', '--api', `http://127.0.0.1:${await closedPort()}`], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', (d: Buffer) => { out += d.toString() })
    p.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const exited = new Promise<number | null>(resolve => p.on('close', resolve))
    p.stdin.end(['{not json', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }), ''].join('\n'))
    expect(await exited).toBe(0)
    expect(err).toMatch(/^gpufleet mcp: .*JSON/m)
    expect(JSON.parse(out.trim().split('\n')[0]!)).toMatchObject({ id: 1, result: { serverInfo: { name: 'gpufleet' } } })
  })
})
