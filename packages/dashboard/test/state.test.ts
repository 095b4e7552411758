import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Alert, HostReport, LiveSnapshot, Plan } from '@gpufleet/core'
import { HISTORY_LIMIT, LOG_LIMIT, emptyState, reduce, vramParts } from '../src/state.js'
import { initialLang, t } from '../src/i18n.js'
import { alertsSection, esc, eventsSection, header, hostsSection, planSection } from '../src/view.js'
import { renderAlert } from '@gpufleet/core/text'

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

  it('splits a GPU\'s VRAM into ours, others, planned, reserve and free', () => {
    const gpu = { ...host('myia-ai-01').gpus[1]!, vramBytes: 24e9, vramUsedBytes: 12e9, vramUsedByFleetBytes: 9e9 }
    expect(vramParts(gpu, 2e9)).toEqual({ total: 24e9, ours: 9e9, others: 3e9, planned: 0, reserve: 2e9, free: 10e9 })
    // 15 GB planned, 9 GB of it loaded: 6 GB still to come.
    expect(vramParts(gpu, 2e9, 15e9)).toEqual({ total: 24e9, ours: 9e9, others: 3e9, planned: 6e9, reserve: 2e9, free: 4e9 })
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
    expect(renderAlert(alert, 'fr')).toBe('a GPU 0 : 90 °C (seuil 83 °C)')
    expect(renderAlert(alert, 'en')).toBe('a GPU 0: 90 °C (threshold 83 °C)')
  })

  const unplacedAlert = (model: string): Alert => ({
    id: `model-unplaced:${model}`, rule: 'model-unplaced', severity: 'info', host: null, gpu: null, model, value: null, threshold: null, message: `${model} is not placed`, since: '2026-11-22T10:00:00.000Z',
    detail: { code: 'no-eligible-gpu', params: { needBytes: 5 * 1024 ** 3 } }
  })

  it('folds informational alerts into one line with a count, and shows warnings and criticals one by one', () => {
    const alerts = [...Array.from({ length: 8 }, (_, i) => unplacedAlert(`m${i}`)), { ...unplacedAlert('x'), id: 'host-offline:a', rule: 'host-offline' as const, severity: 'critical' as const, host: 'a', model: null }]
    const s = reduce(emptyState(), { ...snapshot(), alerts })
    const fr = alertsSection(s, 'fr')
    expect(fr.match(/data-alert-group="model-unplaced" data-count="8"/g)).toHaveLength(1)
    expect(fr).toContain('8 modèles non placés — voir le Plan')
    expect(alertsSection(s, 'en')).toContain('8 models not placed — see Plan')
    expect(fr.indexOf('data-severity="critical"')).toBeLessThan(fr.indexOf('data-severity="info"'))
    expect(fr).toContain('>critique</span>')
  })

  it('refreshes an alert in place when the agent sends alert:updated', () => {
    let s = reduce(emptyState(), { ...snapshot(), alerts: [unplacedAlert('m')] })
    s = reduce(s, { type: 'alert:updated', at: '2026-11-22T10:01:00.000Z', alert: { ...unplacedAlert('m'), detail: { code: 'no-eligible-gpu', params: { needBytes: 7 * 1024 ** 3 } } } })
    expect(alertsSection(s, 'fr')).toContain('nécessite 7 Gio')
    expect(s.log).toHaveLength(0)
  })

  it('fills the Events panel from the events the snapshot replays', () => {
    const s = reduce(emptyState(), { ...snapshot(), events: [{ type: 'host:left', at: '2026-11-22T09:59:00.000Z', hostname: 'myia-po-2024' }, { type: 'leader:changed', at: '2026-11-22T09:58:00.000Z', leader: 'myia-ai-01', term: 7 }] })
    expect(s.log.map(e => e.key)).toEqual(['hostLeft', 'leaderChanged'])
    expect(eventsSection(s, 'fr')).toContain('myia-po-2024 est hors ligne')
  })

  it('shows a planned model in the VRAM bar before it is loaded, with a legend', () => {
    const s = reduce(emptyState(), snapshot())
    const html = hostsSection(s, 'fr')
    const ai01 = html.slice(html.indexOf('data-host="myia-ai-01"'))
    expect(ai01).toContain('data-testid="vram-legend"')
    expect(ai01).toMatch(/data-part="planned"><i class="swatch planned"><\/i>prévu, pas encore chargé <b>9,3 Gio<\/b>/)
    for (const part of ['ours', 'others', 'planned', 'reserve', 'free']) expect(ai01).toContain(`data-part="${part}"`)
  })

  it('draws charts with labelled axes, in the page\'s number format', () => {
    const samples = Array.from({ length: 10 }, (_, i) => ({ t: Date.UTC(2026, 10, 22, 10) + i * 60_000, util: 40 + i, temp: 50, power: 29.9, vramUsed: 2e9 }))
    const s = reduce(emptyState(), { ...snapshot(), history: { 'myia-ai-01/1': samples } })
    const html = hostsSection(s, 'fr')
    const gpu1 = html.slice(html.indexOf('data-gpu="1"'))
    expect(gpu1).toContain('class="axis-y"')
    expect(gpu1).toContain('class="axis-x"')
    expect(gpu1).toContain('29,9\u00a0W')
    expect(gpu1).toContain('>puissance (W)</text>')
    expect(gpu1).toContain('>100\u00a0%</text>')
  })

  it('says why an empty section is empty, and names the product once', () => {
    const empty = emptyState()
    expect(planSection(empty, 'fr')).toContain('le leader en publie un')
    expect(eventsSection(empty, 'en')).toContain('will show here')
    const noAssign = reduce(emptyState(), { ...snapshot(), plan: { ...plan, assignments: [] } })
    expect(planSection(noAssign, 'en')).toContain('data-testid="no-assignments"')
    expect(header(reduce(emptyState(), { ...snapshot(), cluster: 'gpufleet' }), 'en', 'connected')).not.toMatch(/gpufleet\s*<span class="cluster">gpufleet/)
  })

  it('leaves no English in the French page, and no French in the English one', () => {
    const ENGLISH = ['worker', 'warning', 'not placed', 'needs ', 'free', 'reserve', 'other programs', 'excluded', 'offline', 'online', 'threshold', 'quality', 'taken by', 'reachable', 'planned', 'nothing yet', 'no plan', 'since', 'Hosts', 'Events', 'Alerts', 'utilization', 'temperature', 'power']
    const FRENCH = ['poste', 'avertissement', 'non placé', 'nécessite', 'libre', 'réserve', 'autres programmes', 'hors ligne', 'en ligne', 'seuil', 'qualité', 'prise par', 'joignable', 'prévu', 'rien pour', 'depuis', 'Machines', 'Événements', 'Alertes', 'utilisation', 'température', 'puissance']
    const samples = Array.from({ length: 5 }, (_, i) => ({ t: Date.UTC(2026, 10, 22, 10) + i * 60_000, util: 4, temp: 50, power: 29.9, vramUsed: 2e9 }))
    const alerts = [unplacedAlert('a'), unplacedAlert('b'), { ...unplacedAlert('c'), id: 'temperature-high:myia-ai-01:1', rule: 'temperature-high' as const, severity: 'critical' as const, host: 'myia-ai-01', gpu: 1, value: 90, threshold: 83 }]
    const full = { ...plan, unplaced: [{ model: 'big', reason: 'needs', detail: { code: 'too-large' as const, params: { needBytes: 30e9, largestFreeBytes: 20e9, host: 'myia-ai-01', gpu: 1, largestHostTotalBytes: null, offloadedTokensPerSecond: 12.5 } } }] }
    const s = reduce(emptyState(), { ...snapshot(), plan: full, alerts, history: { 'myia-ai-01/1': samples }, events: [{ type: 'host:left', at: '2026-11-22T09:59:00.000Z', hostname: 'myia-web1' }] })
    const page = (lang: 'fr' | 'en'): string => [header(s, lang, 'connected'), alertsSection(s, lang), hostsSection(s, lang), planSection(s, lang), eventsSection(s, lang)].join('\n')
      .replace(/<[^>]*>/g, ' ').replace(/no sm_120 kernels/g, '')
    const fr = page('fr')
    const en = page('en')
    for (const word of ENGLISH) expect(fr, word).not.toContain(word)
    for (const word of FRENCH) expect(en, word).not.toContain(word)
  })
})
