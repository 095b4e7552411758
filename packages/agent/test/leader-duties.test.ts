import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { alertsDigest, type GossipMessage, type HostReport, type PlanMessage } from '@gpufleet/core'
import { AlertFeed } from '../src/alert-feed.js'
import { Gossip } from '../src/gossip.js'
import { LeaderDuties } from '../src/leader-duties.js'
import { PlanInForce } from '../src/plan-in-force.js'
import { SpecDocument } from '../src/spec-document.js'
import { FakeNetwork, type FakeNode } from './support/fake-node.js'
import { components, hardware, testConfig } from './support/harness.js'

const TERM = 3 * 1024 + 7
const config = testConfig({ name: 'ai-01', role: 'coordinator', priority: 100 })
const online = (r: HostReport): HostReport => ({ ...r, online: true })

/** A leader and a follower connected in memory; the follower takes plans through its own gossip. */
async function setup (dir: string) {
  const net = new FakeNetwork()
  const leaderNode = await net.node()
  const followerNode = await net.node()
  net.connect(leaderNode, followerNode)
  const parts = components(leaderNode)
  const gossip = new Gossip(parts, 'test')
  const plans = new PlanInForce(parts, () => TERM)
  const alerts = new AlertFeed(parts, config.alerts)
  gossip.start({ report: () => false, leader: () => false, plan: (m, raw) => plans.accept(m, raw), alerts: () => false, beat: () => false })
  const follower = components(followerNode)
  const followerGossip = new Gossip(follower, 'test')
  const followerPlans = new PlanInForce(follower, () => TERM)
  followerGossip.start({ report: () => false, leader: () => false, plan: (m, raw) => followerPlans.accept(m, raw), alerts: () => false, beat: () => false })
  let hosts = [online(hardware('myia-ai-01.hardware.json', 'ai-01', 'coordinator')), online(hardware('myia-po-2024.hardware.json', 'po-2024'))]
  let version = 0
  const planned: number[] = []
  const duties = new LeaderDuties(parts, {
    config, self: { peerId: leaderNode.peerId, hostname: 'ai-01' }, gossip, plans, alerts,
    document: new SpecDocument(parts, config, join(dir, 'GPU_SPECS.md')),
    hosts: () => hosts,
    inventoryVersion: () => version,
    planned: s => { planned.push(s) }
  })
  const sent = (node: FakeNode, type: GossipMessage['type']): GossipMessage[] => node.published.map(t => JSON.parse(t) as GossipMessage).filter(m => m.type === type)
  return { parts, duties, plans, followerPlans, leaderNode, planned, sent, setHosts: (h: HostReport[]) => { hosts = h; version++ } }
}

describe('leader duties, started and stopped as one unit', () => {
  let dir = ''
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'gpufleet-leader-')); vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }) })
  afterEach(() => { vi.useRealTimers(); rmSync(dir, { recursive: true, force: true }) })

  it('established: plans at once, takes the plan, publishes it to followers, writes the GPU spec document', async () => {
    const { duties, plans, followerPlans, leaderNode, planned, sent } = await setup(dir)
    duties.establish(TERM)
    expect(duties.established).toBe(true)
    await vi.advanceTimersByTimeAsync(0)
    await vi.waitFor(() => { expect(existsSync(join(dir, 'GPU_SPECS.md'))).toBe(true) })
    expect(plans.plan?.term).toBe(TERM)
    expect(plans.plan?.assignments.length).toBeGreaterThan(0)
    expect(followerPlans.plan).toEqual(plans.plan)
    expect(followerPlans.raw).toBe(plans.raw)
    expect(sent(leaderNode, 'plan')).toHaveLength(1)
    expect(planned).toHaveLength(1)
    expect(readFileSync(join(dir, 'GPU_SPECS.md'), 'utf8')).toContain('ai-01')
  })

  it('while established: an unchanged inventory gives no new plan; a host joining gives one after the debounce; heartbeats republish nothing, the beat names what was published', async () => {
    const { parts, duties, plans, leaderNode, sent, setHosts } = await setup(dir)
    duties.establish(TERM)
    await vi.advanceTimersByTimeAsync(0)
    await vi.waitFor(() => { expect(plans.plan).not.toBeNull() })
    const first = plans.plan!
    duties.tick()
    await vi.advanceTimersByTimeAsync(500)
    expect(sent(leaderNode, 'plan')).toHaveLength(1)

    parts.clock.advance(1000)
    setHosts([online(hardware('myia-ai-01.hardware.json', 'ai-01', 'coordinator')), online(hardware('myia-po-2024.hardware.json', 'po-2024')), online(hardware('myia-po-2026.hardware.json', 'po-2026'))])
    duties.tick()
    duties.tick()
    await vi.advanceTimersByTimeAsync(199)
    expect(sent(leaderNode, 'plan')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    await vi.waitFor(() => { expect(sent(leaderNode, 'plan')).toHaveLength(2) })
    expect(plans.plan!.generatedAt > first.generatedAt).toBe(true)

    // The first heartbeat of the term sends the alert list once; later ones only when it changes.
    expect(duties.published()).toEqual({ plan: plans.seq })
    for (let beat = 1; beat <= 10; beat++) await duties.heartbeat()
    expect(sent(leaderNode, 'plan')).toHaveLength(2)
    expect(sent(leaderNode, 'alerts').map(m => m.type === 'alerts' && m.term)).toEqual([TERM])
    const [list] = sent(leaderNode, 'alerts')
    expect(duties.published()).toEqual({ plan: 2, alerts: alertsDigest(list!.type === 'alerts' ? list!.alerts : []) })
    duties.announce(TERM)
    expect(sent(leaderNode, 'leader').map(m => m.type === 'leader' && m.term)).toEqual([TERM])
  })

  it('revoked: a pending plan is cancelled, and nothing more is planned or published', async () => {
    const { parts, duties, plans, leaderNode, setHosts } = await setup(dir)
    duties.establish(TERM)
    duties.revoke()
    expect(duties.established).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    parts.clock.advance(1000)
    setHosts([online(hardware('myia-po-2026.hardware.json', 'po-2026'))])
    duties.tick()
    await vi.advanceTimersByTimeAsync(1000)
    await duties.makePlan()
    await duties.heartbeat()
    expect(leaderNode.published).toEqual([])
    expect(plans.plan).toBeNull()
    expect(existsSync(join(dir, 'GPU_SPECS.md'))).toBe(false)
  })

  it('a plan of the previous leader in force is never republished as ours', async () => {
    const { duties, plans, leaderNode, sent } = await setup(dir)
    const other = await new FakeNetwork().node()
    const { computePlan } = await import('@gpufleet/core')
    const previous = computePlan({ hosts: [], config, term: TERM - 1, generatedAt: '2026-11-22T09:00:00.000Z' })
    const { message, text } = await other.sign<Omit<PlanMessage, 'signature'>>({ v: 1, type: 'plan', peerId: other.peerId, sentAt: previous.generatedAt, term: previous.term, plan: previous })
    expect(message.term).toBeLessThan(TERM)
    plans.restore({ plan: message.plan, raw: text })
    // Leading, before its own first plan is made: the heartbeat sends alerts, not the old plan.
    duties.establish(TERM)
    await duties.heartbeat()
    expect(sent(leaderNode, 'alerts')).toHaveLength(1)
    expect(sent(leaderNode, 'plan')).toEqual([])
    expect(duties.published().plan).toBeUndefined()
    duties.revoke()
  })
})
