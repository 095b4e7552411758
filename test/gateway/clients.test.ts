import Anthropic from '@anthropic-ai/sdk'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Fleet, copyHardware, type FleetNode } from '../cluster/harness.js'
import { OpenAiStandIn } from '../support/ollama-standin.js'

const KEY = 'sk-second-0123456789abcdef'
const BURST = 200
const SHARED = `models:
  - { name: "qwen2.5-coder:1.5b", params: 1.5B, quantization: Q4_K_M, contextLength: 32768, roles: [code, chat], quality: 4 }
ollama: { apply: false }
gateway: { connectTimeout: 1s }`

/**
 * Real clients on the other routes: the ollama JS client on the gateway's Ollama API (Roo's and
 * Continue's Ollama providers), the openai SDK on cloud chains (a provider without a key skipped,
 * a 429 passed on), and 200 streams at once.
 */
describe('Ollama\'s API, cloud chains and concurrency through the gateway', () => {
  let fleet: Fleet
  let node: FleetNode
  const ollama = new OpenAiStandIn({ name: 'ollama', chunkDelayMs: 5 })
  const second = new OpenAiStandIn({ name: 'second', requireKey: KEY })
  const limited = new OpenAiStandIn({ name: 'limited', requireKey: KEY })
  // Holds every stream after its first chunk until BURST have started: if the gateway serialized
  // streams, the first ones would never finish and the test would time out.
  const burst = new OpenAiStandIn({ name: 'burst', requireKey: KEY, holdStreamsUntil: BURST })
  const openai = (): OpenAI => new OpenAI({ baseURL: `${node.api}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 })

  beforeAll(async () => {
    for (const s of [ollama, second, limited, burst]) await s.start()
    const provider = (name: string, url: string, env: string, models: string): string => `  - { name: ${name}, baseUrl: "${url}/v1", apiKeyEnv: ${env}, models: { ${models} } }`
    fleet = await Fleet.create([{ name: 'myia-ai-01', role: 'coordinator', priority: 100, config: `ollama: { host: "${ollama.url}" }` }], {
      shared: [SHARED, 'cloud:',
        provider('zai', 'http://127.0.0.1:9', 'GPUFLEET_TEST_UNSET_KEY', 'writing: glm-4.7, chat: glm-4.7'),
        provider('second', second.url, 'GPUFLEET_TEST_KEY', 'writing: gpt-writer, chat: gpt-chat'),
        provider('limited', limited.url, 'GPUFLEET_TEST_KEY', 'limited: gpt-limited'),
        provider('burst', burst.url, 'GPUFLEET_TEST_KEY', 'burst: gpt-burst')].join('\n')
    })
    fleet.node('myia-ai-01').spec.hardware = copyHardware(fleet, 'myia-ai-01', 'ai01-clients', { ollama: { reachable: true, host: ollama.url, version: '0.12.6', models: [] } })
    fleet.env = { GPUFLEET_TEST_KEY: KEY }
    fleet.startAll()
    node = fleet.node('myia-ai-01')
    await fleet.waitFor([node], s => s.plan?.routes.some(r => r.role === 'code' && r.target.kind === 'local') === true, 'a plan with code served locally', 30_000)
  }, 45_000)

  afterAll(async () => {
    await fleet?.destroy()
    for (const s of [ollama, second, limited, burst]) await s.stop()
  })

  it('ollama client: list, show (tools capability, context length), chat streaming with the catalog num_ctx', async () => {
    const client = new Ollama({ host: node.api })
    const names = (await client.list()).models.map(m => m.name)
    expect(names).toEqual(['burst', 'chat', 'code', 'limited', 'writing', 'qwen2.5-coder:1.5b'])
    const shown = await client.show({ model: 'code' })
    expect(shown.capabilities).toContain('tools')
    expect((shown.model_info as unknown as Record<string, unknown>)['gpufleet.context_length']).toBe(32768)
    expect((await client.version()).version).toMatch(/^0\.\d+/)

    const stream = await client.chat({ model: 'code', messages: [{ role: 'user', content: 'one two three' }], stream: true })
    let text = ''
    let parts = 0
    for await (const part of stream) { text += part.message.content; parts++ }
    expect(text).toBe('ollama says: one two three')
    expect(parts).toBeGreaterThan(3)
    const sent = ollama.seen.filter(r => r.path === '/api/chat').at(-1)
    expect(sent?.body?.model).toBe('qwen2.5-coder:1.5b-ctx32768')
    expect(sent?.body?.options).toMatchObject({ num_ctx: 32768 })

    const generated = await client.generate({ model: 'code', prompt: 'complete', stream: false, options: { temperature: 0 } })
    expect(generated.done).toBe(true)
    const gen = ollama.seen.filter(r => r.path === '/api/generate').at(-1)
    expect(gen?.body).toMatchObject({ model: 'qwen2.5-coder:1.5b-ctx32768', options: { temperature: 0, num_ctx: 32768 } })
  })

  it('ollama client to a cloud-only role: translated to OpenAI and back to NDJSON, the keyless provider skipped', async () => {
    const client = new Ollama({ host: node.api })
    const stream = await client.chat({ model: 'writing', messages: [{ role: 'user', content: 'a poem' }], stream: true })
    let text = ''
    let done = false
    for await (const part of stream) { text += part.message.content; done ||= part.done }
    expect(text).toBe('second says: a poem')
    expect(done).toBe(true)
    const once = await client.chat({ model: 'writing', messages: [{ role: 'user', content: 'short' }], stream: false })
    expect(once.message.content).toBe('second says: short')
    const gen = await client.generate({ model: 'writing', prompt: 'complete me', stream: false })
    expect(gen.response).toBe('second says: complete me')
  })

  it('openai SDK: no key for the first provider, the second answers; /v1/models carries context lengths; GET /v1/models/{id}', async () => {
    const res = await openai().chat.completions.create({ model: 'writing', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    expect(res.response.headers.get('x-gpufleet-target')).toBe('cloud:second:gpt-writer')
    expect(res.data.choices[0]?.message.content).toBe('second says: hi')
    const models = await openai().models.list()
    expect(models.data.find(m => m.id === 'code')).toMatchObject({ context_length: 32768 })
    expect(await openai().models.retrieve('qwen2.5-coder:1.5b')).toMatchObject({ id: 'qwen2.5-coder:1.5b', context_length: 32768 })
    expect(await openai().models.retrieve('code').catch((e: unknown) => e)).toMatchObject({ id: 'code' })
    expect(await openai().models.retrieve('gpt-9').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError)
  })

  it('Anthropic SDK to an OpenAI cloud provider: translated, the keyless provider skipped', async () => {
    const anthropic = new Anthropic({ baseURL: node.api, apiKey: 'unused-on-loopback', maxRetries: 0 })
    const { data, response } = await anthropic.messages.create({ model: 'writing', max_tokens: 64, messages: [{ role: 'user', content: 'cloud please' }] }).withResponse()
    expect(response.headers.get('x-gpufleet-target')).toBe('cloud:second:gpt-writer')
    expect(data.content).toEqual([{ type: 'text', text: 'second says: cloud please' }])
    expect(second.seen.at(-1)).toMatchObject({ path: '/v1/chat/completions', body: { model: 'gpt-writer', max_tokens: 64 } })
  })

  it('openai SDK: a 429 reaches the client with retry-after and rate-limit headers and counts as an error; no messages is a 400', async () => {
    limited.failWith = 429
    limited.failHeaders = { 'retry-after': '14', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '14s' }
    const err = await openai().chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    const headers = (err as InstanceType<typeof OpenAI.RateLimitError>).headers
    expect(headers?.get('retry-after')).toBe('14')
    expect(headers?.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(headers?.get('x-gpufleet-target')).toBe('cloud:limited:gpt-limited')
    const metrics = await (await fetch(`${node.api}/metrics`)).text()
    expect(metrics).toMatch(/gpufleet_gateway_requests_total\{role="limited",kind="cloud",via="limited",outcome="rate_limited"\} 1/)

    const bad = await openai().chat.completions.create({ model: 'chat' } as never).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError)
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages')
  })

  it(`${BURST} concurrent streams all start: none waits for another to finish`, async () => {
    const client = openai()
    const results = await Promise.all(Array.from({ length: BURST }, async (_, i) => {
      const stream = await client.chat.completions.create({ model: 'burst', messages: [{ role: 'user', content: `n${i}` }], stream: true })
      let text = ''
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      return text
    }))
    expect(results.filter((t, i) => t === `burst says: n${i}`)).toHaveLength(BURST)
    expect(burst.streamsStarted).toBe(BURST)
    expect(await (await fetch(`${node.api}/metrics`)).text()).toMatch(/gpufleet_gateway_waiting_streams/)
  }, 60_000)
})
