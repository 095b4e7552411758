import { describe, expect, it } from 'vitest'
import type { LiveSnapshot } from '@gpufleet/core'
import { emptyState, reduce } from '../src/state.js'
import { header } from '../src/view.js'

function state (isLeader: boolean) {
  const snapshot: LiveSnapshot = {
    type: 'snapshot', schema: 'gpufleet.status/v1', generatedAt: '2026-11-22T10:00:00.000Z',
    self: { hostname: 'myia-ai-01', peerId: 'p', role: 'coordinator', priority: 100, addrs: [], api: '127.0.0.1:7700', isLeader },
    cluster: 'roosync', reportPath: '/home/ops/.gpufleet/GPU_SPECS.md', leader: 'myia-ai-01', leaderPeerId: 'p', term: 3,
    hosts: [], plan: null, alerts: [], peers: { connected: 0, subscribed: 0 }, gossip: { received: 0, rejected: 0, ignored: 0, published: 0 },
    history: {}, apis: {}
  }
  return reduce(emptyState(), snapshot)
}

describe('the header links the GPU spec document and says where it is written', () => {
  it('links both languages and shows the leader\'s own path, in English and French', () => {
    const en = header(state(true), 'en', 'connected')
    expect(en).toContain('GPU spec document: <a href="/api/report.md?lang=fr" hreflang="fr">FR</a> · <a href="/api/report.md?lang=en" hreflang="en">EN</a>')
    expect(en).toContain('written to <code>/home/ops/.gpufleet/GPU_SPECS.md</code>')
    const fr = header(state(true), 'fr', 'connected')
    expect(fr).toContain('Document des specs GPU: <a href="/api/report.md?lang=fr"')
    expect(fr).toContain('écrit dans <code>/home/ops/.gpufleet/GPU_SPECS.md</code>')
  })

  it('on a node that does not lead, says the leader writes it', () => {
    expect(header(state(false), 'en', 'connected')).toContain('the leader writes it to <code>GPU_SPECS.md</code>')
  })
})
