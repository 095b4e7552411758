import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { HostReport, LiveSnapshot, Plan } from '@gpufleet/core'
import { HISTORY_LIMIT, LOG_LIMIT, emptyState, reduce, vramParts } from '../src/state.js'
import { alertText, initialLang, t } from '../src/i18n.js'
import { esc, hostsSection } from '../src/view.js'

const roosync = join(import.meta.dirname, '../../../configs/roosync')
const host = (name: string): HostReport => JSON.parse(readFileSync(join(roosync, `${name}.hardware.json`), 'utf8')) as HostReport
const plan: Plan = { schema: 'gpufleet.plan/v1', term: 7, generatedAt: '2026-11-22T10:00:00.000Z', assignments: [{ model: 'qwen3:14b', host: 'myia-ai-01', gpus: [1], vramBytes: 10e9 }], routes: [], excluded: [{ host: 'myia-ai-01', gpu: 0, reason: 'no sm_120 kernels' }], unplaced: [] }

function snapshot (): LiveSnapshot {
  return {
    type: 'snapshot', schema: 'gpufleet.status/v1', generatedAt: '2026-11-22T10:00:00.000Z',
    self: { hostname: 'myia-web1', peerId: 'p', role: 'worker', priority: 0, addrs: [], api: '127.0.0.1:7700', isLeader: false },
    cluster: 'roosync', leader: 'myia-ai-01', leaderPeerId: 'q', term: 7,
    hosts: [host('myia-ai-01'), host('myia-web1')], plan, alerts: [],
    peers: { connected: 1, subscribed: 1 }, gossip: { received: 0, rejected: 0, ignored: 0, published: 0 },
    history: {}, apis: { 'myia-ai-01': '192.168.1.10:7700' }
  }
}

describe('dashboard state', () => {
  it('builds from the snapshot and follows host, leader, plan and alert events', () => {
    let s = reduce(emptyState(), snapshot())
    expect([...s.hosts.keys()]).toEqual(['myia-ai-01', 'myia-web1'])
    s = reduce(s, { type: 'host:left', at: '2026-11-22T10:00:05.000Z', hostname: 'myia-web1', lastSeen: '2026-11-22T10:00:01.000Z' })
    expect(s.hosts.get('myia-web1')?.online).toBe(false)
    const alert = { id: 'host-offline:myia-web1', rule: 'host-offline' as const, severity: 'critical' as const, host: 'myia-web1', gpu: null, model: null, value: null, threshold: null, message: 'myia-web1 is offline', since: '2026-11-22T10:00:05.000Z' }
    s = reduce(s, { type: 'alert:raised', at: '2026-11-22T10:00:05.000Z', alert })
    expect([...s.alerts.keys()]).toEqual([alert.id])
    s = reduce(s, { type: 'host:joined', at: '2026-11-22T10:00:09.000Z', host: { ...host('myia-web1'), online: true }, api: '192.168.1.20:7700' })
    s = reduce(s, { type: 'alert:cleared', at: '2026-11-22T10:00:09.000Z', alert })
    s = reduce(s, { type: 'leader:changed', at: '2026-11-22T10:00:10.000Z', leader: 'myia-po-2023', term: 1030, leaderApi: '192.168.1.11:7700' })
    expect(s.hosts.get('myia-web1')?.online).toBe(true)
    expect(s.alerts.size).toBe(0)
    expect([s.leader, s.term, s.apis['myia-po-2023']]).toEqual(['myia-po-2023', 1030, '192.168.1.11:7700'])
    expect(s.log.map(e => e.key)).toEqual(['leaderChanged', 'alertCleared', 'hostJoined', 'alertRaised', 'hostLeft'])
  })

  it('keeps its history and log bounded', () => {
    let s = reduce(emptyState(), snapshot())
    const h = host('myia-ai-01')
    for (let i = 0; i < 1000; i++) s = reduce(s, { type: 'host:joined', at: new Date(Date.UTC(2026, 10, 22) + i * 5000).toISOString(), host: h, api: null })
    expect(s.history['myia-ai-01/1']).toHaveLength(HISTORY_LIMIT)
    expect(s.log).toHaveLength(LOG_LIMIT)
  })

  it('splits a GPU\'s VRAM into ours, others, reserve and free', () => {
    const gpu = { ...host('myia-ai-01').gpus[1]!, vramBytes: 24e9, vramUsedBytes: 12e9, vramUsedByFleetBytes: 9e9 }
    expect(vramParts(gpu, 2e9)).toEqual({ total: 24e9, ours: 9e9, others: 3e9, reserve: 2e9, free: 10e9 })
    expect(vramParts({ ...gpu, vramBytes: null }, 2e9)).toBeNull()
  })

  it('escapes everything that came from the network', () => {
    const evil = { ...host('myia-web1'), hostname: '<img src=x onerror=alert(1)>' }
    const s = reduce(emptyState(), { ...snapshot(), hosts: [evil] })
    const html = hostsSection(s, 'en')
    expect(html).not.toContain('<img')
    expect(html).toContain(esc(evil.hostname))
  })

  it('shows a host\'s pulls with their progress', () => {
    const h = { ...host('myia-ai-01'), placement: [
      { model: 'llama3.1:8b', state: 'pulling' as const, completedBytes: 2.5e9, totalBytes: 5e9, bytesPerSecond: 40e6, attempts: 1, updatedAt: '2026-11-22T10:00:00.000Z' },
      { model: 'qwen2.5-coder:1.5b', state: 'failed' as const, attempts: 2, error: 'connection reset', updatedAt: '2026-11-22T10:00:00.000Z' }
    ] }
    const html = hostsSection(reduce(emptyState(), { ...snapshot(), hosts: [h] }), 'en')
    expect(html).toContain('data-placement="llama3.1:8b" data-state="pulling"')
    expect(html).toContain('<progress max="100" value="50"></progress> 50 %')
    expect(html).toContain('connection reset (attempt 2)')
  })

  it('speaks French and English', () => {
    expect(initialLang(null, 'fr-FR')).toBe('fr')
    expect(initialLang('en', 'fr-FR')).toBe('en')
    expect(t('fr', 'hostLeft', { host: 'a' })).toBe('a est hors ligne')
    const alert = { id: 'temperature-high:a:0', rule: 'temperature-high' as const, severity: 'critical' as const, host: 'a', gpu: 0, model: null, value: 90, threshold: 83, message: '', since: '2026-11-22T10:00:00.000Z' }
    expect(alertText('fr', alert)).toBe('a GPU 0 : 90 °C (seuil 83 °C)')
    expect(alertText('en', alert)).toBe('a GPU 0: 90 °C (threshold 83 °C)')
  })
})
