import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { termBelongsTo, type Alert, type StatusDocument } from '@gpufleet/core'
import { Fleet, LOADED_MS, SEED_FLEET, onlineHosts, sleep, type FleetNode } from './harness.js'
import { RogueMember } from './rogue-member.js'

let fleet: Fleet | undefined
let rogue: RogueMember | undefined
afterEach(async () => {
  await rogue?.stop()
  await fleet?.destroy()
  rogue = undefined
  fleet = undefined
})

const unauthorized = (s: StatusDocument): number => (s.gossip as { unauthorized?: number }).unauthorized ?? 0

/** The shared file every node loads lists the pinned coordinators (README, "A fleet of real machines"). */
function pin (fleet: Fleet, coordinators: FleetNode[]): void {
  const shared = join(fleet.root, 'shared.yaml')
  const text = readFileSync(shared, 'utf8').replace(/^cluster:\n/m, `cluster:\n  coordinators:\n${coordinators.map(c => `    - ${c.peerId}\n`).join('')}`)
  writeFileSync(shared, text)
}

const fakeAlert = (host: string): Alert => ({ id: `host-offline:${host}`, rule: 'host-offline', severity: 'critical', host, gpu: null, model: null, value: null, threshold: null, message: `${host} is offline (rogue)`, since: new Date().toISOString() })

describe('a rogue member (holds the swarm key, not a pinned coordinator)', { timeout: 300_000 }, () => {
  it('cannot change any node\'s leader, plan or alerts, nor forget a host; the pinned standby still takes over when the leader dies', async () => {
    fleet = await Fleet.create(SEED_FLEET.slice(0, 3))
    const [ai01, po2023, ...workers] = fleet.nodes as [FleetNode, FleetNode, ...FleetNode[]]
    pin(fleet, [ai01, po2023])
    fleet.startAll()
    await fleet.waitFor(fleet.nodes, s => onlineHosts(s).length === 3 && s.leader === 'myia-ai-01' && s.plan?.term === s.term, 'convergence', LOADED_MS)
    const before = await fleet!.answeredStatus(ai01)
    const planBefore = before.plan!
    expect(planBefore.assignments.length).toBeGreaterThan(0)

    rogue = await RogueMember.join(fleet)
    const r = rogue
    const victim = workers[0]!
    // Its own report says coordinator with the highest priority; its claims, plans, alert lists and
    // tombstones carry a huge term: 2^40 exactly, and 2^40 in its own term slot.
    await r.report(Date.now())
    for (const term of [2 ** 40, r.hugeTerm]) {
      await r.claimLeadership(term)
      await r.plan(planBefore, term)
      await r.alerts([fakeAlert(victim.spec.name)], term)
      await r.forget(victim.spec.name, victim.peerId, term)
    }
    // Also in the leader's own term: a plan of the right term from the wrong author.
    await r.plan(planBefore, before.term)
    const sent = 9
    await fleet.waitFor(fleet.nodes, s => unauthorized(s) >= sent, `every node rejecting the rogue's ${sent} messages`, LOADED_MS)

    // The leader stays (on a loaded machine a stalled event loop may cost it its lease for a moment;
    // the pinned standby may then lead, never the rogue): every term seen is a pinned coordinator's.
    const pinnedTerm = (t: number): boolean => termBelongsTo(t, ai01.peerId) || termBelongsTo(t, po2023.peerId)
    await fleet.waitFor(fleet.nodes, s => s.leader === 'myia-ai-01' && s.plan?.term === s.term, 'the pinned leader in place after the rogue\'s messages', LOADED_MS)
    for (const node of fleet.nodes) {
      const s = await fleet!.answeredStatus(node)
      expect(s.leader, node.spec.name).toBe('myia-ai-01')
      expect(pinnedTerm(s.term) && s.term < 2 ** 40, `${node.spec.name}: term ${s.term}`).toBe(true)
      expect(s.plan?.term, node.spec.name).toBe(s.term)
      expect(s.plan?.assignments.length, node.spec.name).toBeGreaterThan(0)
      expect(s.plan?.routes.some(route => route.target.kind === 'peer' && route.target.host === 'rogue'), node.spec.name).toBe(false)
      expect(s.alerts.some(a => a.message.includes('(rogue)')), node.spec.name).toBe(false)
      expect(onlineHosts(s), node.spec.name).toContain(victim.spec.name)
      expect(node.log.some(l => l.includes('not-a-coordinator')), node.spec.name).toBe(true)
    }

    // The leader dies while the rogue keeps claiming: the pinned standby takes over, the rogue never leads.
    let claiming = true
    const claims = (async () => { while (claiming) { await r.claimLeadership(); await r.report(Date.now()); await sleep(100) } })()
    try {
      await fleet.kill(ai01)
      const rest = [po2023, ...workers]
      await fleet.waitFor(rest, s => s.leader === 'myia-po-2023' && s.term > before.term && s.plan?.term === s.term, 'the pinned standby leading', LOADED_MS)
      const after = await fleet!.answeredStatus(po2023)
      await r.plan(after.plan!, r.hugeTerm)
      await r.plan(after.plan!, after.term)
      await fleet.waitFor(rest, s => unauthorized(s) >= sent + 2, 'the rogue\'s plans after failover rejected', LOADED_MS)
      for (const node of rest) {
        const s = await fleet!.answeredStatus(node)
        expect(s.leader, node.spec.name).toBe('myia-po-2023')
        expect(termBelongsTo(s.term, po2023.peerId) && s.term < 2 ** 40, `${node.spec.name}: term ${s.term}`).toBe(true)
        expect(s.plan?.term, node.spec.name).toBe(s.term)
        expect(s.plan?.routes.some(route => route.target.kind === 'peer' && route.target.host === 'rogue'), node.spec.name).toBe(false)
      }
    } finally {
      claiming = false
      await claims
    }
  })

  it('without pinned coordinators, the agent warns at start that any swarm member can lead', async () => {
    fleet = await Fleet.create(SEED_FLEET.slice(0, 2))
    fleet.startAll()
    await fleet.waitFor(fleet.nodes, s => onlineHosts(s).length === 2, 'convergence', LOADED_MS)
    for (const node of fleet.nodes) expect(node.log.some(l => l.includes('cluster.coordinators is not set')), node.spec.name).toBe(true)
  })
})
