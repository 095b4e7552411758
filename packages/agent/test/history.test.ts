import { describe, expect, it } from 'vitest'
import type { HostReport } from '@gpufleet/core'
import { ReadingsHistory, RecentEvents } from '../src/history.js'

const report = (util: number, hostname = 'a'): HostReport => ({
  schema: 'gpufleet.host-report/v1', hostname, role: 'worker', simulated: true, collectedAt: '2026-11-22T10:00:00.000Z',
  os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' }, cpu: { brand: 'x', cores: 1, threads: 1 }, memory: { totalBytes: 1 },
  gpus: [{ index: 0, vendor: 'nvidia', model: 'RTX', vramBytes: 24e9, vramSource: 'simulated', vramUsedBytes: 1e9, utilizationPct: util, temperatureC: 50, powerW: 30 }],
  displays: [], ollama: { reachable: false, models: [] }
})

describe('ReadingsHistory', () => {
  it('keeps 1 h at 15 s and 24 h as 5-minute means, bounded whatever the uptime', () => {
    const h = new ReadingsHistory()
    const start = Date.UTC(2026, 10, 22)
    // Three days of 1 s heartbeats.
    for (let s = 0; s < 3 * 86_400; s++) h.record(report(s % 2 === 0 ? 10 : 30), start + s * 1000)
    const fine = h.snapshot()['a/0']!
    const coarse = h.snapshot24h()['a/0']!
    expect(fine).toHaveLength(240)
    expect(fine[1]!.t - fine[0]!.t).toBe(15_000)
    // 288 closed buckets plus the open one.
    expect(coarse).toHaveLength(289)
    expect(coarse[1]!.t - coarse[0]!.t).toBe(300_000)
    expect(coarse[0]!.util).toBe(20)
    expect(h.size).toBe(240 + 288 + 1)
  })

  it('drops a GPU silent for 24 h', () => {
    const h = new ReadingsHistory()
    h.record(report(1, 'gone'), 0)
    for (let s = 0; s <= 86_400 + 600; s += 60) h.record(report(1, 'here'), 1000 + s * 1000)
    expect(Object.keys(h.snapshot())).toEqual(['here/0'])
  })
})

describe('RecentEvents', () => {
  it('keeps the newest notable events, cut to a log line, not the per-heartbeat host updates', () => {
    const r = new RecentEvents(3)
    const plan = { schema: 'gpufleet.plan/v1' as const, generatedAt: '2026-11-22T10:00:00.000Z', assignments: [{ model: 'm', host: 'a', gpus: [0], vramBytes: 1 }], routes: [], excluded: [], unplaced: [] }
    for (let n = 0; n < 5; n++) {
      r.add({ type: 'plan:changed', at: `2026-11-22T10:00:0${n}.000Z`, plan: { ...plan, term: n } })
      r.add({ type: 'host:updated', at: '2026-11-22T10:00:00.000Z', host: report(1), api: null })
    }
    expect(r.list()).toEqual([4, 3, 2].map(term => ({ type: 'plan:changed', at: `2026-11-22T10:00:0${term}.000Z`, term, assignments: 1 })))
  })
})
