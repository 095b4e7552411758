import { describe, expect, it } from 'vitest'
import {
  addToRollups, costNano, dailyRollups, DEFAULT_PRICES, loadConfig, mergeAnthropicUsage, nanoToUsd, priceTable, quotaStatus, referenceModel,
  requestMoney, tokensFromAnthropic, tokensFromOpenAi, usageDocument, type LedgerEntry, type Rollup
} from '../src/index.js'

const YAML = `
cloud:
  - { name: zai, baseUrl: "https://api.z.ai/api/paas/v4", apiKeyEnv: ZAI_API_KEY, models: { code: glm-4.7, chat: glm-4.7 } }
  - { name: anthropic, baseUrl: "https://api.anthropic.com", api: anthropic, apiKeyEnv: ANTHROPIC_API_KEY, models: { code: claude-sonnet-4-5 } }
  - { name: openai, baseUrl: "https://api.openai.com/v1", apiKeyEnv: OPENAI_API_KEY, models: { code: gpt-4.1-mini } }
`
const config = (extra = ''): ReturnType<typeof loadConfig> => loadConfig([{ path: 't.yaml', text: YAML + extra }])

describe('cost arithmetic', () => {
  it('prices each bucket at its own rate (hand-computed)', () => {
    // 1200 × 3 + 50 000 × 0.30 + 8 000 × 3.75 + 900 × 15 = 3 600 + 15 000 + 30 000 + 13 500 = 62 100 µ$ = $0.0621
    const sonnet = DEFAULT_PRICES.anthropic!['claude-sonnet-4-5']!
    expect(costNano({ uncached: 1200, cacheRead: 50_000, cacheWrite: 8000, output: 900 }, sonnet)).toBe(62_100_000)
    expect(nanoToUsd(62_100_000)).toBe(0.0621)
  })

  it('reads OpenAI usage with cached tokens apart, never twice', () => {
    const t = tokensFromOpenAi({ prompt_tokens: 3000, completion_tokens: 500, prompt_tokens_details: { cached_tokens: 1024 } })
    expect(t).toEqual({ uncached: 1976, cacheRead: 1024, cacheWrite: 0, output: 500 })
    // 1976 × 0.40 + 1024 × 0.10 + 500 × 1.60 = 790.4 + 102.4 + 800 = 1 692.8 µ$
    expect(costNano(t!, DEFAULT_PRICES.openai!['gpt-4.1-mini']!)).toBe(1_692_800)
  })

  it('reads Anthropic usage, streams included (message_start then message_delta)', () => {
    expect(tokensFromAnthropic({ input_tokens: 12, cache_read_input_tokens: 3000, cache_creation_input_tokens: 400, output_tokens: 7 })).toEqual({ uncached: 12, cacheRead: 3000, cacheWrite: 400, output: 7 })
    let t = mergeAnthropicUsage(null, { input_tokens: 12, cache_read_input_tokens: 3000, cache_creation_input_tokens: 400, output_tokens: 1 })
    t = mergeAnthropicUsage(t, { output_tokens: 250 })
    expect(t).toEqual({ uncached: 12, cacheRead: 3000, cacheWrite: 400, output: 250 })
  })

  it('prices local tokens at the reference model for savings; the first paid provider by default', () => {
    const c = config()
    const prices = priceTable(c)
    expect(referenceModel('code', c, prices)).toMatchObject({ provider: 'zai', model: 'glm-4.7' })
    // 10 000 × 0.60 + 2 000 × 2.20 = 6 000 + 4 400 = 10 400 µ$
    expect(requestMoney({ kind: 'local', via: 'ai-01', model: 'qwen', role: 'code', tokens: { uncached: 10_000, cacheRead: 0, cacheWrite: 0, output: 2000 } }, c, prices))
      .toEqual({ costNano: 0, savingsNano: 10_400_000, priceDate: '2026-11-30' })
    const pinned = config('routing: { referenceModels: { code: "anthropic:claude-sonnet-4-5" } }\n')
    // 10 000 × 3 + 2 000 × 15 = 60 000 µ$
    expect(requestMoney({ kind: 'peer', via: 'po-2024', model: 'qwen', role: 'code', tokens: { uncached: 10_000, cacheRead: 0, cacheWrite: 0, output: 2000 } }, pinned, priceTable(pinned)).savingsNano).toBe(60_000_000)
  })

  it('takes prices from config over the shipped table, with their date', () => {
    const c = config('routing: { prices: { zai: { glm-4.7: { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, date: "2026-11-01" } } } }\n')
    const prices = priceTable(c)
    expect(prices.zai!['glm-4.7']!.date).toBe('2026-11-01')
    expect(prices.zai!['glm-4.5-air']).toBeDefined()
    // zai is free now: the reference for code moves on to the first paid provider.
    expect(referenceModel('code', c, prices)).toMatchObject({ provider: 'anthropic' })
  })

  it('refuses a price with more than three decimals, naming the key', () => {
    expect(() => config('routing: { prices: { zai: { x: { input: 0.0001, cacheRead: 0, cacheWrite: 0, output: 0, date: "2026-11-01" } } } }\n')).toThrow(/routing\.prices\.zai\.x\.input/)
  })
})

describe('rollups and the usage document', () => {
  const entry = (at: number, over: Partial<LedgerEntry>): LedgerEntry => ({
    at, role: 'code', profile: 'default', target: 'cloud:zai:glm-4.7', kind: 'cloud', via: 'zai', model: 'glm-4.7',
    tokens: { uncached: 100, cacheRead: 10, cacheWrite: 0, output: 50 }, latencyMs: 12, outcome: 'ok', costNano: 0, savingsNano: 0, priceDate: '2025-12-22', ...over
  })

  it('sums requests into hours, days and rows exactly', () => {
    const t0 = Date.UTC(2026, 10, 30, 10, 15)
    const rollups = new Map<string, Rollup>()
    addToRollups(rollups, 'a', entry(t0, { costNano: 123_456_789 }))
    addToRollups(rollups, 'a', entry(t0 + 60_000, { costNano: 1 }))
    addToRollups(rollups, 'a', entry(t0 + 3_600_000, { costNano: 10, outcome: 'rate_limited' }))
    addToRollups(rollups, 'a', entry(t0, { kind: 'local', via: 'a', target: 'local:qwen', model: 'qwen', savingsNano: 5_000_000, priceDate: '2025-12-22' }))
    expect(rollups.size).toBe(3)
    const peer: Rollup[] = dailyRollups([{ ...[...rollups.values()][0]!, host: 'b', costNano: 7 }])
    const doc = usageDocument([...rollups.values(), ...peer], { since: Date.UTC(2026, 10, 1), until: Date.UTC(2026, 11, 1), by: 'provider' })
    expect(doc.totals.requests).toBe(6)
    expect(doc.totals.errors).toBe(1)
    expect(doc.totals.costUsd).toBe(nanoToUsd(123_456_789 + 1 + 10 + 7))
    expect(doc.totals.savingsUsd).toBe(0.005)
    expect(doc.totals.tokens).toEqual({ uncached: 600, cacheRead: 60, cacheWrite: 0, output: 300 })
    expect(doc.rows.map(r => [r.key, r.requests])).toEqual([['local', 1], ['zai', 5]])
    expect(doc.days).toHaveLength(1)
    expect(usageDocument(rollups.values(), { since: 0, until: Date.UTC(2030, 0), by: 'host', host: 'b' }).totals.requests).toBe(0)
  })
})

describe('quotas', () => {
  const t0 = Date.UTC(2026, 10, 30, 12)
  const none = { requestTimes: [], tokenTimes: [], costTodayNano: 0, costMonthNano: 0 }

  it('counts prompts over a rolling window and frees a slot when the oldest leaves it', () => {
    const quota = { requests: 3, window: 5 * 3_600_000 }
    const times = [t0, t0 + 60_000, t0 + 120_000]
    const at = t0 + 180_000
    const s = quotaStatus(quota, { ...none, requestTimes: times }, at, 0.8)
    expect(s.over).toMatchObject({ limit: 'requests', until: t0 + 5 * 3_600_000 })
    expect(s.over!.reason).toMatch(/^over quota: 3\/3 requests in 5 h until 2026-11-30T17:00:00\.000Z$/)
    expect(quotaStatus(quota, { ...none, requestTimes: times }, t0 + 5 * 3_600_000, 0.8).over).toBeNull()
    expect(quotaStatus(quota, { ...none, requestTimes: times.slice(0, 2) }, at, 0.5).near.map(u => u.limit)).toEqual(['requests'])
    expect(quotaStatus(quota, { ...none, requestTimes: times.slice(0, 2) }, at, 0.8).near).toEqual([])
  })

  it('counts tokens per minute and money per UTC day and month', () => {
    const s = quotaStatus({ window: 0, tokensPerMinute: 1000 }, { ...none, tokenTimes: [[t0, 600], [t0 + 10_000, 500]] }, t0 + 20_000, 0.8)
    expect(s.over).toMatchObject({ limit: 'tokensPerMinute', until: t0 + 60_000 })
    expect(quotaStatus({ window: 0, tokensPerMinute: 1000 }, { ...none, tokenTimes: [[t0, 600], [t0 + 10_000, 500]] }, t0 + 60_001, 0.8).over).toBeNull()
    const day = quotaStatus({ window: 0, usdPerDay: 5 }, { ...none, costTodayNano: 5_000_000_000 }, t0, 0.8)
    expect(day.over).toMatchObject({ limit: 'usdPerDay', until: Date.UTC(2026, 11, 1) })
    expect(day.over!.reason).toBe('over budget: $5.00 of $5 today until 2026-12-01T00:00:00.000Z')
    const month = quotaStatus({ window: 0, usdPerMonth: 50 }, { ...none, costMonthNano: 41_000_000_000 }, t0, 0.8)
    expect(month.over).toBeNull()
    expect(month.near).toEqual([{ limit: 'usdPerMonth', used: 41, max: 50, ratio: 0.82 }])
  })
})
