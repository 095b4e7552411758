import { request } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StatusDocument } from '@gpufleet/core'
import { Fleet, type FleetNode } from '../cluster/harness.js'
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, count, writeTally } from './runs.js'

/** One raw HTTP exchange: fetch refuses some methods and headers a hostile client would send. */
async function send (base: URL, method: string, path: string, headers: Record<string, string>, body: Buffer | null): Promise<{ status: number, type: string, text: string }> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method, path, headers: { ...headers, ...(body === null ? {} : { 'content-length': String(body.length) }) }, timeout: 10_000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }) })
    })
    req.on('error', reject)
    req.on('timeout', () => { req.destroy(new Error(`timeout: ${method} ${path}`)) })
    req.end(body ?? undefined)
  })
}

const ROUTES = ['/', '/healthz', '/api/status', '/api/inventory', '/api/plan', '/api/alerts', '/api/summary', '/api/host', '/api/report.md', '/metrics', '/ws', '/v1/models', '/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/api/bench-models', '/v1/messages', '/v1/messages/count_tokens', '/v1/models/chat', '/api/tags', '/api/show', '/api/chat', '/api/generate', '/api/version', '/api/route', '/assets/x.js', '/index.html', '/favicon.svg']
const segment = fc.oneof(fc.constantFrom(...ROUTES), fc.constantFrom('/../../etc/passwd', '/assets/..%2f..%2fpackage.json', '/%00', '//api//status', '/api/status/', '/API/STATUS', '/assets/%2e%2e/%2e%2e/x'), fc.webPath())
const query = fc.option(fc.oneof(fc.constantFrom('?lang=fr', '?lang=de', '?lang=', '?name=myia-ai-01', '?name=%00', '?scope=self', '?scope=../'), fc.webQueryParameters().map(q => `?${q}`)), { nil: '' })
const body = fc.option(fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map(b => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 3 }).map(j => Buffer.from(JSON.stringify(j))),
  fc.record({ model: fc.oneof(fc.constantFrom('chat', 'code', 'gpt-4', '', 'qwen2.5-coder:1.5b'), fc.string(), fc.integer()), messages: fc.anything({ maxDepth: 2 }), stream: fc.boolean() }).map(j => Buffer.from(JSON.stringify(j)))
), { nil: null })
const headers = fc.record({
  authorization: fc.option(fc.oneof(fc.constant('Bearer '), fc.string({ maxLength: 40 }).map(s => `Bearer ${s.replace(/[^\x20-\x7e]/g, '')}`)), { nil: undefined }),
  'content-type': fc.option(fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', ''), { nil: undefined })
}, { requiredKeys: [] })
const ALLOWED = new Set([200, 400, 401, 404, 405, 409, 413, 502, 503])

describe(`HTTP API under ${FUZZ_RUNS} generated requests`, () => {
  let fleet: Fleet
  let node: FleetNode
  beforeAll(async () => {
    // No cloud provider: nothing the fuzzer sends can leave loopback.
    fleet = await Fleet.create([{ name: 'myia-ai-01', role: 'coordinator', priority: 100 }], { shared: 'ollama: { apply: false }\ncloud: []' })
    node = fleet.nodes[0]!
    fleet.startAll()
    await fleet.waitFor([node], s => s.plan !== null, 'a plan', 20_000)
  }, 30_000)
  afterAll(async () => { await fleet?.destroy() })

  const stable = (s: StatusDocument): string => JSON.stringify({ hosts: s.hosts.map(h => ({ ...h, collectedAt: '', lastSeen: '' })), plan: s.plan === null ? null : { ...s.plan, generatedAt: '' }, term: s.term })

  it('answers every request with a deliberate status, never a 500, stays up, and changes nothing', async () => {
    const base = new URL(node.api)
    const before = stable((await fleet.status(node))!)
    // Found by this fuzzer: `/////` was parsed as a scheme-relative URL and its exception killed the agent.
    expect((await send(base, 'GET', '/////', {}, null)).status).toBe(404)
    await fc.assert(fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'), segment, query, headers, body, async (method, path, q, h, b) => {
      const clean = Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined))
      const res = await send(base, method, `${path.startsWith('/') ? path : `/${path}`}${q}`, clean, method === 'GET' || method === 'HEAD' ? null : b)
      count(`api ${res.status}`)
      expect(ALLOWED.has(res.status), `${method} ${path}${q} → ${res.status} ${res.text.slice(0, 200)}`).toBe(true)
      if (res.type.startsWith('application/json') && method !== 'HEAD') expect(() => JSON.parse(res.text) as unknown).not.toThrow()
    }), { numRuns: FUZZ_RUNS }).catch((err: Error) => { throw new Error(`${err.message}\nagent log tail:\n${node.log.slice(-15).join('\n')}`) })
    expect(stable((await fleet.status(node))!)).toBe(before)
    expect(node.proc?.exitCode).toBeNull()
  }, FUZZ_TIMEOUT_MS + 20_000)
})

afterAll(writeTally)
