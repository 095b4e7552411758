import { describe, expect, it } from 'vitest'
import { breakerAllows, breakerRecord, closedBreaker, contextModelName, explainRoute, loadConfig, mapModelName, peerOllamaUrl, resolveTargets, routeDocument, type FleetConfig, type Plan } from '../src/index.js'

const YAML = `
ollama: { host: "http://127.0.0.1:11434/" }
models:
  - { name: small, params: 1.5B, quantization: Q4_K_M, roles: [chat, fast], quality: 3 }
  - { name: big, params: 8B, quantization: Q4_K_M, roles: [chat, code], quality: 7 }
cloud:
  - { name: zai, baseUrl: "https://api.z.ai/api/paas/v4/", apiKeyEnv: ZAI_API_KEY, models: { chat: glm-4.7, code: glm-4.7 } }
  - { name: openai, baseUrl: "https://api.openai.com/v1", apiKeyEnv: OPENAI_API_KEY, models: { fast: gpt-4o-mini } }
`
function config (extra = ''): FleetConfig {
  return loadConfig([{ path: 'test.yaml', text: YAML + extra }])
}

const plan: Plan = {
  schema: 'gpufleet.plan/v1', term: 5, generatedAt: '2026-11-22T10:00:00.000Z',
  assignments: [
    { model: 'big', host: 'ai-01', gpus: [1], vramBytes: 6e9, roles: ['chat', 'code'] },
    { model: 'small', host: 'ai-01', gpus: [1], vramBytes: 2e9, roles: ['chat', 'fast'] },
    { model: 'small', host: 'po-2024', gpus: [0], vramBytes: 2e9, roles: ['chat', 'fast'] }
  ],
  routes: [
    { host: 'ai-01', role: 'chat', target: { kind: 'local', model: 'big' } },
    { host: 'web1', role: 'chat', target: { kind: 'cloud', provider: 'zai', model: 'glm-4.7' } },
    { host: 'web1', role: 'fast', target: { kind: 'cloud', provider: 'openai', model: 'gpt-4o-mini' } }
  ],
  excluded: [],
  unplaced: []
}
const peers = new Map([['ai-01', 'http://192.168.1.10:11434/v1'], ['po-2024', 'http://192.168.1.24:11434/v1']])
const labels = (r: ReturnType<typeof resolveTargets>): string[] => (r.ok ? r.targets.map(t => t.label) : [])

describe('gateway targets', () => {
  it('a role follows the plan: local first, then the cloud provider for that role', () => {
    const r = resolveTargets({ requested: 'chat', self: 'ai-01', plan, config: config(), peerOllama: peers })
    expect(labels(r)).toEqual(['local:big', 'cloud:zai:glm-4.7'])
    expect(r.ok && r.targets[0]).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'big' })
    expect(r.ok && r.targets[1]).toMatchObject({ baseUrl: 'https://api.z.ai/api/paas/v4', apiKeyEnv: 'ZAI_API_KEY' })
  })

  it('a host the plan sends to the cloud gets the cloud only; peers only when the policy allows them', () => {
    expect(labels(resolveTargets({ requested: 'fast', self: 'web1', plan, config: config(), peerOllama: peers }))).toEqual(['cloud:openai:gpt-4o-mini'])
    const withPeers = resolveTargets({ requested: 'chat', self: 'web1', plan, config: config('policy: { allowPeer: true }\n'), peerOllama: peers })
    expect(labels(withPeers)).toEqual(['peer:ai-01:big', 'peer:ai-01:small', 'peer:po-2024:small', 'cloud:zai:glm-4.7'])
  })

  it('a catalog model by name goes where the plan put it, else to the cloud model of its role', () => {
    // small serves chat (zai) and fast (openai): every provider with a model for one of its roles, in config order.
    expect(labels(resolveTargets({ requested: 'small', self: 'ai-01', plan, config: config(), peerOllama: peers }))).toEqual(['local:small', 'cloud:zai:glm-4.7', 'cloud:openai:gpt-4o-mini'])
    expect(labels(resolveTargets({ requested: 'big', self: 'po-2024', plan, config: config(), peerOllama: peers }))).toEqual(['cloud:zai:glm-4.7'])
  })

  it('an unknown name lists what exists; no plan yet means the cloud', () => {
    expect(resolveTargets({ requested: 'gpt-5', self: 'ai-01', plan, config: config(), peerOllama: peers })).toEqual({ ok: false, available: ['chat', 'code', 'fast', 'big', 'small'] })
    expect(labels(resolveTargets({ requested: 'code', self: 'ai-01', plan: null, config: config(), peerOllama: peers }))).toEqual(['cloud:zai:glm-4.7'])
  })

  it('a peer\'s loopback Ollama address is replaced by the address the peer is reachable at', () => {
    expect(peerOllamaUrl('http://127.0.0.1:11434', ['/ip4/127.0.0.1/tcp/7701/p2p/x', '/ip4/192.168.1.24/tcp/7701/p2p/x'])).toBe('http://192.168.1.24:11434/v1')
    expect(peerOllamaUrl('http://0.0.0.0:11434/', ['/ip4/127.0.0.1/tcp/7701'])).toBe('http://127.0.0.1:11434/v1')
    expect(peerOllamaUrl('http://gpu-box.lan:11434', [])).toBe('http://gpu-box.lan:11434/v1')
    expect(peerOllamaUrl('http://localhost:11434', [])).toBeNull()
    expect(peerOllamaUrl('not a url', [])).toBeNull()
    expect(peerOllamaUrl(undefined, [])).toBeNull()
  })
})

describe('the route chain (gpufleet route)', () => {
  const two = `  - { name: openai, baseUrl: "https://api.openai.com/v1", apiKeyEnv: OPENAI_API_KEY, models: { chat: gpt-4o, code: gpt-4o } }
  - { name: zai-anthropic, baseUrl: "https://api.z.ai/api/anthropic", api: anthropic, apiKeyEnv: ZAI_API_KEY, models: { chat: glm-4.7 } }
`
  it('every provider with a model for the role, in config order; one without a key is out and says why', () => {
    const withMore = loadConfig([{ path: 't.yaml', text: YAML.replace(/cloud:\n/, `cloud:\n${two}`) }])
    const chain = explainRoute({ requested: 'chat', self: 'web1', plan, config: withMore, peerOllama: peers, keysSet: new Set(['OPENAI_API_KEY']) })
    expect(chain.ok && chain.steps.map(s => [s.label, s.usable, s.reason])).toEqual([
      ['local:big', false, 'not in plan'],
      ['cloud:openai:gpt-4o', true, null],
      ['cloud:zai-anthropic:glm-4.7', false, 'no key: ZAI_API_KEY is not set'],
      ['cloud:zai:glm-4.7', false, 'no key: ZAI_API_KEY is not set']
    ])
    const anthropic = chain.ok ? chain.steps[2]?.target : null
    expect(anthropic).toMatchObject({ api: 'anthropic', baseUrl: 'https://api.z.ai/api/anthropic', messagesUrl: 'https://api.z.ai/api/anthropic/v1/messages' })
  })

  it('peers: offline ones are out; Ollama from 0.14 speaks Messages natively; circuits open say until when', () => {
    const c = config('policy: { allowPeer: true }\n')
    const chain = explainRoute({
      requested: 'chat', self: 'web1', plan, config: c, peerOllama: new Map([['ai-01', 'http://192.168.1.10:11434/v1']]),
      ollamaVersions: new Map([['ai-01', '0.14.2']]), keysSet: new Set(['ZAI_API_KEY']), openCircuits: new Map([['https://api.z.ai/api/paas/v4', Date.UTC(2026, 10, 22, 10, 0, 15)]])
    })
    expect(chain.ok && chain.steps.map(s => [s.label, s.usable, s.reason])).toEqual([
      ['local:big', false, 'not in plan'],
      ['peer:ai-01:big', true, null],
      ['peer:ai-01:small', true, null],
      ['peer:po-2024:small', false, 'offline'],
      ['cloud:zai:glm-4.7', false, 'circuit open until 2026-11-22T10:00:15.000Z']
    ])
    expect(chain.ok && chain.steps[1]?.target).toMatchObject({ messagesUrl: 'http://192.168.1.10:11434/v1/messages', ollama: { host: 'http://192.168.1.10:11434', contextLength: 8192 } })
  })

  it('the gpufleet.route/v1 document, and Claude model names mapped to roles', () => {
    const out = routeDocument({ requested: 'fast', self: 'web1', plan, config: config(), peerOllama: peers, keysSet: new Set() })
    expect(out).toEqual({ ok: true, document: { schema: 'gpufleet.route/v1', host: 'web1', role: 'fast', profile: 'default', targets: [{ label: 'local:small', kind: 'local', usable: false, reason: 'not in plan' }, { label: 'cloud:openai:gpt-4o-mini', kind: 'cloud', usable: false, reason: 'no key: OPENAI_API_KEY is not set' }] } })
    const c = config()
    expect(mapModelName('claude-sonnet-4-5-20250929[1m]', c)).toBe('code')
    expect(mapModelName('claude-haiku-4-5', c)).toBe('fast')
    expect(mapModelName('claude-opus-4-1', c)).toBe('analysis')
    expect(mapModelName('chat', c)).toBe('chat')
    expect(mapModelName('gpt-5', c)).toBe('gpt-5')
    expect(contextModelName('llama3.1:8b', 32768)).toBe('llama3.1:8b-ctx32768')
    expect(contextModelName('hf.co/org/model', 8192)).toBe('hf.co/org/model:latest-ctx8192')
    expect(contextModelName('localhost:5000/m', 8192)).toBe('localhost:5000/m:latest-ctx8192')
  })
})

describe('circuit breaker', () => {
  const o = { threshold: 2, coolDownMs: 1000 }
  it('opens after consecutive failures, lets one probe through after the cool-down, closes on success', () => {
    let s = breakerRecord(closedBreaker(), false, 0, o)
    expect(breakerAllows(s, 1).allowed).toBe(true)
    s = breakerRecord(s, false, 10, o)
    expect(breakerAllows(s, 500).allowed).toBe(false)
    const probe = breakerAllows(s, 1010)
    expect(probe.allowed).toBe(true)
    expect(breakerAllows(probe.state, 1011).allowed).toBe(false)
    s = breakerRecord(probe.state, false, 1020, o)
    expect(breakerAllows(s, 1500).allowed).toBe(false)
    s = breakerRecord(breakerAllows(s, 2100).state, true, 2100, o)
    expect(s).toEqual(closedBreaker())
  })
  it('a success between failures resets the count', () => {
    const s = breakerRecord(breakerRecord(breakerRecord(closedBreaker(), false, 0, o), true, 1, o), false, 2, o)
    expect(breakerAllows(s, 3).allowed).toBe(true)
  })
})
