import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { nextTerm } from '@gpufleet/core'
import { AuthorityGate, checkCoordinators } from '../src/authority-gate.js'
import { FakeNetwork } from './support/fake-node.js'

describe('the authority gate', () => {
  it('rejects a member that is not pinned, logging each (peer, kind, reason) once however often it tries', async () => {
    const net = new FakeNetwork()
    const [leader, rogue] = [await net.node(), await net.node()]
    const term = nextTerm(0, leader.peerId)
    const lines: Array<{ msg: string, reason?: string }> = []
    const logger = pino({ level: 'info' }, { write: (l: string) => { lines.push(JSON.parse(l) as { msg: string }) } })
    const gate = new AuthorityGate({ logger }, { coordinators: [leader.peerId], term: () => term, leader: () => ({ peerId: leader.peerId, term }), reportsCoordinator: () => true })
    expect(gate.claim(leader.peerId, term).accept).toBe(true)
    expect(gate.mayLead(rogue.peerId)).toBe(false)
    for (let i = 0; i < 100; i++) expect(gate.claim(rogue.peerId, 2 ** 40)).toMatchObject({ accept: false, reject: true, reason: 'not-a-coordinator' })
    expect(gate.termMessage(rogue.peerId, 2 ** 40, 'plan')).toMatchObject({ reject: true })
    expect(gate.termMessage(leader.peerId, term - 1024, 'plan')).toMatchObject({ accept: false, reject: false, reason: 'stale-term' })
    expect(lines.map(l => l.reason)).toEqual(['not-a-coordinator', 'not-a-coordinator'])
  })

  it('cluster.coordinators must be peer ids: a placeholder is bad input (exit 2) naming the entry', async () => {
    const net = new FakeNetwork()
    const node = await net.node()
    expect(() => { checkCoordinators([node.peerId]) }).not.toThrow()
    expect(() => { checkCoordinators(null) }).not.toThrow()
    let caught: unknown
    try { checkCoordinators([node.peerId, '12D3KooW...']) } catch (err) { caught = err }
    expect(caught).toMatchObject({ name: 'InvalidInputError', exitCode: 2, message: 'cluster.coordinators.1: "12D3KooW..." is not a peer id (gpufleet init prints each node\'s, 12D3KooW…)' })
  })
})
