import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Fleet, copyHardware, type FleetNode } from '../cluster/harness.js'
import { AnthropicStandIn } from '../support/anthropic-standin.js'
import { OpenAiStandIn } from '../support/ollama-standin.js'

const KEY = 'sk-ant-test-0123456789abcdef0123456789'
const SHARED = `models:
  - { name: "qwen2.5-coder:1.5b", params: 1.5B, quantization: Q4_K_M, contextLength: 32768, roles: [code, chat], quality: 4 }
  - { name: "mixtral:8x7b", params: 46.7B, activeParams: 12.9B, quantization: Q4_K_M, roles: [analysis], quality: 8 }
ollama: { apply: false }
gateway: { connectTimeout: 1s }`

const weather = { name: 'get_weather', description: 'Current weather in a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }

/**
 * The official Anthropic SDK against an agent, with the same assertions whether the local Ollama
 * speaks Messages natively (0.14: passed through) or only OpenAI (0.12: translated both ways).
 */
describe.each([
  { mode: 'passthrough', version: '0.14.1' },
  { mode: 'translation', version: '0.12.6' }
])('Anthropic Messages through the gateway ($mode to a local Ollama $version)', ({ mode, version }) => {
  let fleet: Fleet
  let node: FleetNode
  const ollama = new OpenAiStandIn({ name: 'ollama', version, chunkDelayMs: 20 })
  const cloud = new AnthropicStandIn({ name: 'anthropic', requireKey: KEY })
  const client = (): Anthropic => new Anthropic({ baseURL: node.api, apiKey: 'any-on-loopback', maxRetries: 0 })
  const upstreamPath = mode === 'passthrough' ? '/v1/messages' : '/v1/chat/completions'

  beforeAll(async () => {
    await ollama.start()
    await cloud.start()
    fleet = await Fleet.create([{ name: 'myia-ai-01', role: 'coordinator', priority: 100, config: `ollama: { host: "${ollama.url}" }` }],
      { shared: `${SHARED}\ncloud:\n  - { name: claude, baseUrl: "${cloud.url}", api: anthropic, apiKeyEnv: GPUFLEET_TEST_ANTHROPIC_KEY, models: { analysis: claude-opus-4-1 } }` })
    fleet.node('myia-ai-01').spec.hardware = copyHardware(fleet, 'myia-ai-01', `ai01-${mode}`, { ollama: { reachable: true, host: ollama.url, version, models: [] } })
    fleet.env = { GPUFLEET_TEST_ANTHROPIC_KEY: KEY }
    fleet.startAll()
    node = fleet.node('myia-ai-01')
    await fleet.waitFor([node], s => s.plan?.routes.some(r => r.role === 'code' && r.target.kind === 'local') === true, 'a plan with code served locally', 30_000)
  }, 45_000)

  afterAll(async () => {
    await fleet?.destroy()
    await ollama.stop()
    await cloud.stop()
  })

  it('answers JSON, with the Claude model name mapped to a role and the target named', async () => {
    const { data, response } = await client().messages.create({ model: 'claude-sonnet-4-5-20250929', max_tokens: 256, messages: [{ role: 'user', content: 'hello there' }] }).withResponse()
    expect(response.headers.get('x-gpufleet-target')).toBe('local:qwen2.5-coder:1.5b')
    expect(data.type).toBe('message')
    expect(data.content).toEqual([{ type: 'text', text: 'ollama says: hello there' }])
    expect(data.stop_reason).toBe('end_turn')
    expect(data.usage.output_tokens).toBeGreaterThan(0)
    const seen = ollama.seen.filter(r => r.path === upstreamPath).at(-1)
    // The model Ollama is asked for carries the catalog's context length (derived with /api/create).
    expect(seen?.body?.model).toBe('qwen2.5-coder:1.5b-ctx32768')
    expect(ollama.created.get('qwen2.5-coder:1.5b-ctx32768')).toEqual({ from: 'qwen2.5-coder:1.5b', numCtx: 32768 })
  })

  it('streams Anthropic\'s event sequence, text arriving as deltas', async () => {
    const stream = client().messages.stream({ model: 'code', max_tokens: 256, messages: [{ role: 'user', content: 'one two three four' }] })
    const types: string[] = []
    const arrivals: number[] = []
    let text = ''
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') { text += event.delta.text; arrivals.push(performance.now()) }
    }
    // 6 words 20 ms apart upstream: relayed as they come, not gathered (a lower bound: load only widens it).
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(60)
    expect(text).toBe('ollama says: one two three four')
    expect(types[0]).toBe('message_start')
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop'])
    expect(types.filter(t => t === 'content_block_delta').length).toBeGreaterThan(3)
    expect(types).toContain('content_block_start')
    expect(types).toContain('content_block_stop')
    const final = await stream.finalMessage()
    expect(final.stop_reason).toBe('end_turn')
    expect(final.usage.output_tokens).toBeGreaterThan(0)
  })

  it('a tool-use round trip, streamed: the call arrives with its id and input, the result goes back under that id', async () => {
    const first = await client().messages.stream({ model: 'code', max_tokens: 256, tools: [weather], messages: [{ role: 'user', content: 'weather in Paris?' }] }).finalMessage()
    expect(first.stop_reason).toBe('tool_use')
    const call = first.content.find(b => b.type === 'tool_use')
    expect(call).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } })
    expect(first.content.filter(b => b.type === 'text' && b.text === '')).toEqual([])
    const id = (call as { id: string }).id
    expect(id).toMatch(/StandIn/)

    const second = await client().messages.create({
      model: 'code',
      max_tokens: 256,
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'SECRET-REASONING', signature: 'sig' }, ...first.content] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'sunny, 21 C' }] }
      ]
    })
    expect(second.content).toEqual([{ type: 'text', text: 'ollama says: sunny, 21 C' }])
    const sent = ollama.seen.filter(r => r.path === upstreamPath).at(-1)!
    if (mode === 'translation') {
      const messages = sent.body?.messages as Array<{ role: string, tool_call_id?: string, tool_calls?: Array<{ id: string, function: { name: string, arguments: string } }> }>
      expect(messages.find(m => m.role === 'assistant')?.tool_calls?.[0]).toMatchObject({ id, function: { name: 'get_weather' } })
      expect(JSON.parse(messages.find(m => m.role === 'assistant')!.tool_calls![0]!.function.arguments)).toEqual({ city: 'Paris' })
      expect(messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: id })
      // Thinking is never forwarded as text to an upstream that would read it as such.
      expect(JSON.stringify(sent.body)).not.toContain('SECRET-REASONING')
    } else {
      expect(JSON.stringify(sent.body)).toContain(id)
    }
  })

  it('a tool call without streaming has the same shape', async () => {
    const msg = await client().messages.create({ model: 'code', max_tokens: 256, tools: [weather], messages: [{ role: 'user', content: 'weather?' }] })
    expect(msg.stop_reason).toBe('tool_use')
    expect(msg.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } })])
  })

  it('count_tokens: estimated for Ollama, asked of Anthropic-native cloud targets', async () => {
    const local = await client().messages.countTokens({ model: 'code', messages: [{ role: 'user', content: 'count these words please' }] })
    expect(local.input_tokens).toBeGreaterThan(0)
    const remote = await client().messages.countTokens({ model: 'claude-opus-4-1', messages: [{ role: 'user', content: 'count' }] })
    expect(remote.input_tokens).toBe(21)
    expect(cloud.seen.at(-1)?.path).toBe('/v1/messages/count_tokens')
  })

  it('to an Anthropic cloud: passed through with its key, anthropic-version and anthropic-beta unchanged; ?beta=true accepted', async () => {
    const pinned = new Anthropic({ baseURL: node.api, apiKey: 'any-on-loopback', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
    const { data, response } = await pinned.beta.messages.create({ model: 'claude-opus-4-1', max_tokens: 64, betas: ['fine-grained-tool-streaming-2025-05-14'], messages: [{ role: 'user', content: 'deep question' }] }).withResponse()
    expect(response.headers.get('x-gpufleet-target')).toBe('cloud:claude:claude-opus-4-1')
    expect(data.content).toEqual([{ type: 'text', text: 'anthropic says: deep question' }])
    const seen = cloud.seen.at(-1)!
    expect(seen.headers['x-api-key']).toBe(KEY)
    expect(seen.headers['anthropic-version']).toBe('2023-06-01')
    expect(seen.headers['anthropic-beta']).toBe('fine-grained-tool-streaming-2025-05-14')
    expect(seen.body?.model).toBe('claude-opus-4-1')
  })

  it('a cloud 429 reaches the client with retry-after and the rate-limit headers, and counts as an error', async () => {
    cloud.rateLimited = true
    try {
      const err = await client().messages.create({ model: 'analysis', max_tokens: 64, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Anthropic.RateLimitError)
      const headers = (err as InstanceType<typeof Anthropic.RateLimitError>).headers
      expect(headers.get('retry-after')).toBe('14')
      expect(headers.get('anthropic-ratelimit-requests-remaining')).toBe('0')
      expect(headers.get('x-gpufleet-target')).toBe('cloud:claude:claude-opus-4-1')
    } finally {
      cloud.rateLimited = false
    }
    const metrics = await (await fetch(`${node.api}/metrics`)).text()
    expect(metrics).toMatch(/gpufleet_gateway_requests_total\{role="analysis",kind="cloud",via="claude",outcome="rate_limited"\} 1/)
  })

  it('errors in Anthropic\'s shape: unknown model 404, malformed body 400', async () => {
    const err = await client().messages.create({ model: 'gpt-9', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.NotFoundError)
    const bad = await fetch(`${node.api}/v1/messages?beta=true`, { method: 'POST', body: '{"model":"code"}', headers: { 'content-type': 'application/json' } })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  })
})
