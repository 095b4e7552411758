import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { computePlan, type ReportCosts } from '@gpufleet/core'
import { SpecDocument } from '../src/spec-document.js'
import { ManualClock, hardware, silent, testConfig } from './support/harness.js'

const config = testConfig({ name: 'ai-01', role: 'coordinator', priority: 100 })
const hosts = [hardware('myia-ai-01.hardware.json', 'ai-01', 'coordinator')]
const plan = computePlan({ hosts, config, term: 1, generatedAt: '2026-11-22T10:00:00.000Z' })

/** The fleet's usage with `requests` cloud requests of $1 each (the section's figures only). */
function costs (requests: number, now: number): ReportCosts {
  const t = { requests, errors: 0, tokens: { uncached: requests, cacheRead: 0, cacheWrite: 0, output: 0 }, costUsd: requests, savingsUsd: 0, priceDates: ['2026-11-01'] }
  return { usage: { schema: 'gpufleet.usage/v1', since: new Date(now - 29 * 86_400_000).toISOString(), until: new Date(now).toISOString(), by: 'provider', host: null, totals: t, rows: [{ key: 'zai', ...t }], days: [] }, prices: [] }
}

describe('the spec document the leader writes', () => {
  let dir = ''
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('carries the costs section, rewritten between plans only when the costs moved and at most every everyMs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-doc-'))
    const path = join(dir, 'GPU_SPECS.md')
    const clock = new ManualClock()
    let requests = 1
    let asked = 0
    const doc = new SpecDocument({ logger: silent, clock }, config, path, { version: () => requests, costs: now => { asked++; return costs(requests, now) }, everyMs: 30_000 })
    // Before any plan there is nothing to refresh.
    await doc.refresh()
    expect(asked).toBe(0)
    await doc.write(hosts, plan)
    expect(readFileSync(path, 'utf8')).toContain('| **Total** | 1 | 1 | 0 | 0 | 0 | 1,00 $ | 0,00 $ |')
    // Costs moved, but within everyMs: not yet.
    requests = 3
    clock.advance(10_000)
    await doc.refresh()
    expect(asked).toBe(1)
    clock.advance(20_000)
    await doc.refresh()
    expect(readFileSync(path, 'utf8')).toContain('| **Total** | 3 | 3 | 0 | 0 | 0 | 3,00 $ | 0,00 $ |')
    // Nothing moved since (same version, same day): no render at all.
    clock.advance(60_000)
    await doc.refresh()
    expect(asked).toBe(2)
    // A new UTC day moves the section's period: rendered again.
    clock.advance(86_400_000)
    await doc.refresh()
    expect(asked).toBe(3)
  })
})
