import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Anthropic from '@anthropic-ai/sdk'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { byName, renderAlert, type Alert, type RouteDocument, type StatusDocument, type UsageDocumentJson } from '@gpufleet/core'
import { Fleet, bin, copyHardware, type FleetNode } from '../cluster/harness.js'
import { chromiumMissing, launchChromium } from '../dashboard/chromium.js'
import { describeIfPresent } from '../support/prerequisite.js'
import { OpenAiStandIn } from '../support/ollama-standin.js'
import { ANTHROPIC_USAGE, OPENAI_USAGE, PricedCloudStandIn } from '../support/priced-cloud-standin.js'

const OAI_KEY = 'sk-oai-test-0123456789abcdef'
const ANTH_KEY = 'sk-ant-test-0123456789abcdef'

interface Tokens { uncached: number, cacheRead: number, cacheWrite: number, output: number }
interface Tally { host: string, provider: string, tokens: Tokens, costNano: number, savingsNano: number, error: boolean }

// Prices as the test's config sets them, in nano-dollars per token ($ per million × 1000), to tally by hand.
const OAI_CODE = { input: 1250, cacheRead: 125, cacheWrite: 0, output: 10_000 }
const ANTH = { input: 3000, cacheRead: 300, cacheWrite: 3750, output: 15_000 }
const OAI_CHAT = { input: 400, cacheRead: 100, cacheWrite: 0, output: 1600 }
const nano = (t: Tokens, p: typeof ANTH): number => t.uncached * p.input + t.cacheRead * p.cacheRead + t.cacheWrite * p.cacheWrite + t.output * p.output
const OAI_TOKENS: Tokens = { uncached: OPENAI_USAGE.prompt_tokens - OPENAI_USAGE.prompt_tokens_details.cached_tokens, cacheRead: OPENAI_USAGE.prompt_tokens_details.cached_tokens, cacheWrite: 0, output: OPENAI_USAGE.completion_tokens }
const ANTH_TOKENS: Tokens = { uncached: ANTHROPIC_USAGE.input_tokens, cacheRead: ANTHROPIC_USAGE.cache_read_input_tokens, cacheWrite: ANTHROPIC_USAGE.cache_creation_input_tokens, output: ANTHROPIC_USAGE.output_tokens }
const NONE: Tokens = { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 }

const SHARED = (oai: string, anth: string): string => `models:
  - { name: "qwen2.5-coder:1.5b", params: 1.5B, quantization: Q4_K_M, roles: [chat], quality: 4 }
policy: { allowPeer: true }
ollama: { apply: false }
gateway: { connectTimeout: 1s }
cloud:
  - { name: oai, baseUrl: "${oai}/v1", apiKeyEnv: GPUFLEET_TEST_OAI_KEY, models: { chat: oai-chat, code: oai-code } }
  - { name: anth, baseUrl: "${anth}", api: anthropic, apiKeyEnv: GPUFLEET_TEST_ANTH_KEY, models: { code: anth-code, analysis: anth-analysis } }
routing:
  quotas: { oai: { requests: 2, window: 20s } }
  prices:
    oai:
      oai-chat: { input: 0.4, cacheRead: 0.1, cacheWrite: 0, output: 1.6, date: "2026-11-01" }
      oai-code: { input: 1.25, cacheRead: 0.125, cacheWrite: 0, output: 10, date: "2026-11-01" }
    anth:
      anth-code: { input: 3, cacheRead: 0.3, cacheWrite: 3.75, output: 15, date: "2026-11-02" }
      anth-analysis: { input: 3, cacheRead: 0.3, cacheWrite: 3.75, output: 15, date: "2026-11-02" }
  ledger: { gossipEvery: 300ms }`

const sum = (rows: Tally[]): { requests: number, errors: number, tokens: Tokens, costNano: number, savingsNano: number } => rows.reduce((a, r) => ({
  requests: a.requests + 1,
  errors: a.errors + (r.error ? 1 : 0),
  tokens: { uncached: a.tokens.uncached + r.tokens.uncached, cacheRead: a.tokens.cacheRead + r.tokens.cacheRead, cacheWrite: a.tokens.cacheWrite + r.tokens.cacheWrite, output: a.tokens.output + r.tokens.output },
  costNano: a.costNano + r.costNano,
  savingsNano: a.savingsNano + r.savingsNano
}), { requests: 0, errors: 0, tokens: NONE, costNano: 0, savingsNano: 0 })

/**
 * Three agents, an Ollama and two paid clouds (OpenAI- and Anthropic-compatible, both reporting
 * cache tokens): a scripted mix of requests over every route and API, tallied here by hand. The
 * ledger of every node (fleet totals, by gossip), `gpufleet usage` and /metrics must agree with the
 * tally to the token and the nano-dollar; a provider over its quota is skipped until its window
 * passes; a 429 makes the provider skipped until its retry-after; a restart loses nothing.
 */
describe('the ledger: cost and savings of a scripted day, across a fleet', () => {
  let fleet: Fleet
  const ollama = new OpenAiStandIn({ name: 'ollama-ai01' })
  const oai = new PricedCloudStandIn('openai', OAI_KEY)
  const anth = new PricedCloudStandIn('anthropic', ANTH_KEY)
  let ai01: FleetNode
  let web1: FleetNode
  let web2: FleetNode
  const tally: Tally[] = []
  const openai = (node: FleetNode): OpenAI => new OpenAI({ baseURL: `${node.api}/v1`, apiKey: 'unused', maxRetries: 0 })
  const anthropic = (node: FleetNode): Anthropic => new Anthropic({ baseURL: node.api, apiKey: 'unused', maxRetries: 0 })
  const route = async (node: FleetNode, role: string): Promise<RouteDocument> => await (await fetch(`${node.api}/api/route?role=${role}`)).json() as RouteDocument
  const usage = async (node: FleetNode, query = ''): Promise<UsageDocumentJson> => await (await fetch(`${node.api}/api/usage?since=1d${query}`)).json() as UsageDocumentJson
  const local = (host: string, tokens: Tokens): Tally => ({ host, provider: 'peer', tokens, costNano: 0, savingsNano: nano(tokens, OAI_CHAT), error: false })

  beforeAll(async () => {
    await Promise.all([ollama.start(), oai.start(), anth.start()])
    fleet = await Fleet.create([
      { name: 'myia-ai-01', role: 'coordinator', priority: 100, config: `ollama: { host: "${ollama.url}" }` },
      { name: 'myia-web1', role: 'worker', config: 'ollama: { host: "http://127.0.0.1:9" }' },
      { name: 'myia-web2', role: 'worker', config: 'ollama: { host: "http://127.0.0.1:9" }' }
    ], { shared: SHARED(oai.url, anth.url) })
    fleet.node('myia-ai-01').spec.hardware = copyHardware(fleet, 'myia-ai-01', 'ai01-ollama', { ollama: { reachable: true, host: ollama.url, version: '0.12.6', models: [] } })
    fleet.node('myia-web2').spec.hardware = copyHardware(fleet, 'myia-web1', 'web2', { hostname: 'myia-web2' })
    fleet.env = { GPUFLEET_TEST_OAI_KEY: OAI_KEY, GPUFLEET_TEST_ANTH_KEY: ANTH_KEY }
    fleet.startAll()
    ;[ai01, web1, web2] = [fleet.node('myia-ai-01'), fleet.node('myia-web1'), fleet.node('myia-web2')]
    await fleet.waitFor(fleet.nodes, s => s.hosts.filter(h => h.online !== false).length === 3 && s.plan?.routes.filter(r => r.role === 'chat' && r.target.kind === 'peer').length === 2, 'three hosts and a plan with peer routes', 30_000)
  }, 45_000)

  afterAll(async () => {
    await fleet?.destroy()
    await Promise.all([ollama.stop(), oai.stop(), anth.stop()])
  })

  it('runs the script over every route: local, peer, two clouds, three APIs, streams with and without usage asked', async () => {
    // Local, JSON: the Ollama stand-in counts words (3 in, 5 out: "ollama-ai01 says: hello there friend").
    const a = await openai(ai01).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hello there friend' }] }).withResponse()
    expect(a.response.headers.get('x-gpufleet-target')).toBe('local:qwen2.5-coder:1.5b')
    tally.push({ ...local('myia-ai-01', { uncached: 3, cacheRead: 0, cacheWrite: 0, output: 5 }), provider: 'local' })
    // Local, streamed without include_usage: the gateway asks for usage and hides it from the client again.
    const chunks: Array<{ usage?: unknown }> = []
    for await (const c of await openai(ai01).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hello there friend' }], stream: true })) chunks.push(c)
    expect(ollama.seen.at(-1)?.body?.stream_options).toEqual({ include_usage: true })
    expect(chunks.filter(c => c.usage !== undefined && c.usage !== null)).toEqual([])
    tally.push({ ...local('myia-ai-01', { uncached: 3, cacheRead: 0, cacheWrite: 0, output: 5 }), provider: 'local' })
    // Peer, through Ollama's own API (native counters: 5 prompt, "ollama-ai01 says: hi from web1" = 5 out).
    const peer = await new Ollama({ host: web1.api }).chat({ model: 'chat', messages: [{ role: 'user', content: 'hi from web1' }], stream: false })
    expect(peer.eval_count).toBe(5)
    tally.push(local('myia-web1', { uncached: 5, cacheRead: 0, cacheWrite: 0, output: 5 }))
    // Cloud, Anthropic Messages translated to the OpenAI-compatible provider: cached tokens kept apart.
    const m = await anthropic(web1).messages.create({ model: 'code', max_tokens: 64, messages: [{ role: 'user', content: 'write code' }] }).withResponse()
    expect(m.response.headers.get('x-gpufleet-target')).toBe('cloud:oai:oai-code')
    expect(m.data.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 1000 })
    tally.push({ host: 'myia-web1', provider: 'oai', tokens: OAI_TOKENS, costNano: nano(OAI_TOKENS, OAI_CODE), savingsNano: 0, error: false })
    // Cloud, OpenAI JSON and a stream whose client asked for usage (it keeps it).
    await openai(web2).chat.completions.create({ model: 'code', messages: [{ role: 'user', content: 'more code' }] })
    const streamed: Array<{ usage?: unknown }> = []
    for await (const c of await openai(web2).chat.completions.create({ model: 'code', messages: [{ role: 'user', content: 'more code' }], stream: true, stream_options: { include_usage: true } })) streamed.push(c)
    expect(streamed.at(-1)?.usage).toMatchObject({ prompt_tokens: 1200 })
    tally.push(...[1, 2].map(() => ({ host: 'myia-web2', provider: 'oai', tokens: OAI_TOKENS, costNano: nano(OAI_TOKENS, OAI_CODE), savingsNano: 0, error: false })))
  }, 60_000)

  it('skips a provider over its quota, says why in /api/route, and takes it back once its window passed', async () => {
    const doc = await route(web2, 'code')
    expect(doc.targets.find(t => t.label === 'cloud:oai:oai-code')).toMatchObject({ usable: false, reason: expect.stringMatching(/^over quota: 2\/2 requests in 20 s until /) as unknown })
    // Over quota here only: web1 used oai once, it still may.
    expect((await route(web1, 'code')).targets.find(t => t.label === 'cloud:oai:oai-code')?.usable).toBe(true)
    // The alert: web2's report says it reached the limit (only web2 knows its key's use); the
    // leader raises it, and every node lists it — web1's 1/2 is under the 80 % alert ratio.
    const quotaAlert = (s: StatusDocument): Alert | undefined => s.alerts.find(a => a.id === 'quota-near:myia-web2:oai')
    await fleet.waitFor(fleet.nodes, s => quotaAlert(s) !== undefined, 'the quota alert on every node', 15_000)
    const alert = quotaAlert((await fleet.status(web1))!)!
    expect(alert).toMatchObject({ rule: 'quota-near', severity: 'warning', host: 'myia-web2', detail: { code: 'quota', params: { provider: 'oai', limit: 'requests', used: 2, max: 2, windowMs: 20_000, alertAt: 0.8 } } })
    expect(renderAlert(alert, 'fr')).toMatch(/^myia-web2 : oai a atteint sa limite \(2\/2 requêtes en 20 s\) : ignoré jusqu’à 20\d\d-\d\d-\d\d \d\d:\d\d UTC$/)
    expect(renderAlert(alert, 'en')).toMatch(/^myia-web2: oai reached its limit \(2\/2 requests in 20 s\): skipped until 20\d\d-/)
    expect(((await (await fetch(`${ai01.api}/api/alerts`)).json()) as Alert[]).filter(a => a.rule === 'quota-near').map(a => a.id)).toEqual(['quota-near:myia-web2:oai'])
    // The reason is what `gpufleet route` prints on the host that is over.
    const routeOut = await promisify(execFile)(process.execPath, [bin, 'route', '--role', 'code', '--api', web2.api])
    expect(routeOut.stdout).toMatch(/cloud:oai:oai-code\s+cloud\s+no\s+over quota: 2\/2 requests in 20 s until 20\d\d-/)
    const status = await promisify(execFile)(process.execPath, [bin, 'status', '--api', web1.api])
    expect(status.stdout).toMatch(/warning\s+myia-web2: oai over its requests limit \(2\/2 requests in 20 s\): skipped until 20\d\d-/)
    const next = await anthropic(web2).messages.create({ model: 'code', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'code please' }] })
    let text = ''
    for await (const e of next) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text
    expect(text).toBe('priced answer')
    tally.push({ host: 'myia-web2', provider: 'anth', tokens: ANTH_TOKENS, costNano: nano(ANTH_TOKENS, ANTH), savingsNano: 0, error: false })
    // Time is the core's input: the window passes, and the same chain takes oai again.
    for (let i = 0; i < 600 && (await route(web2, 'code')).targets[0]?.usable !== true; i++) await new Promise(resolve => setTimeout(resolve, 100))
    // With no request in between, the alert clears everywhere once the window passed.
    await fleet.waitFor(fleet.nodes, s => quotaAlert(s) === undefined, 'the quota alert cleared on every node', 15_000)
    const again = await openai(web2).chat.completions.create({ model: 'code', messages: [{ role: 'user', content: 'after the window' }] }).withResponse()
    expect(again.response.headers.get('x-gpufleet-target')).toBe('cloud:oai:oai-code')
    tally.push({ host: 'myia-web2', provider: 'oai', tokens: OAI_TOKENS, costNano: nano(OAI_TOKENS, OAI_CODE), savingsNano: 0, error: false })
  }, 60_000)

  it('a 429 reaches the client and skips the provider until its retry-after; profiles by header and by model prefix', async () => {
    anth.rateLimitFor(120)
    await expect(anthropic(web1).messages.create({ model: 'analysis', max_tokens: 64, messages: [{ role: 'user', content: 'think' }] })).rejects.toMatchObject({ status: 429 })
    anth.clearRateLimit()
    tally.push({ host: 'myia-web1', provider: 'anth', tokens: NONE, costNano: 0, savingsNano: 0, error: true })
    expect((await route(web1, 'analysis')).targets[0]).toMatchObject({ label: 'cloud:anth:anth-analysis', usable: false, reason: expect.stringMatching(/^429 until 20\d\d-/) as unknown })
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'route', '--role', 'analysis', '--api', web1.api])
    expect(stdout).toMatch(/cloud:anth:anth-analysis\s+cloud\s+no\s+429 until 20\d\d-/)
    // web2 never had the 429: it still sends analysis to anth (streamed Messages, passed through).
    const s = await anthropic(web2).messages.create({ model: 'analysis', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'think' }] })
    for await (const _ of s) { /* drain */ }
    tally.push({ host: 'myia-web2', provider: 'anth', tokens: ANTH_TOKENS, costNano: nano(ANTH_TOKENS, ANTH), savingsNano: 0, error: false })
    // premium: dearest first (anth) — the OpenAI endpoint cannot speak to it, so oai answers.
    const premium = await openai(ai01).chat.completions.create({ model: 'code', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-gpufleet-profile': 'premium' } }).withResponse()
    expect(premium.response.headers.get('x-gpufleet-target')).toBe('cloud:oai:oai-code')
    tally.push({ host: 'myia-ai-01', provider: 'oai', tokens: OAI_TOKENS, costNano: nano(OAI_TOKENS, OAI_CODE), savingsNano: 0, error: false })
    const localOnly = await openai(web2).chat.completions.create({ model: 'local-only/chat', messages: [{ role: 'user', content: 'hello there friend' }] }).withResponse()
    expect(localOnly.response.headers.get('x-gpufleet-target')).toBe('peer:myia-ai-01:qwen2.5-coder:1.5b')
    tally.push(local('myia-web2', { uncached: 3, cacheRead: 0, cacheWrite: 0, output: 5 }))
    await expect(openai(web2).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-gpufleet-profile': 'nope' } })).rejects.toMatchObject({ status: 400 })
  }, 60_000)

  it('cached tokens stay in their bucket on every route to a cloud: Ollama\'s API (JSON, stream), Messages translated (stream), OpenAI without usage asked, Anthropic JSON', async () => {
    const oaiTally = (host: string): Tally => ({ host, provider: 'oai', tokens: OAI_TOKENS, costNano: nano(OAI_TOKENS, OAI_CODE), savingsNano: 0, error: false })
    // Hand figures: 1200 prompt tokens of which 1000 cached → 200 uncached, 1000 cache read, 80 out:
    // 200 × 1250 + 1000 × 125 + 80 × 10 000 = 1 175 000 nano-dollars a request.
    expect(nano(OAI_TOKENS, OAI_CODE)).toBe(1_175_000)
    // Ollama's API, JSON, to the OpenAI-compatible cloud (web1's oai window has passed).
    const json = await new Ollama({ host: web1.api }).chat({ model: 'code', messages: [{ role: 'user', content: 'code via ollama' }], stream: false })
    expect(json).toMatchObject({ prompt_eval_count: 1200, eval_count: 80 })
    tally.push(oaiTally('myia-web1'))
    // Ollama's API, streamed: the done line's prompt_eval_count folds the cached tokens in (Ollama has no cache field).
    let done: { prompt_eval_count?: number } = {}
    for await (const part of await new Ollama({ host: web1.api }).generate({ model: 'code', prompt: 'stream via ollama', stream: true })) if (part.done) done = part
    expect(done.prompt_eval_count).toBe(1200)
    tally.push(oaiTally('myia-web1'))
    // Messages translated to OpenAI, streamed: the client sees the cache read apart too.
    const stream = anthropic(ai01).messages.stream({ model: 'code', max_tokens: 64, messages: [{ role: 'user', content: 'stream code' }] })
    const final = await stream.finalMessage()
    expect(final.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: 80 })
    tally.push(oaiTally('myia-ai-01'))
    // OpenAI, streamed without include_usage, to the cloud: asked for, counted, hidden again.
    const seen: Array<{ usage?: unknown }> = []
    for await (const c of await openai(web2).chat.completions.create({ model: 'code', messages: [{ role: 'user', content: 'quiet stream' }], stream: true })) seen.push(c)
    expect(oai.bodies.at(-1)?.stream_options).toEqual({ include_usage: true })
    expect(seen.filter(c => c.usage !== undefined && c.usage !== null)).toEqual([])
    tally.push(oaiTally('myia-web2'))
    // Anthropic Messages JSON, passed through: cache reads and writes apart from input_tokens.
    const a = await anthropic(ai01).messages.create({ model: 'analysis', max_tokens: 64, messages: [{ role: 'user', content: 'think' }] })
    expect(a.usage).toMatchObject(ANTHROPIC_USAGE)
    tally.push({ host: 'myia-ai-01', provider: 'anth', tokens: ANTH_TOKENS, costNano: nano(ANTH_TOKENS, ANTH), savingsNano: 0, error: false })
    // By hand: 50 × 3000 + 2000 × 300 + 300 × 3750 + 40 × 15 000 = 2 475 000 nano-dollars.
    expect(nano(ANTH_TOKENS, ANTH)).toBe(2_475_000)
    // Each host's own ledger has exactly its tally's buckets (before any gossip: /api/usage?host= on the host itself).
    for (const node of fleet.nodes) {
      const own = sum(tally.filter(t => t.host === node.spec.name))
      expect((await usage(node, `&host=${node.spec.name}`)).totals).toMatchObject({ requests: own.requests, tokens: own.tokens, costUsd: own.costNano / 1e9 })
    }
  }, 60_000)

  it('every node shows the fleet totals of the tally, to the token and the nano-dollar; rows by host and provider too', async () => {
    const want = sum(tally)
    const matches = (doc: UsageDocumentJson): boolean => doc.totals.requests === want.requests && doc.totals.costUsd === want.costNano / 1e9
    for (const node of fleet.nodes) {
      let doc = await usage(node)
      for (let i = 0; i < 200 && !matches(doc); i++) { await new Promise(resolve => setTimeout(resolve, 100)); doc = await usage(node) }
      expect(doc.totals).toEqual({ requests: want.requests, errors: want.errors, tokens: want.tokens, costUsd: want.costNano / 1e9, savingsUsd: want.savingsNano / 1e9, priceDates: ['2026-11-01', '2026-11-02'] })
    }
    const byHost = await usage(web1, '&by=host')
    for (const host of ['myia-ai-01', 'myia-web1', 'myia-web2']) {
      const own = sum(tally.filter(t => t.host === host))
      expect(byHost.rows.find(r => r.key === host)).toMatchObject({ requests: own.requests, tokens: own.tokens, costUsd: own.costNano / 1e9, savingsUsd: own.savingsNano / 1e9 })
    }
    // The GPU spec document carries the same totals.
    const report = await (await fetch(`${ai01.api}/api/report.md?lang=en`)).text()
    expect(report).toContain('## Costs and savings')
    expect(report).toContain(`| **Total** | ${want.requests} | ${want.tokens.uncached.toLocaleString('en-US')} | ${want.tokens.cacheRead.toLocaleString('en-US')} | ${want.tokens.cacheWrite.toLocaleString('en-US')} | ${want.tokens.output.toLocaleString('en-US')} | $${(want.costNano / 1e9).toFixed(2)} | $${(want.savingsNano / 1e9).toFixed(2)} |`)
    expect(await (await fetch(`${web1.api}/api/report.md?lang=fr`)).text()).toContain('## Coûts et économies')
    // The file the leader writes (report.path, French by default) carries the same section, refreshed as the costs move.
    const fr = (v: number): string => v.toLocaleString('fr-FR').replace(/\u202f|\u00a0/g, ' ')
    const frUsd = (nano: number): string => `${(nano / 1e9).toFixed(2).replace('.', ',')} $`
    const frTotal = `| **Total** | ${fr(want.requests)} | ${fr(want.tokens.uncached)} | ${fr(want.tokens.cacheRead)} | ${fr(want.tokens.cacheWrite)} | ${fr(want.tokens.output)} | ${frUsd(want.costNano)} | ${frUsd(want.savingsNano)} |`
    const file = join(ai01.dir, 'GPU_SPECS.md')
    const written = (): string => (existsSync(file) ? readFileSync(file, 'utf8') : '')
    for (let i = 0; i < 200 && !written().includes(frTotal); i++) await new Promise(resolve => setTimeout(resolve, 100))
    expect(written()).toContain('## Coûts et économies')
    expect(written()).toContain(frTotal)
    // And `gpufleet report`, from the inventory and the usage the CLI fetched from a node.
    const cli = async (args: string[]): Promise<string> => (await promisify(execFile)(process.execPath, [bin, ...args])).stdout
    const files = mkdtempSync(join(tmpdir(), 'gpufleet-ledger-report-'))
    try {
      writeFileSync(join(files, 'inventory.json'), await cli(['inventory', '--api', web1.api, '--json']))
      writeFileSync(join(files, 'usage.json'), await cli(['usage', '--api', web1.api, '--since', '1d', '--by', 'provider', '--json']))
      const md = await cli(['report', '--inventory', join(files, 'inventory.json'), '--usage', join(files, 'usage.json'), '--lang', 'en'])
      expect(md).toContain('## Costs and savings')
      expect(md).toContain(`| **Total** | ${want.requests} | ${want.tokens.uncached.toLocaleString('en-US')} | ${want.tokens.cacheRead.toLocaleString('en-US')} | ${want.tokens.cacheWrite.toLocaleString('en-US')} | ${want.tokens.output.toLocaleString('en-US')} | $${(want.costNano / 1e9).toFixed(2)} | $${(want.savingsNano / 1e9).toFixed(2)} |`)
    } finally {
      rmSync(files, { recursive: true, force: true })
    }
    const byProvider = await usage(ai01, '&by=provider')
    const perProvider = new Map<string, number>()
    for (const t of tally) perProvider.set(t.provider, (perProvider.get(t.provider) ?? 0) + 1)
    expect(byProvider.rows.map(r => [r.key, r.requests])).toEqual([...perProvider].sort(([a], [b]) => byName(a, b)))
    expect(byProvider.rows.map(r => [r.key, r.requests])).toEqual([['anth', 4], ['local', 2], ['oai', 9], ['peer', 2]])
    // The CLI, asked on one node about another host.
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'usage', '--api', ai01.api, '--host', 'myia-web2', '--since', '1d', '--json'])
    const web2Doc = JSON.parse(stdout) as UsageDocumentJson
    const own = sum(tally.filter(t => t.host === 'myia-web2'))
    expect(web2Doc.schema).toBe('gpufleet.usage/v1')
    expect(web2Doc.totals).toMatchObject({ requests: own.requests, tokens: own.tokens, costUsd: own.costNano / 1e9 })
    expect(web2Doc.quotas?.find(q => q.provider === 'oai')).toMatchObject({ host: 'myia-web2', limit: 'requests', max: 2 })
  }, 60_000)

  describeIfPresent(chromiumMissing, 'the dashboard of a worker, in a real browser', () => {
    it('shows the fleet totals of the tally in its costs panel', async () => {
      const want = sum(tally)
      const browser = await launchChromium()
      try {
        const page = await browser.newPage({ locale: 'en-US' })
        await page.goto(`${web2.api}/`)
        await page.locator('[data-costs-period="d30"]').click()
        await expect.poll(async () => await page.locator('[data-testid="cost-requests"]').textContent(), { timeout: 15_000 }).toBe(want.requests.toLocaleString('en-US'))
        expect(await page.locator('[data-testid="cost-usd"]').textContent()).toBe(`$${(want.costNano / 1e9).toFixed(2)}`)
        expect(await page.locator('[data-testid="savings-usd"]').textContent()).toBe(`$${(want.savingsNano / 1e9).toFixed(2)}`)
        const tokens = want.tokens.uncached + want.tokens.cacheRead + want.tokens.cacheWrite + want.tokens.output
        expect(await page.locator('[data-testid="cost-tokens"]').textContent()).toBe(tokens.toLocaleString('en-US'))
        const oai = sum(tally.filter(r => r.provider === 'oai'))
        expect(await page.locator('[data-testid="cost-rows"] tr[data-provider="oai"] td').allTextContents()).toEqual(['oai', String(oai.requests), oai.tokens.uncached.toLocaleString('en-US'), oai.tokens.cacheRead.toLocaleString('en-US'), '0', oai.tokens.output.toLocaleString('en-US'), `$${(oai.costNano / 1e9).toFixed(2)}`, '$0.00'])
      } finally {
        await browser.close()
      }
    }, 60_000)
  })

  it('/metrics counts what each node served: cost, savings and tokens by bucket', async () => {
    for (const node of fleet.nodes) {
      const text = await (await fetch(`${node.api}/metrics`)).text()
      const total = (name: string, filter = ''): number => text.split('\n').filter(l => l.startsWith(`${name}{`) && l.includes(filter)).reduce((s, l) => s + Number(l.split(' ').at(-1)), 0)
      const own = sum(tally.filter(t => t.host === node.spec.name))
      expect(Math.round(total('gpufleet_cost_usd_total') * 100)).toBe(Math.round(own.costNano / 1e7))
      expect(total('gpufleet_cost_usd_total')).toBeCloseTo(own.costNano / 1e9, 9)
      expect(total('gpufleet_savings_usd_total')).toBeCloseTo(own.savingsNano / 1e9, 9)
      expect(total('gpufleet_tokens_total', 'kind="uncached"')).toBe(own.tokens.uncached)
      expect(total('gpufleet_tokens_total', 'kind="cache_read"')).toBe(own.tokens.cacheRead)
      expect(total('gpufleet_tokens_total', 'kind="cache_write"')).toBe(own.tokens.cacheWrite)
      expect(total('gpufleet_tokens_total', 'kind="output"')).toBe(own.tokens.output)
    }
  })

  it('a restarted agent loses no ledger entry', async () => {
    const before = await usage(web2, '&host=myia-web2')
    await fleet.kill(web2, 'SIGTERM')
    fleet.start(web2)
    let after: UsageDocumentJson | null = null
    for (let i = 0; i < 300 && after?.totals.requests !== before.totals.requests; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      after = await usage(web2, '&host=myia-web2').catch(() => null)
    }
    expect(after?.totals).toEqual(before.totals)
    expect(after?.rows).toEqual(before.rows)
  }, 60_000)

  it('serves LiteLLM-shaped model info with context sizes and per-token prices', async () => {
    for (const path of ['/v1/model/info', '/model/info']) {
      const info = await (await fetch(`${ai01.api}${path}`)).json() as { data: Array<{ model_name: string, model_info: Record<string, unknown> }> }
      expect(info.data.find(d => d.model_name === 'analysis')?.model_info).toMatchObject({ max_input_tokens: null, input_cost_per_token: 3e-6, output_cost_per_token: 15e-6, cache_read_input_token_cost: 3e-7, cache_creation_input_token_cost: 3.75e-6, litellm_provider: 'anth', price_date: '2026-11-02' })
      expect(info.data.find(d => d.model_name === 'chat')?.model_info).toMatchObject({ max_input_tokens: 8192, input_cost_per_token: 0, litellm_provider: 'ollama' })
    }
  })
})
