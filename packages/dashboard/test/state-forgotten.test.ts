import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { HostReport, LiveSnapshot } from '@gpufleet/core'
import { emptyState, reduce } from '../src/state.js'
import { t } from '../src/i18n.js'

const roosync = join(import.meta.dirname, '../../../configs/roosync')
const host = (name: string): HostReport => JSON.parse(readFileSync(join(roosync, `${name}.hardware.json`), 'utf8')) as HostReport

describe('a forgotten host', () => {
  it('leaves the page: its row, its API link and its readings go, and the log says so (fr/en)', () => {
    const snapshot: LiveSnapshot = {
      type: 'snapshot', schema: 'gpufleet.status/v1', generatedAt: '2026-11-22T10:00:00.000Z',
      self: { hostname: 'myia-ai-01', peerId: 'p', role: 'coordinator', priority: 100, addrs: [], api: '127.0.0.1:7700', isLeader: true },
      cluster: 'roosync', leader: 'myia-ai-01', leaderPeerId: 'p', term: 7,
      hosts: [host('myia-ai-01'), { ...host('myia-po-2024'), online: false }], plan: null, alerts: [],
      peers: { connected: 1, subscribed: 1 }, gossip: { received: 0, rejected: 0, ignored: 0, published: 0 },
      history: { 'myia-po-2024/0': [{ t: 1, util: 1, temp: 40, power: 20, vramUsed: 0 }], 'myia-ai-01/1': [] }, apis: { 'myia-po-2024': '192.168.1.24:7700' }
    }
    const s = reduce(reduce(emptyState(), snapshot), { type: 'host:forgotten', at: '2026-11-22T10:00:05.000Z', hostname: 'myia-po-2024' })
    expect([...s.hosts.keys()]).toEqual(['myia-ai-01'])
    expect(s.apis).toEqual({})
    expect(Object.keys(s.history)).toEqual(['myia-ai-01/1'])
    expect(s.log.map(e => e.key)).toEqual(['hostForgotten'])
    expect(t('fr', 'hostForgotten', { host: 'myia-po-2024' })).toBe('myia-po-2024 oublié (retiré de la flotte)')
    expect(t('en', 'hostForgotten', { host: 'myia-po-2024' })).toBe('myia-po-2024 forgotten (removed from the fleet)')
  })
})
