import { describe, expect, it } from 'vitest'
import { GOSSIP_VERSION, alertsDigest, type Alert, type AlertsMessage, type LiveEvent } from '@gpufleet/core'
import { AlertFeed } from '../src/alert-feed.js'
import { ElectionRunner } from '../src/election-runner.js'
import type { Gateway } from '../src/gateway/gateway.js'
import { Gossip } from '../src/gossip.js'
import { InventoryReplica } from '../src/inventory-replica.js'
import type { LiveHub } from '../src/live.js'
import { PlanInForce } from '../src/plan-in-force.js'
import { AgentViews } from '../src/views.js'
import { FakeNetwork } from './support/fake-node.js'
import { components, hardware, signedReport, silent, testConfig } from './support/harness.js'

const alert = (id: string): Alert => ({ id, rule: 'host-offline', severity: 'critical', host: id, gpu: null, model: null, value: null, threshold: null, message: `${id} is offline`, since: '2026-11-22T10:00:00.000Z' })
const list = (term: number, peerId: string, alerts: Alert[]): AlertsMessage => ({ v: GOSSIP_VERSION, type: 'alerts', peerId, sentAt: '2026-11-22T10:00:00.000Z', term, alerts, signature: 'x'.repeat(44) })

describe('the alert feed on a follower', () => {
  it('takes the leader\'s list as raised/cleared events, refuses an older term\'s list and its own', () => {
    const feed = new AlertFeed({ logger: silent }, testConfig({ name: 'f', role: 'worker' }).alerts)
    const events: string[] = []
    feed.on('alert:raised', (a, leading) => { events.push(`raised ${a.id} ${String(leading)}`) })
    feed.on('alert:cleared', a => { events.push(`cleared ${a.id}`) })
    const leader = '12D3KooWLeaderxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
    const adopt = (msg: AlertsMessage): boolean => feed.adopt(msg, JSON.stringify(msg), 'self', 2048)
    expect(feed.digest).toBeNull()
    expect(adopt(list(2048, leader, [alert('a'), alert('b')]))).toBe(true)
    const second = list(2048, leader, [alert('b')])
    expect(adopt(second)).toBe(true)
    expect(events).toEqual(['raised a false', 'raised b false', 'cleared a'])
    expect(adopt(list(1024, leader, []))).toBe(false)
    expect(adopt(list(3072, 'self', []))).toBe(false)
    expect(feed.active.map(a => a.id)).toEqual(['b'])
    // What sync relays and what the leader's beat is compared with: the last list taken, as received.
    expect(feed.raw).toBe(JSON.stringify(second))
    expect(feed.digest).toBe(alertsDigest([alert('b')]))
    expect(feed.digest).not.toBe(alertsDigest([alert('a'), alert('b')]))
  })
})

describe('the views', () => {
  it('the status document and the dashboard events come from the components', async () => {
    const net = new FakeNetwork()
    const [self, peer] = await Promise.all([net.node(), net.node()])
    net.connect(self, peer)
    const parts = components(self)
    const config = testConfig({ name: 'self', role: 'worker' })
    const gossip = new Gossip(parts, 'test')
    const replica = new InventoryReplica(parts, 10_000)
    const election = new ElectionRunner(parts, { self: { peerId: self.peerId, hostname: 'self', priority: 0, coordinator: false }, leaseMs: 3000, startupGraceMs: 2000 }, 0)
    const plans = new PlanInForce(parts, () => election.term)
    const alerts = new AlertFeed(parts, config.alerts)
    const gateway = { usageTable: () => [] } as unknown as Gateway
    const views = new AgentViews(parts, { config, hostname: 'self', node: self, api: () => '127.0.0.1:7700', election, replica, plans, alerts, gossip, gateway, reportPath: '/var/lib/gpufleet/GPU_SPECS.md' })
    const sent: LiveEvent[] = []
    views.attach({ broadcast: (e: LiveEvent) => { sent.push(e) } } as unknown as LiveHub)
    replica.on('host:report', (msg, host, live) => { views.notify({ type: live, host, api: msg.api }) })
    const { message, text } = await signedReport(peer, { ...hardware('myia-po-2024.hardware.json', 'po-2024'), ollama: { reachable: true, host: 'http://127.0.0.1:11434', models: [] } }, 1, parts.clock)
    replica.accept({ ...message, addrs: ['/ip4/10.0.0.7/tcp/7701/p2p/' + peer.peerId] }, text)

    const status = views.status()
    expect(status).toMatchObject({ cluster: 'test', leader: null, term: 0, plan: null, generatedAt: '2026-11-22T10:00:00.000Z', self: { hostname: 'self', peerId: self.peerId, api: '127.0.0.1:7700', isLeader: false }, peers: { connected: 1 } })
    expect(status.hosts.map(h => [h.hostname, h.online])).toEqual([['po-2024', true]])
    expect(sent).toMatchObject([{ type: 'host:joined', host: { hostname: 'po-2024' }, at: '2026-11-22T10:00:00.000Z' }])
    expect(views.snapshot().apis).toEqual({ 'po-2024': null })
    expect(views.gatewayContext().peerOllama.get('po-2024')).toBe('http://10.0.0.7:11434/v1')
  })
})
