import { execFile } from 'node:child_process'
import { request } from 'node:http'
import { promisify } from 'node:util'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StatusDocument } from '@gpufleet/core'
import { Fleet, bin, copyHardware, type FleetNode } from '../cluster/harness.js'
import { OpenAiStandIn } from '../support/ollama-standin.js'

const KEY = 'sk-test-9f8e7d6c5b4a39281706f5e4d3c2b1a0'
// A catalog where analysis fits nowhere (mixtral on a 24 GiB card): it goes to the cloud everywhere.
const SHARED = `models:
  - { name: "qwen2.5-coder:1.5b", params: 1.5B, quantization: Q4_K_M, roles: [code, chat], quality: 4 }
  - { name: "llama3.1:8b", params: 8B, quantization: Q4_K_M, roles: [chat], quality: 6 }
  - { name: "mixtral:8x7b", params: 46.7B, activeParams: 12.9B, quantization: Q4_K_M, roles: [analysis], quality: 8 }
policy:
  allowPeer: true
  exclude:
    - match: { computeCapability: ">=12.0" }
      reason: "CUDA build of the backend has no sm_120 kernels"
ollama: { apply: false }
gateway: { connectTimeout: 1s, breakerCoolDown: 60s }`

describe('the gateway: one OpenAI-compatible endpoint, local → peer → cloud', () => {
  let fleet: Fleet
  const ollama = new OpenAiStandIn({ name: 'ollama-ai01', chunkDelayMs: 25 })
  const cloud = new OpenAiStandIn({ name: 'cloud', requireKey: KEY })
  let ai01: FleetNode
  let web1: FleetNode
  const client = (node: FleetNode): OpenAI => new OpenAI({ baseURL: `${node.api}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 })

  beforeAll(async () => {
    await ollama.start()
    await cloud.start()
    fleet = await Fleet.create([
      { name: 'myia-ai-01', role: 'coordinator', priority: 100, config: `ollama: { host: "${ollama.url}" }` },
      // No Ollama on web1: port 9 (discard) is closed on loopback.
      { name: 'myia-web1', role: 'worker', config: 'ollama: { host: "http://127.0.0.1:9" }' }
    ], { shared: `${SHARED}\ncloud:\n  - { name: testcloud, baseUrl: "${cloud.url}/v1", apiKeyEnv: GPUFLEET_TEST_CLOUD_KEY, models: { chat: cloud-chat, code: cloud-code, analysis: cloud-analysis } }` })
    // myia-ai-01's simulated hardware, with its Ollama reachable at the stand-in (peers route to it).
    fleet.node('myia-ai-01').spec.hardware = copyHardware(fleet, 'myia-ai-01', 'ai01-ollama', { ollama: { reachable: true, host: ollama.url, version: '0.12.6', models: [] } })
    fleet.env = { GPUFLEET_TEST_CLOUD_KEY: KEY }
    fleet.startAll()
    ;[ai01, web1] = [fleet.node('myia-ai-01'), fleet.node('myia-web1')]
    await fleet.waitFor(fleet.nodes, s => s.hosts.filter(h => h.online !== false).length === 2 && s.plan?.routes.some(r => r.host === 'myia-web1' && r.target.kind === 'peer') === true, 'both hosts and a plan with peer routes', 30_000)
  }, 45_000)

  afterAll(async () => {
    await fleet?.destroy()
    await ollama.stop()
    await cloud.stop()
  })

  it('lists the roles and the catalog models', async () => {
    const ids = (await client(ai01).models.list()).data.map(m => m.id)
    expect(ids).toEqual(['analysis', 'chat', 'code', 'llama3.1:8b', 'mixtral:8x7b', 'qwen2.5-coder:1.5b'])
  })

  it('a role the plan serves locally goes to this host\'s Ollama (the tag with the catalog context); an unplaced one to the cloud with its key', async () => {
    const local = await client(ai01).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hello there' }] }).withResponse()
    expect(local.response.headers.get('x-gpufleet-target')).toBe('local:llama3.1:8b')
    expect(local.data.choices[0]?.message.content).toBe('ollama-ai01 says: hello there')
    // Named as the model derived with the catalog's context length (Ollama's /v1 ignores options.num_ctx).
    expect(ollama.seen.at(-1)?.body?.model).toBe('llama3.1:8b-ctx8192')
    expect(ollama.created.get('llama3.1:8b-ctx8192')).toEqual({ from: 'llama3.1:8b', numCtx: 8192 })
    expect(ollama.seen.at(-1)?.headers.authorization).toBeUndefined()

    const remote = await client(ai01).chat.completions.create({ model: 'analysis', messages: [{ role: 'user', content: 'think' }] }).withResponse()
    expect(remote.response.headers.get('x-gpufleet-target')).toBe('cloud:testcloud:cloud-analysis')
    expect(cloud.seen.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(cloud.seen.at(-1)?.body?.model).toBe('cloud-analysis')
    expect(remote.data.usage?.completion_tokens).toBeGreaterThan(0)
  })

  it('explains the chain it would try: GET /api/route and gpufleet route --json (gpufleet.route/v1)', async () => {
    const res = await fetch(`${web1.api}/api/route?role=chat`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      schema: 'gpufleet.route/v1', host: 'myia-web1', role: 'chat', profile: 'default',
      targets: [
        { label: 'local:llama3.1:8b', kind: 'local', usable: false, reason: 'not in plan' },
        { label: 'peer:myia-ai-01:llama3.1:8b', kind: 'peer', usable: true, reason: null },
        { label: 'peer:myia-ai-01:qwen2.5-coder:1.5b', kind: 'peer', usable: true, reason: null },
        { label: 'cloud:testcloud:cloud-chat', kind: 'cloud', usable: true, reason: null }
      ]
    })
    // Three CLI processes: each starts Node and loads the CLI (seconds on a loaded machine).
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'route', '--role', 'claude-sonnet-4-5', '--api', ai01.api, '--json'])
    const doc = JSON.parse(stdout) as { role: string, targets: Array<{ label: string, usable: boolean }> }
    expect(doc.role).toBe('code')
    expect(doc.targets[0]).toMatchObject({ label: 'local:qwen2.5-coder:1.5b', usable: true })
    const human = await promisify(execFile)(process.execPath, [bin, 'route', '--role', 'chat', '--api', web1.api])
    expect(human.stdout).toContain('myia-web1: chat (profile default) → peer:myia-ai-01:llama3.1:8b')
    expect(human.stdout).toMatch(/local:llama3\.1:8b\s+local\s+no\s+not in plan/)
    const unknown = await promisify(execFile)(process.execPath, [bin, 'route', '--role', 'nope', '--api', web1.api]).catch((e: { code: number, stderr: string }) => e)
    expect(unknown).toMatchObject({ code: 2 })
    expect((unknown as { stderr: string }).stderr).toContain('no role or model "nope"')
    expect((await fetch(`${ai01.api}/api/route?role=nope`)).status).toBe(404)
    expect((await fetch(`${ai01.api}/api/route`)).status).toBe(400)
  }, 60_000)

  it('a host without a GPU sends the role to the peer the plan names, over the LAN address from the inventory', async () => {
    const res = await client(web1).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'from web1' }] }).withResponse()
    expect(res.response.headers.get('x-gpufleet-target')).toBe('peer:myia-ai-01:llama3.1:8b')
    expect(res.data.choices[0]?.message.content).toBe('ollama-ai01 says: from web1')
    // Claude Code's API the same way: the peer's Ollama (0.12) gets it translated, with the derived context model.
    const msg = await new Anthropic({ baseURL: web1.api, apiKey: 'unused', maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 32, messages: [{ role: 'user', content: 'peer please' }] }).withResponse()
    expect(msg.response.headers.get('x-gpufleet-target')).toBe('peer:myia-ai-01:qwen2.5-coder:1.5b')
    expect(msg.data.content).toEqual([{ type: 'text', text: 'ollama-ai01 says: peer please' }])
    expect(ollama.seen.at(-1)?.body?.model).toBe('qwen2.5-coder:1.5b-ctx8192')
  })

  it('streams chunk by chunk as they arrive (official openai client), and embeds', async () => {
    const words = 'one two three four five six seven eight'
    const stream = await client(ai01).chat.completions.create({ model: 'code', messages: [{ role: 'user', content: words }], stream: true, stream_options: { include_usage: true } })
    const arrivals: number[] = []
    let text = ''
    for await (const chunk of stream) {
      arrivals.push(performance.now())
      text += chunk.choices[0]?.delta.content ?? ''
    }
    expect(text).toBe(`ollama-ai01 says: ${words}`)
    // 10 words 25 ms apart upstream: relayed as they come, the first arrives long before the last.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(150)
    const emb = await client(ai01).embeddings.create({ model: 'chat', input: 'vectors' })
    expect(emb.data[0]?.embedding).toHaveLength(3)
  })

  it('an unknown model is a 404 in OpenAI\'s error shape listing what exists; bad bodies are 400 and 413', async () => {
    const err = await client(ai01).chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found')
    expect((err as Error).message).toContain('analysis, chat, code')
    expect((await fetch(`${ai01.api}/v1/chat/completions`, { method: 'POST', body: '{nope' })).status).toBe(400)
    // A declared body over gateway.maxBodyBytes is refused before it is read.
    const big = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${ai01.api}/v1/chat/completions`)
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(17 * 1024 * 1024) } }, res => { res.resume(); resolve(res.statusCode ?? 0) })
      req.on('error', reject)
      req.write('{"model":"chat","pad":"')
    })
    expect(big).toBe(413)
    expect((await fetch(`${ai01.api}/v1/chat/completions`)).status).toBe(405)
  })

  it('a client that goes away mid-stream aborts the upstream request', async () => {
    const before = ollama.aborted
    const controller = new AbortController()
    const stream = await client(ai01).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'a long answer '.repeat(20) }], stream: true }, { signal: controller.signal })
    let chunks = 0
    try {
      for await (const _chunk of stream) { if (++chunks === 2) controller.abort() }
    } catch { /* aborted */ }
    await expect.poll(() => ollama.aborted, { timeout: 5000 }).toBe(before + 1)
  })

  it('fails over before the first byte: local 5xx, then the local Ollama dying, go to the cloud; no key anywhere', async () => {
    ollama.failWith = 500
    const first = await client(ai01).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }] }).withResponse()
    expect(first.response.headers.get('x-gpufleet-target')).toBe('cloud:testcloud:cloud-chat')
    ollama.failWith = null
    await ollama.stop()
    for (let i = 0; i < 3; i++) {
      const res = await client(ai01).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'y' }] }).withResponse()
      expect(res.response.headers.get('x-gpufleet-target')).toBe('cloud:testcloud:cloud-chat')
    }
    const metrics = await (await fetch(`${ai01.api}/metrics`)).text()
    expect(metrics).toMatch(/gpufleet_gateway_failovers_total\{from_kind="local",reason="status"\} 1/)
    expect(metrics).toMatch(/gpufleet_gateway_failovers_total\{from_kind="local",reason="refused"\} [1-9]/)
    // Two failures open the circuit: later requests skip the dead Ollama without trying it.
    expect(metrics).toMatch(/gpufleet_gateway_failovers_total\{from_kind="local",reason="breaker"\} [1-9]/)
    expect(metrics).toMatch(/gpufleet_gateway_tokens_total\{role="chat",kind="cloud",via="testcloud",direction="out"\} \d+/)
    const status = await (await fetch(`${ai01.api}/api/status`)).json() as StatusDocument
    const rows = status.gateway ?? []
    expect(rows.find(r => r.role === 'chat' && r.kind === 'local')?.requests).toBeGreaterThan(0)
    expect(rows.find(r => r.role === 'chat' && r.kind === 'cloud')?.tokensOut).toBeGreaterThan(0)
    // Local first-byte times travel in the host's report (the leader's latency-high alert reads them).
    const me = status.hosts.find(h => h.hostname === 'myia-ai-01')
    expect(me?.gateway?.localRequests).toBeGreaterThan(0)
    expect(me?.gateway?.firstByteP95Ms).toBeGreaterThan(0)
    for (const text of [metrics, JSON.stringify(status), ...fleet.nodes.flatMap(n => n.log)]) expect(text).not.toContain(KEY)
  })
})
