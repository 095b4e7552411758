import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  alertBookFrom, emptyAlertBook, evaluateConditions, renderAlert, renderAlertGroup, sortedAlerts, updateAlerts, vramThreshold,
  type Alert, type AlertBook, type AlertThresholds, type HostReport, type Plan
} from '../src/index.js'

const roosync = join(import.meta.dirname, '../../../configs/roosync')
const host = (name: string): HostReport => JSON.parse(readFileSync(join(roosync, `${name}.hardware.json`), 'utf8')) as HostReport
const T: AlertThresholds = { vramUsed: 22e9, vramUsedPct: 92, temperatureC: 83, idleUtilizationPct: 20, idleFor: 60_000, latencyMs: 500 }
const GiB = 1024 ** 3

/** myia-ai-01 with its RTX 3090 (GPU 1) changed by `gpu1`. */
function ai01 (gpu1: Partial<HostReport['gpus'][number]>, extra: Partial<HostReport> = {}): HostReport {
  const h = host('myia-ai-01')
  return { ...h, ...extra, gpus: h.gpus.map(g => (g.index === 1 ? { ...g, ...gpu1 } : g)) }
}

const plan = (over: Partial<Plan> = {}): Plan => ({ schema: 'gpufleet.plan/v1', term: 3, generatedAt: '2026-11-22T10:00:00.000Z', assignments: [], routes: [], excluded: [], unplaced: [], ...over })

/** Runs evaluations at the given times, returning what was raised and cleared at each. */
function timeline (steps: Array<[number, HostReport[], Plan | null]>, start: AlertBook = emptyAlertBook()): { book: AlertBook, events: string[] } {
  let book = start
  const events: string[] = []
  for (const [now, hosts, p] of steps) {
    const u = updateAlerts(book, evaluateConditions({ hosts, plan: p, thresholds: T }), now)
    book = u.book
    for (const a of u.raised) events.push(`${now} raise ${a.id}`)
    for (const a of u.cleared) events.push(`${now} clear ${a.id}`)
  }
  return { book, events }
}

describe('alert rules', () => {
  it('the VRAM threshold is the absolute figure or the percentage of the card, whichever is lower', () => {
    expect(vramThreshold(24 * GiB, T)).toBe(22e9)
    expect(vramThreshold(12 * GiB, T)).toBeCloseTo(12 * GiB * 0.92)
    expect(vramThreshold(80 * GiB, { ...T, vramUsed: null })).toBeCloseTo(80 * GiB * 0.92)
  })

  it('the seed fleet at rest raises nothing but its plan-level facts', () => {
    const hosts = ['myia-ai-01', 'myia-po-2023', 'myia-po-2024', 'myia-po-2026', 'myia-web1'].map(host)
    const conditions = evaluateConditions({ hosts, plan: null, thresholds: T })
    expect(conditions.filter(c => c.level === 'firing')).toEqual([])
    expect(conditions.length).toBeGreaterThan(0)
  })

  it('VRAM above 22 GB on a 24 GiB card raises once, holds in the band, clears 2 % below', () => {
    const at = (gb: number): HostReport[] => [ai01({ vramUsedBytes: gb * 1e9 })]
    const { events, book } = timeline([[0, at(23), null], [1000, at(23.5), null], [2000, at(21.9), null], [3000, at(21.6), null], [4000, at(20), null]])
    expect(events).toEqual(['0 raise vram-high:myia-ai-01:1', '4000 clear vram-high:myia-ai-01:1'])
    expect(book.active.size).toBe(0)
  })

  it('temperature: 84 °C raises, 81 °C holds, 79 °C clears; a wobble at the threshold raises once', () => {
    const at = (c: number): HostReport[] => [ai01({ temperatureC: c })]
    const { events } = timeline([[0, at(84), null], [1, at(82), null], [2, at(84), null], [3, at(81), null], [4, at(79), null], [5, at(84), null]])
    expect(events).toEqual(['0 raise temperature-high:myia-ai-01:1', '4 clear temperature-high:myia-ai-01:1', '5 raise temperature-high:myia-ai-01:1'])
  })

  it('an idle GPU alerts only with models assigned, after idleFor, and the since time is when it started', () => {
    const idle = [ai01({ utilizationPct: 3 })]
    expect(timeline([[0, idle, plan()], [120_000, idle, plan()]]).events).toEqual([])
    const assigned = plan({ assignments: [{ model: 'qwen3:14b', host: 'myia-ai-01', gpus: [1], vramBytes: 10e9 }] })
    const { events, book } = timeline([[0, idle, assigned], [59_999, idle, assigned], [60_000, idle, assigned]])
    expect(events).toEqual(['60000 raise gpu-idle:myia-ai-01:1'])
    expect(book.active.get('gpu-idle:myia-ai-01:1')?.since).toBe(new Date(0).toISOString())
    // A burst of work resets the pending period.
    const busy = [ai01({ utilizationPct: 90 })]
    expect(timeline([[0, idle, assigned], [30_000, busy, assigned], [60_000, idle, assigned], [100_000, idle, assigned]]).events).toEqual([])
  })

  it('inference latency: p95 first byte above 500 ms raises (with enough requests), clears below 400 ms', () => {
    const at = (p95: number, localRequests = 20): HostReport[] => [ai01({}, { gateway: { localRequests, firstByteP95Ms: p95 } })]
    expect(timeline([[0, at(900, 2), null]]).events).toEqual([])
    const { events } = timeline([[0, at(650), null], [1, at(450), null], [2, at(380), null]])
    expect(events).toEqual(['0 raise latency-high:myia-ai-01', '2 clear latency-high:myia-ai-01'])
  })

  it('an offline host raises host-offline and none of its stale GPU readings', () => {
    const off = ai01({ temperatureC: 95 }, { online: false, lastSeen: '2026-11-22T10:00:00.000Z' })
    const { book } = timeline([[0, [off], null]])
    expect([...book.active.keys()]).toEqual(['host-offline:myia-ai-01'])
    expect(book.active.get('host-offline:myia-ai-01')?.severity).toBe('critical')
  })

  it('excluded GPUs and unplaced models come from the plan and clear when the plan changes', () => {
    const p = plan({ excluded: [{ host: 'myia-ai-01', gpu: 0, reason: 'no sm_120 kernels' }], unplaced: [{ model: 'mixtral', reason: 'needs 26 GiB' }] })
    const { events } = timeline([[0, [host('myia-ai-01')], p], [1, [host('myia-ai-01')], plan()]])
    expect(events).toEqual(['0 raise gpu-excluded:myia-ai-01:0', '0 raise model-unplaced:mixtral', '1 clear gpu-excluded:myia-ai-01:0', '1 clear model-unplaced:mixtral'])
  })

  it('a model left out because better ones took the VRAM is no alert; one too large for every GPU is a warning', () => {
    const p = plan({ unplaced: [{ model: 'a', reason: 'not chosen', code: 'not-chosen' }, { model: 'b', reason: 'too large', code: 'too-large' }, { model: 'c', reason: 'no GPU', code: 'no-eligible-gpu' }] })
    const { book } = timeline([[0, [], p]])
    expect(sortedAlerts(book).map(a => [a.id, a.severity])).toEqual([['model-unplaced:b', 'warning'], ['model-unplaced:c', 'info']])
  })

  it('a host that disappears clears its alerts', () => {
    const { events } = timeline([[0, [ai01({ temperatureC: 90 })], null], [1, [], null]])
    expect(events).toEqual(['0 raise temperature-high:myia-ai-01:1', '1 clear temperature-high:myia-ai-01:1'])
  })

  it('a new leader continuing the previous alerts raises nothing again', () => {
    const hot = [ai01({ temperatureC: 90 })]
    const first = timeline([[0, hot, null]])
    const inherited = alertBookFrom(sortedAlerts(first.book))
    expect(timeline([[5000, hot, null]], inherited).events).toEqual([])
  })

  it('active alerts sort most severe first', () => {
    const hosts = [ai01({ temperatureC: 90, vramUsedBytes: 23e9 }), { ...host('myia-web1'), online: false }]
    const p = plan({ excluded: [{ host: 'myia-ai-01', gpu: 0, reason: 'x' }] })
    const { book } = timeline([[0, hosts, p]])
    expect(sortedAlerts(book).map(a => a.rule)).toEqual(['host-offline', 'temperature-high', 'vram-high', 'gpu-excluded'])
  })
})

describe('alerts that inform', () => {
  const tooLarge = (host: string, free: number): Plan['unplaced'][number] => ({
    model: 'mixtral', reason: `needs 26 GiB; ${host}`, code: 'too-large',
    detail: { code: 'too-large', params: { needBytes: 26 * GiB, largestFreeBytes: free, host, gpu: 1, largestHostTotalBytes: null, offloadedTokensPerSecond: 14.3 } }
  })

  it('refreshes an active alert\'s text, values and reason when the facts change (a failover re-plans elsewhere)', () => {
    const before = updateAlerts(emptyAlertBook(), evaluateConditions({ hosts: [], plan: plan({ unplaced: [tooLarge('myia-ai-01', 21.6 * GiB)] }), thresholds: T }), 0)
    const after = updateAlerts(before.book, evaluateConditions({ hosts: [], plan: plan({ unplaced: [tooLarge('myia-po-2026', 14 * GiB)] }), thresholds: T }), 1000)
    expect(after.raised).toEqual([])
    expect(after.cleared).toEqual([])
    expect(after.updated.map(a => a.id)).toEqual(['model-unplaced:mixtral'])
    const alert = after.book.active.get('model-unplaced:mixtral')!
    expect(alert.message).toContain('myia-po-2026')
    expect(alert.message).not.toContain('myia-ai-01')
    expect(renderAlert(alert, 'en')).toContain('(myia-po-2026 GPU 1)')
    expect(alert.since).toBe(new Date(0).toISOString())
    // The same facts again: nothing to refresh.
    expect(updateAlerts(after.book, evaluateConditions({ hosts: [], plan: plan({ unplaced: [tooLarge('myia-po-2026', 14 * GiB)] }), thresholds: T }), 2000).updated).toEqual([])
  })

  it('clears an alert whose model left the catalog, and a reading alert whose host went offline', () => {
    const hot = [ai01({ temperatureC: 90 })]
    const first = updateAlerts(emptyAlertBook(), evaluateConditions({ hosts: hot, plan: plan({ unplaced: [tooLarge('myia-ai-01', GiB)] }), thresholds: T }), 0)
    const off = [ai01({ temperatureC: 90 }, { online: false, lastSeen: '2026-11-22T10:00:00.000Z' })]
    const next = updateAlerts(first.book, evaluateConditions({ hosts: off, plan: plan(), thresholds: T }), 1)
    expect(next.cleared.map(a => a.id)).toEqual(['model-unplaced:mixtral', 'temperature-high:myia-ai-01:1'])
    expect([...next.book.active.keys()]).toEqual(['host-offline:myia-ai-01'])
  })

  it('speaks French with French number formats, and English with English ones', () => {
    const base: Alert = { id: 'x', rule: 'temperature-high', severity: 'critical', host: 'myia-ai-01', gpu: 1, model: null, value: 85.5, threshold: 83, message: 'm', since: '2026-11-22T10:00:00.000Z' }
    expect(renderAlert(base, 'fr')).toBe('myia-ai-01 GPU 1 : 85,5 °C (seuil 83 °C)')
    expect(renderAlert(base, 'en')).toBe('myia-ai-01 GPU 1: 85.5 °C (threshold 83 °C)')
    const vram = { ...base, rule: 'vram-high' as const, value: 1.5 * GiB, threshold: 22 * GiB }
    expect(renderAlert(vram, 'fr')).toBe('myia-ai-01 GPU 1 : VRAM utilisée 1,5 Gio (seuil 22 Gio)')
    expect(renderAlert(vram, 'en')).toBe('myia-ai-01 GPU 1: VRAM used 1.5 GiB (threshold 22 GiB)')
    const unplaced = { ...base, rule: 'model-unplaced' as const, host: null, gpu: null, model: 'mixtral', detail: tooLarge('myia-ai-01', 21.6 * GiB).detail }
    expect(renderAlert(unplaced, 'fr')).toBe("mixtral n'est pas placé — nécessite 26 Gio sur un seul GPU ; le plus grand GPU éligible a 21,6 Gio libres (myia-ai-01 GPU 1) ; en partie en RAM système sur myia-ai-01 GPU 1, il décoderait environ 14,3 tokens/s")
    expect(renderAlert(unplaced, 'en')).not.toMatch(/é|è|ç/)
  })

  it('collapses informational alerts into one plural-aware line', () => {
    expect(renderAlertGroup('model-unplaced', 8, 'en')).toBe('8 models not placed — see Plan')
    expect(renderAlertGroup('model-unplaced', 1, 'en')).toBe('1 model not placed — see Plan')
    expect(renderAlertGroup('model-unplaced', 8, 'fr')).toBe('8 modèles non placés — voir le Plan')
    expect(renderAlertGroup('model-unplaced', 1, 'fr')).toBe('1 modèle non placé — voir le Plan')
  })
})
