import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { emptyAlertBook, evaluateConditions, hostReportSchema, updateAlerts, type AlertThresholds, type HostReport } from '../src/index.js'

const T: AlertThresholds = { vramUsed: 22e9, vramUsedPct: 92, temperatureC: 83, idleUtilizationPct: 20, idleFor: 60_000, latencyMs: 500 }
const web1 = JSON.parse(readFileSync(join(import.meta.dirname, '../../../configs/roosync/myia-web1.hardware.json'), 'utf8')) as HostReport

describe('disk-unwritable', () => {
  it('is raised while a host reports its data directory unwritable, and cleared by its next writable report', () => {
    const full = hostReportSchema.parse({ ...web1, dataDir: { writable: false, error: 'ENOSPC: no space left on device' } })
    const first = updateAlerts(emptyAlertBook(), evaluateConditions({ hosts: [full], plan: null, thresholds: T }), 0)
    expect(first.raised).toMatchObject([{ id: 'disk-unwritable:myia-web1', rule: 'disk-unwritable', severity: 'warning', host: 'myia-web1', message: 'myia-web1 cannot write its data directory (ENOSPC: no space left on device): running from memory' }])
    const again = updateAlerts(first.book, evaluateConditions({ hosts: [web1], plan: null, thresholds: T }), 1000)
    expect(again.cleared.map(a => a.id)).toEqual(['disk-unwritable:myia-web1'])
  })
  it('an offline host raises only host-offline, whatever its last report said', () => {
    const stale = { ...web1, online: false, dataDir: { writable: false as const, error: 'EROFS' } }
    expect(evaluateConditions({ hosts: [stale], plan: null, thresholds: T }).map(c => c.rule)).toEqual(['host-offline'])
  })
})

describe('probe-failed', () => {
  it('is raised while a host reports stale readings, and cleared once its probe works again', () => {
    const stale = hostReportSchema.parse({ ...web1, probeFailure: { stale: true, error: 'nvidia-smi: not found', since: '2026-11-30T10:00:00.000Z' } })
    const first = updateAlerts(emptyAlertBook(), evaluateConditions({ hosts: [stale], plan: null, thresholds: T }), 0)
    expect(first.raised).toMatchObject([{ id: 'probe-failed:myia-web1', rule: 'probe-failed', severity: 'warning', host: 'myia-web1' }])
    expect(first.raised[0]!.message).toContain('nvidia-smi: not found')
    const again = updateAlerts(first.book, evaluateConditions({ hosts: [web1], plan: null, thresholds: T }), 1000)
    expect(again.cleared.map(a => a.id)).toEqual(['probe-failed:myia-web1'])
  })
})
