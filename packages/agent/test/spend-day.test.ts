import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, type LedgerEntry, type TokenCounts } from '@gpufleet/core'
import { Spend } from '../src/ledger/spend.js'
import { ManualClock, silent } from './support/harness.js'

const repoRoot = join(import.meta.dirname, '../../..')
// The shipped config and price table; a 3-cent daily budget on z.ai.
const config = loadConfig([
  { path: 'configs/default.yaml', text: readFileSync(join(repoRoot, 'configs/default.yaml'), 'utf8') },
  { path: 'test.yaml', text: 'cluster: { name: test, mdns: false }\nnode: { name: ai-01, role: coordinator, priority: 1 }\nrouting:\n  quotas: { zai: { usdPerDay: 0.03 } }\n' }
])
const H = 3_600_000
const DAY = Date.parse('2026-11-30T00:05:00.000Z')
const t = (uncached: number, cacheRead: number, cacheWrite: number, output: number): TokenCounts => ({ uncached, cacheRead, cacheWrite, output })
type Request = Omit<LedgerEntry, 'costNano' | 'savingsNano' | 'priceDate'>
const request = (at: number, kind: 'local' | 'cloud', via: string, model: string, tokens: TokenCounts): Request =>
  ({ at, role: 'code', profile: 'default', target: kind === 'local' ? `local:${model}` : `cloud:${via}:${model}`, kind, via, model, tokens, latencyMs: 100, outcome: 'ok' })

/**
 * A scripted day through the real ledger (the shipped prices, checked 2026-11-30), against figures
 * computed by hand below. Every hour: a local request (savings at the role's reference model,
 * z.ai glm-4.7); every second hour a z.ai request with a cached prompt — sent to OpenAI instead
 * once z.ai's day budget is spent, as the chain would; every sixth hour an Anthropic request
 * that reads and writes the cache; at noon an OpenAI one. An agent restart at noon loses nothing.
 */
describe('a day of scripted mixed traffic, priced by hand', () => {
  let dir = ''
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('matches the hand computation to the nano-dollar, skips z.ai once over its budget, and keeps it all across a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-day-'))
    const clock = new ManualClock(0, DAY)
    const open = async (): Promise<Spend> => await Spend.open({ host: 'ai-01', config, dir, registry: new Registry(), log: silent, clock: clock.wall })
    let spend = await open()
    const zaiSkipped: string[] = []
    let nearSince: number | null = null
    for (let h = 0; h < 24; h++) {
      const at = DAY + h * H
      clock.advance(at - clock.wall())
      spend.record(request(at, 'local', 'ai-01', 'qwen2.5-coder:7b', t(1000, 0, 0, 200)))
      if (h % 2 === 0) {
        const over = spend.limits(at).overQuota.get('zai')
        if (over === undefined) spend.record(request(at, 'cloud', 'zai', 'glm-4.7', t(2000, 8000, 0, 500)))
        else { zaiSkipped.push(over.reason); spend.record(request(at, 'cloud', 'openai', 'gpt-4.1', t(2000, 8000, 0, 500))) }
      }
      if (h % 6 === 0) spend.record(request(at, 'cloud', 'anthropic', 'claude-sonnet-4-5', t(50, 20_000, 3000, 800)))
      if (h === 12) {
        spend.record(request(at, 'cloud', 'openai', 'gpt-4.1', t(400, 1200, 0, 100)))
        await spend.close()
        spend = await open()
      }
      if (nearSince === null && spend.reportFields(at).quotas !== undefined) nearSince = h
    }
    /*
     * By hand, nano-dollars ($ per million tokens × 1000 per token):
     *   local    24 × (1000 × 600 + 200 × 2200)                                  = 24 × 1 040 000 =  24 960 000 saved
     *   zai      each 2000 × 600 + 8000 × 110 + 500 × 2200                       =       3 180 000: $0.00318;
     *            the budget ($0.03) is reached by the 10th (h = 18: $0.0318)     = 10 × 3 180 000 =  31 800 000
     *   openai   h = 20, 22: 2000 × 2000 + 8000 × 500 + 500 × 8000               =  2 × 12 000 000 =  24 000 000
     *            h = 12: 400 × 2000 + 1200 × 500 + 100 × 8000                    =                    2 200 000
     *   anthropic 4 × (50 × 3000 + 20 000 × 300 + 3000 × 3750 + 800 × 15 000)   =  4 × 29 400 000 = 117 600 000
     *   cost 31 800 000 + 24 000 000 + 2 200 000 + 117 600 000 = 175 600 000 = $0.1756; saved $0.02496
     *   tokens: uncached 24 000 + 12 × 2000 + 4 × 50 + 400 = 48 600; cache read 12 × 8000 + 4 × 20 000 + 1200 = 177 200;
     *           cache write 4 × 3000 = 12 000; output 24 × 200 + 12 × 500 + 4 × 800 + 100 = 14 100
     */
    const doc = spend.usage({ since: DAY - 5 * 60_000, until: DAY + 24 * H, by: 'provider' })
    expect(doc.totals).toEqual({ requests: 41, errors: 0, tokens: t(48_600, 177_200, 12_000, 14_100), costUsd: 0.1756, savingsUsd: 0.02496, priceDates: ['2026-11-30'] })
    expect(doc.rows.map(r => [r.key, r.requests, r.costUsd, r.savingsUsd])).toEqual([['anthropic', 4, 0.1176, 0], ['local', 24, 0, 0.02496], ['openai', 3, 0.0262, 0], ['zai', 10, 0.0318, 0]])
    expect(doc.days).toHaveLength(1)
    // Skipped at h = 20 and 22, with the reason `gpufleet route` prints; the alert's figures from h = 14 ($0.02544: 84 %).
    expect(zaiSkipped).toEqual(Array(2).fill('over budget: $0.03 of $0.03 today until 2026-12-01T00:00:00.000Z'))
    expect(nearSince).toBe(14)
    expect(spend.reportFields(DAY + 23 * H).quotas).toEqual([{ provider: 'zai', limit: 'usdPerDay', used: 0.0318, max: 0.03, windowMs: null, until: '2026-12-01T00:00:00.000Z', alertAt: 0.8 }])
    // The next UTC day, z.ai is usable again and the alert's entry is gone.
    expect(spend.limits(DAY + 24 * H).overQuota.size).toBe(0)
    expect(spend.reportFields(DAY + 24 * H)).toEqual({})
    await spend.close()
  })
})
