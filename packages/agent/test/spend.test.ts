import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, type LedgerEntry } from '@gpufleet/core'
import { Spend } from '../src/ledger/spend.js'
import { ManualClock, silent } from './support/harness.js'

const repoRoot = join(import.meta.dirname, '../../..')
// A $1 budget a day on zai; 20 % of the 5-hour prompts of its plan on openai's key.
const config = loadConfig([
  { path: 'configs/default.yaml', text: readFileSync(join(repoRoot, 'configs/default.yaml'), 'utf8') },
  { path: 'test.yaml', text: 'cluster: { name: test, mdns: false }\nnode: { name: ai-01, role: coordinator, priority: 1 }\nrouting:\n  quotas: { zai: { usdPerDay: 1 }, openai: { requests: 5, window: 5h } }\n' }
])
/** A zai request that costs exactly $0.30: 500 000 uncached input tokens at $0.60 per million. */
const zai = (at: number): Omit<LedgerEntry, 'costNano' | 'savingsNano' | 'priceDate'> => ({ at, role: 'code', profile: 'default', target: 'cloud:zai:glm-4.7', kind: 'cloud', via: 'zai', model: 'glm-4.7', tokens: { uncached: 500_000, cacheRead: 0, cacheWrite: 0, output: 0 }, latencyMs: 10, outcome: 'ok' })

describe('spend: budgets and what the host report carries for the quota alert', () => {
  let dir = ''
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('a day\'s budget: near at 80 %, over (skipped until the next UTC day) at the limit, and again after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-spend-'))
    const clock = new ManualClock(0, Date.parse('2026-11-30T10:00:00.000Z'))
    const open = async (): Promise<Spend> => await Spend.open({ host: 'ai-01', config, dir, registry: new Registry(), log: silent, clock: clock.wall })
    let spend = await open()
    expect(spend.reportFields(clock.wall())).toEqual({})
    for (let i = 0; i < 3; i++) spend.record(zai(clock.wall()))
    // $0.90 of $1: near, not over.
    expect(spend.reportFields(clock.wall())).toEqual({ quotas: [{ provider: 'zai', limit: 'usdPerDay', used: 0.9, max: 1, windowMs: null, until: null, alertAt: 0.8 }] })
    expect(spend.limits(clock.wall()).overQuota.size).toBe(0)
    spend.record(zai(clock.wall()))
    const over = { provider: 'zai', limit: 'usdPerDay', used: 1.2, max: 1, windowMs: null, until: '2026-12-01T00:00:00.000Z', alertAt: 0.8 }
    expect(spend.reportFields(clock.wall())).toEqual({ quotas: [over] })
    expect(spend.limits(clock.wall()).overQuota.get('zai')?.reason).toBe('over budget: $1.20 of $1 today until 2026-12-01T00:00:00.000Z')
    // A restart keeps the day's spending (rebuilt from the ledger on disk).
    await spend.close()
    spend = await open()
    expect(spend.reportFields(clock.wall())).toEqual({ quotas: [over] })
    // The next UTC day: under every limit again, with no request in between.
    clock.advance(14 * 3_600_000)
    expect(spend.reportFields(clock.wall())).toEqual({})
    expect(spend.limits(clock.wall()).overQuota.size).toBe(0)
    await spend.close()
  })

  it('gossips its spending when the ledger moved, and when quota use moved without a request (a window passing), never more often than gossipEvery', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-spend-'))
    const clock = new ManualClock(0, Date.parse('2026-11-30T10:00:00.000Z'))
    const spend = await Spend.open({ host: 'ai-01', config, dir, registry: new Registry(), log: silent, clock: clock.wall })
    const every = config.routing.ledger.gossipEvery
    const due = () => spend.gossip.due(clock.wall(), 'peer-1')
    const openai = (msg: ReturnType<typeof due>) => msg?.quotas.find(q => q.provider === 'openai')
    expect(due()?.quotas).toEqual([{ provider: 'zai', limit: 'usdPerDay', used: 0, max: 1, ratio: 0 }, { provider: 'openai', limit: 'requests', used: 0, max: 5, ratio: 0 }])
    const request = (): void => { spend.record({ ...zai(clock.wall()), target: 'cloud:openai:gpt-4.1', via: 'openai', model: 'gpt-4.1', tokens: { uncached: 10, cacheRead: 0, cacheWrite: 0, output: 1 } }) }
    // Nothing moved: nothing to send, however long it has been.
    clock.advance(every)
    expect(due()).toBeNull()
    request()
    expect(openai(due())).toMatchObject({ used: 1, ratio: 0.2 })
    // Within gossipEvery of that: held back, then sent with both requests.
    request()
    expect(due()).toBeNull()
    clock.advance(every)
    expect(openai(due())).toMatchObject({ used: 2, ratio: 0.4 })
    // Five hours on, the requests left their window: use moved with no request, so peers hear it.
    clock.advance(5 * 3_600_000)
    expect(openai(due())).toMatchObject({ used: 0, ratio: 0 })
    clock.advance(every)
    expect(due()).toBeNull()
    await spend.close()
  })

  it('a rolling prompt window: the report entry goes once the window passed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-spend-'))
    const clock = new ManualClock(0, Date.parse('2026-11-30T10:00:00.000Z'))
    const spend = await Spend.open({ host: 'ai-01', config, dir, registry: new Registry(), log: silent, clock: clock.wall })
    for (let i = 0; i < 4; i++) { spend.record({ ...zai(clock.wall()), target: 'cloud:openai:gpt-4.1', via: 'openai', model: 'gpt-4.1', tokens: { uncached: 10, cacheRead: 0, cacheWrite: 0, output: 1 } }); clock.advance(60_000) }
    expect(spend.reportFields(clock.wall()).quotas).toMatchObject([{ provider: 'openai', limit: 'requests', used: 4, max: 5, windowMs: 5 * 3_600_000, until: null }])
    clock.advance(5 * 3_600_000)
    expect(spend.reportFields(clock.wall())).toEqual({})
    await spend.close()
  })
})
