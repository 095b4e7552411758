import { describe, expect, it } from 'vitest'
import { addToRollups, costsSection, DEFAULT_PRICES, usageDocument, type Rollup } from '../src/index.js'

describe('the "Costs and savings" section of the GPU spec document', () => {
  const rollups = new Map<string, Rollup>()
  const at = Date.UTC(2026, 10, 30, 9)
  addToRollups(rollups, 'ai-01', { at, role: 'code', profile: 'default', target: 'cloud:anthropic:claude-sonnet-4-5', kind: 'cloud', via: 'anthropic', model: 'claude-sonnet-4-5', tokens: { uncached: 1200, cacheRead: 50_000, cacheWrite: 8000, output: 900 }, latencyMs: 800, outcome: 'ok', costNano: 62_100_000, savingsNano: 0, priceDate: '2025-12-22' })
  addToRollups(rollups, 'ai-01', { at, role: 'code', profile: 'default', target: 'local:qwen', kind: 'local', via: 'ai-01', model: 'qwen', tokens: { uncached: 10_000, cacheRead: 0, cacheWrite: 0, output: 2000 }, latencyMs: 300, outcome: 'ok', costNano: 0, savingsNano: 1_234_560_000, priceDate: '2025-12-22' })
  const usage = usageDocument(rollups.values(), { since: Date.UTC(2026, 10, 1), until: Date.UTC(2026, 11, 1), by: 'provider' })
  const prices = [{ provider: 'anthropic', model: 'claude-sonnet-4-5', price: DEFAULT_PRICES.anthropic!['claude-sonnet-4-5']! }]

  it('writes the totals per provider, savings and the dated prices, in English', () => {
    const md = costsSection({ usage, prices }, 'en')
    expect(md).toContain('## Costs and savings')
    expect(md).toContain('Period: 2026-11-01 to 2026-12-01 (UTC), whole fleet.')
    expect(md).toContain('| anthropic | 1 | 1,200 | 50,000 | 8,000 | 900 | $0.06 | $0.00 |')
    expect(md).toContain('| local | 1 | 10,000 | 0 | 0 | 2,000 | $0.00 | $1.23 |')
    expect(md).toContain('| **Total** | 2 | 11,200 | 50,000 | 8,000 | 2,900 | $0.06 | $1.23 |')
    expect(md).toContain('| anthropic | claude-sonnet-4-5 | 3 | 0.3 | 3.75 | 15 | 2026-11-30 |')
    expect(md).toContain('Local electricity and hardware are not counted.')
  })

  it('and in French', () => {
    const md = costsSection({ usage, prices }, 'fr')
    expect(md).toContain('## Coûts et économies')
    expect(md).toContain('| **Total** | 2 | 11 200 | 50 000 | 8 000 | 2 900 | 0,06 $ | 1,23 $ |')
    expect(md).toContain('L’électricité et le matériel locaux ne sont pas comptés.')
  })

  it('says so when nothing was requested', () => {
    expect(costsSection({ usage: usageDocument([], { since: 0, until: 1, by: 'provider' }), prices: [] }, 'en')).toContain('No request in the period.')
  })
})
