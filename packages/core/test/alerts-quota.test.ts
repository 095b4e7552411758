import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  emptyAlertBook, evaluateConditions, hostReportSchema, quotaPressure, quotaStatus, updateAlerts,
  type AlertThresholds, type HostReport, type ProviderUse, type Quota, type QuotaPressure
} from '../src/index.js'
import { renderAlert } from '../src/report/text.js'

const T: AlertThresholds = { vramUsed: 22e9, vramUsedPct: 92, temperatureC: 83, idleUtilizationPct: 20, idleFor: 60_000, latencyMs: 500 }
const web1 = JSON.parse(readFileSync(join(import.meta.dirname, '../../../configs/roosync/myia-web1.hardware.json'), 'utf8')) as HostReport
const H = 3_600_000
const NOW = Date.parse('2026-11-30T12:00:00.000Z')
const ZAI: Quota = { requests: 120, window: 5 * H }
/** `n` requests, one a minute, the last one a minute ago. */
const use = (n: number): ProviderUse => ({ requestTimes: Array.from({ length: n }, (_, i) => NOW - (n - i) * 60_000), tokenTimes: [], costTodayNano: 0, costMonthNano: 0 })
const pressure = (quota: Quota, u: ProviderUse, now = NOW): QuotaPressure | null => quotaPressure('zai', quota, quotaStatus(quota, u, now, 0.8), 0.8)
const withQuotas = (quotas: QuotaPressure[]): HostReport => hostReportSchema.parse({ ...web1, quotas })
const evaluate = (hosts: HostReport[]) => evaluateConditions({ hosts, plan: null, thresholds: T })

describe('quota pressure: what a host reports for the alert', () => {
  it('is nothing under the alert ratio, the nearest limit at it, the reached limit (with until) past it', () => {
    expect(pressure(ZAI, use(95))).toBeNull()
    expect(pressure(ZAI, use(96))).toEqual({ provider: 'zai', limit: 'requests', used: 96, max: 120, windowMs: 5 * H, until: null, alertAt: 0.8 })
    // 120 in the window: the oldest (120 min ago) leaves it 5 h after it was sent.
    expect(pressure(ZAI, use(120))).toEqual({ provider: 'zai', limit: 'requests', used: 120, max: 120, windowMs: 5 * H, until: new Date(NOW - 120 * 60_000 + 5 * H).toISOString(), alertAt: 0.8 })
    // Two limits near: the nearer one speaks (the day's budget at 90 % beats requests at 80 %).
    const both: Quota = { requests: 120, window: 5 * H, usdPerDay: 5 }
    expect(pressure(both, { ...use(96), costTodayNano: 4.5e9 })).toMatchObject({ limit: 'usdPerDay', used: 4.5, max: 5, windowMs: null, until: null })
  })

  it('drops out once the window has passed, with no request in between', () => {
    const u = use(100)
    expect(pressure(ZAI, u)).not.toBeNull()
    // The 100 requests (NOW - 100 min … NOW - 1 min) leave the 5-hour window one a minute: 96 left
    // (80 %) until the one sent at NOW - 97 min leaves, then 95 and no alert.
    expect(pressure(ZAI, u, NOW + 5 * H - 98 * 60_000)?.used).toBe(97)
    expect(pressure(ZAI, u, NOW + 5 * H - 97 * 60_000)?.used).toBe(96)
    expect(pressure(ZAI, u, NOW + 5 * H - 96 * 60_000)).toBeNull()
  })
})

describe('quota-near alert', () => {
  const near: QuotaPressure = { provider: 'zai', limit: 'requests', used: 100, max: 120, windowMs: 5 * H, until: null, alertAt: 0.8 }
  const over: QuotaPressure = { ...near, used: 120, until: '2026-11-30T15:00:00.000Z' }

  it('is raised per host and provider from the host report, warning, with its figures as data', () => {
    const other = hostReportSchema.parse({ ...web1, hostname: 'myia-web2', quotas: [{ ...near, provider: 'openai', limit: 'usdPerDay', used: 4.25, max: 5, windowMs: null }] })
    const first = updateAlerts(emptyAlertBook(), evaluate([withQuotas([near]), other]), NOW)
    expect(first.raised).toMatchObject([
      { id: 'quota-near:myia-web1:zai', rule: 'quota-near', severity: 'warning', host: 'myia-web1', value: 83.3, threshold: 80, message: 'myia-web1: zai at 83 % of its requests limit (100/120 requests in 5 h)', detail: { code: 'quota', params: near } },
      { id: 'quota-near:myia-web2:openai', host: 'myia-web2', value: 85, message: 'myia-web2: openai at 85 % of its usdPerDay limit (4.25/5.00 US dollars today)' }
    ])
  })

  it('is rendered in French and English by the one renderer, near and reached', () => {
    const [nearAlert] = updateAlerts(emptyAlertBook(), evaluate([withQuotas([near])]), NOW).raised
    expect(renderAlert(nearAlert!, 'en')).toBe('myia-web1: zai at 83 % of its limit (100/120 requests in 5 h; alert at 80 %)')
    expect(renderAlert(nearAlert!, 'fr')).toBe('myia-web1 : zai à 83 % de sa limite (100/120 requêtes en 5 h ; alerte à 80 %)')
    const [overAlert] = updateAlerts(emptyAlertBook(), evaluate([withQuotas([over])]), NOW).raised
    expect(overAlert!.message).toBe('myia-web1: zai over its requests limit (120/120 requests in 5 h): skipped until 2026-11-30T15:00:00.000Z')
    expect(renderAlert(overAlert!, 'en')).toBe('myia-web1: zai reached its limit (120/120 requests in 5 h): skipped until 2026-11-30 15:00 UTC')
    expect(renderAlert(overAlert!, 'fr')).toBe('myia-web1 : zai a atteint sa limite (120/120 requêtes en 5 h) : ignoré jusqu’à 2026-11-30 15:00 UTC')
    const money = updateAlerts(emptyAlertBook(), evaluate([withQuotas([{ ...near, limit: 'usdPerMonth', used: 41.5, max: 50, windowMs: null }])]), NOW).raised[0]!
    expect(renderAlert(money, 'fr')).toBe('myia-web1 : zai à 83 % de sa limite (41,50 $/50,00 $ ce mois-ci ; alerte à 80 %)')
    expect(renderAlert(money, 'en')).toBe('myia-web1: zai at 83 % of its limit ($41.50/$50.00 this month; alert at 80 %)')
  })

  it('is refreshed as use grows, and cleared when the host stops reporting it (under the ratio, or the window passed)', () => {
    const first = updateAlerts(emptyAlertBook(), evaluate([withQuotas([near])]), NOW)
    const reached = updateAlerts(first.book, evaluate([withQuotas([over])]), NOW + 1000)
    expect(reached.raised).toEqual([])
    expect(reached.updated).toMatchObject([{ id: 'quota-near:myia-web1:zai', value: 100, detail: { params: { until: over.until } } }])
    const gone = updateAlerts(reached.book, evaluate([web1]), NOW + 2000)
    expect(gone.cleared.map(a => a.id)).toEqual(['quota-near:myia-web1:zai'])
  })

  it('an offline host raises only host-offline', () => {
    expect(evaluate([{ ...withQuotas([near]), online: false }]).map(c => c.rule)).toEqual(['host-offline'])
  })

  it('a report with a malformed quota entry is rejected by the schema', () => {
    expect(hostReportSchema.safeParse({ ...web1, quotas: [{ ...near, limit: 'prompts' }] }).success).toBe(false)
    expect(hostReportSchema.safeParse({ ...web1, quotas: [{ ...near, alertAt: 0 }] }).success).toBe(false)
  })
})
