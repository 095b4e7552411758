import { describe, expect, it } from 'vitest'
import { chainFor, explainRoute, loadConfig, priceTable, quotaStatus, requestProfile, routeDocument, type FleetConfig, type Plan, type ResolveInput } from '../src/index.js'

const YAML = `
models:
  - { name: qwen, params: 7B, quantization: Q4_K_M, roles: [code], quality: 7 }
policy: { allowPeer: true }
cloud:
  - { name: anthropic, baseUrl: "https://api.anthropic.com", api: anthropic, apiKeyEnv: ANTHROPIC_API_KEY, models: { code: claude-sonnet-4-5 } }
  - { name: zai, baseUrl: "https://api.z.ai/api/paas/v4", apiKeyEnv: ZAI_API_KEY, models: { code: glm-4.7 } }
  - { name: openai, baseUrl: "https://api.openai.com/v1", apiKeyEnv: OPENAI_API_KEY, models: { code: gpt-4.1-mini } }
`
const config = (extra = ''): FleetConfig => loadConfig([{ path: 't.yaml', text: YAML + extra }])
const plan: Plan = {
  schema: 'gpufleet.plan/v1', term: 1, generatedAt: '2026-11-30T10:00:00.000Z',
  assignments: [{ model: 'qwen', host: 'a', gpus: [0], vramBytes: 5e9, roles: ['code'] }, { model: 'qwen', host: 'b', gpus: [0], vramBytes: 5e9, roles: ['code'] }],
  routes: [{ host: 'a', role: 'code', target: { kind: 'local', model: 'qwen' } }, { host: 'c', role: 'code', target: { kind: 'peer', host: 'a', model: 'qwen' } }],
  excluded: [],
  unplaced: []
}
const keys = new Set(['ANTHROPIC_API_KEY', 'ZAI_API_KEY', 'OPENAI_API_KEY'])
const input = (over: Partial<ResolveInput> = {}): ResolveInput => ({
  requested: 'code', self: 'c', plan, config: config(), peerOllama: new Map([['a', 'http://10.0.0.1:11434/v1'], ['b', 'http://10.0.0.2:11434/v1']]), keysSet: keys, ...over
})
const table = (over: Partial<ResolveInput> = {}): string[] => {
  const r = explainRoute(input(over))
  return r.ok ? r.steps.map(s => `${s.label}${s.usable ? '' : ` ✗ ${s.reason ?? ''}`}`) : []
}

describe('routing chains and profiles', () => {
  it('keeps today\'s order by default: local, peers, every provider in config order', () => {
    expect(table()).toEqual(['local:qwen ✗ not in plan', 'peer:a:qwen', 'peer:b:qwen', 'cloud:anthropic:claude-sonnet-4-5', 'cloud:zai:glm-4.7', 'cloud:openai:gpt-4.1-mini'])
  })

  it('orders providers by price for free-first and premium, and drops the cloud for local-only', () => {
    expect(table({ profile: 'free-first' }).slice(3)).toEqual(['cloud:openai:gpt-4.1-mini', 'cloud:zai:glm-4.7', 'cloud:anthropic:claude-sonnet-4-5'])
    expect(table({ profile: 'premium' })).toEqual(['cloud:anthropic:claude-sonnet-4-5', 'cloud:zai:glm-4.7', 'cloud:openai:gpt-4.1-mini', 'local:qwen ✗ not in plan', 'peer:a:qwen', 'peer:b:qwen'])
    expect(table({ profile: 'local-only' }).slice(3)).toEqual([
      'cloud:anthropic:claude-sonnet-4-5 ✗ not in profile local-only', 'cloud:zai:glm-4.7 ✗ not in profile local-only', 'cloud:openai:gpt-4.1-mini ✗ not in profile local-only'
    ])
  })

  it('follows a profile written in the config, with a provider\'s other model and "*" for other roles', () => {
    const c = config('routing:\n  profile: cheap\n  profiles:\n    cheap: { code: [zai:glm-4.5-air, local], "*": [openai] }\n')
    expect(table({ config: c })).toEqual(['cloud:zai:glm-4.5-air', 'local:qwen ✗ not in plan', 'peer:a:qwen ✗ not in profile cheap', 'peer:b:qwen ✗ not in profile cheap',
      'cloud:anthropic:claude-sonnet-4-5 ✗ not in profile cheap', 'cloud:zai:glm-4.7 ✗ not in profile cheap', 'cloud:openai:gpt-4.1-mini ✗ not in profile cheap'])
    expect(chainFor('cheap', 'chat', c, priceTable(c))).toEqual([{ kind: 'cloud', provider: 'openai', model: null }])
    expect(routeDocument(input({ config: c })).ok && (routeDocument(input({ config: c })) as { document: { profile: string } }).document.profile).toBe('cheap')
  })

  it('skips a provider without a key, one over quota, and one in its 429 window until it passes', () => {
    const now = Date.UTC(2026, 10, 30, 12)
    const quota = quotaStatus({ requests: 2, window: 3_600_000 }, { requestTimes: [now - 1000, now - 500], tokenTimes: [], costTodayNano: 0, costMonthNano: 0 }, now, 0.8)
    const over = { rateLimited: new Map([['zai', now + 30_000]]), overQuota: new Map([['openai', quota.over!]]), keysSet: new Set(['ZAI_API_KEY', 'OPENAI_API_KEY']), now }
    expect(table(over).slice(3)).toEqual([
      'cloud:anthropic:claude-sonnet-4-5 ✗ no key: ANTHROPIC_API_KEY is not set',
      'cloud:zai:glm-4.7 ✗ 429 until 2026-11-30T12:00:30.000Z',
      'cloud:openai:gpt-4.1-mini ✗ over quota: 2/2 requests in 1 h until 2026-11-30T12:59:59.000Z'
    ])
    expect(table({ ...over, now: now + 30_000 })[4]).toBe('cloud:zai:glm-4.7')
  })

  it('shows offline peers as out, and the plan\'s peer first', () => {
    expect(table({ peerOllama: new Map([['b', 'http://10.0.0.2:11434/v1']]) }).slice(1, 3)).toEqual(['peer:a:qwen ✗ offline', 'peer:b:qwen'])
  })

  it('picks the profile from a model prefix or the header; an unknown header is an error', () => {
    const c = config()
    expect(requestProfile('premium/code', undefined, c)).toEqual({ ok: true, profile: 'premium', model: 'code' })
    expect(requestProfile('hf.co/x/y', undefined, c)).toEqual({ ok: true, profile: 'default', model: 'hf.co/x/y' })
    expect(requestProfile('code', 'local-only', c)).toEqual({ ok: true, profile: 'local-only', model: 'code' })
    expect(requestProfile('code', 'nope', c)).toMatchObject({ ok: false, message: expect.stringMatching(/^unknown profile "nope" in x-gpufleet-profile/) as unknown })
  })

  it('refuses a config whose chain, quota or active profile names nothing known', () => {
    expect(() => config('routing: { profile: fast }\n')).toThrow(/routing\.profile.*no profile "fast"/)
    expect(() => config('routing: { profiles: { p: { code: [mistral] } } }\n')).toThrow(/routing\.profiles\.p\.code\.0.*no cloud provider "mistral"/)
    expect(() => config('routing: { quotas: { mistral: { requests: 5 } } }\n')).toThrow(/routing\.quotas\.mistral/)
  })
})
