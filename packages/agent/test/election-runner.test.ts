import { describe, expect, it } from 'vitest'
import { GOSSIP_VERSION, nextTerm, type LeaderMessage } from '@gpufleet/core'
import { ElectionRunner } from '../src/election-runner.js'
import { ManualClock, silent } from './support/harness.js'

const LEASE = 3000
const A = { peerId: '12D3KooWAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', hostname: 'ai-01', priority: 100 }
const B = { peerId: '12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', hostname: 'po-2023', priority: 50 }

function runner (self: typeof A, clock: ManualClock, restoredTerm = 0): { election: ElectionRunner, events: string[] } {
  const election = new ElectionRunner({ clock, logger: silent }, { self: { ...self, coordinator: true }, leaseMs: LEASE, startupGraceMs: 2000 }, restoredTerm)
  const events: string[] = []
  election.on('leadership:established', term => { events.push(`established ${term}`) })
  election.on('leadership:revoked', term => { events.push(`revoked ${term}`) })
  election.on('leader:changed', (leader, term) => { events.push(`leader ${leader?.hostname ?? 'none'} ${term}`) })
  election.on('election:announce', term => { events.push(`announce ${term}`) })
  return { election, events }
}

const claim = (who: typeof A, term: number, clock: ManualClock): LeaderMessage => ({ v: GOSSIP_VERSION, type: 'leader', peerId: who.peerId, sentAt: new Date(clock.wall()).toISOString(), hostname: who.hostname, term, priority: who.priority })

describe('the election runner', () => {
  it('listens through the startup grace, then a lone coordinator claims a term above the one it restored', () => {
    const clock = new ManualClock()
    const { election, events } = runner(B, clock, 5000)
    election.tick()
    clock.advance(1999)
    election.tick()
    expect(events).toEqual([])
    clock.advance(1)
    election.tick()
    const term = nextTerm(5000, B.peerId)
    expect(term).toBeGreaterThan(5000)
    expect(events).toEqual([`established ${term}`, `leader po-2023 ${term}`, `announce ${term}`])
    expect(election.leading).toBe(true)
    // While leading, ticks announce nothing more: the lease is renewed once per heartbeat, in the beat.
    election.tick()
    expect(events).toHaveLength(3)
    expect(election.lease).toEqual({ term, priority: 50 })
  })

  it('a leader change: a higher-term claim from a better-ranked coordinator revokes this leader', () => {
    const clock = new ManualClock()
    const { election, events } = runner(B, clock)
    clock.advance(2000)
    election.tick()
    const mine = election.term
    events.length = 0
    const theirs = nextTerm(mine, A.peerId)
    expect(election.claim(claim(A, theirs, clock))).toBe(true)
    expect(events).toEqual([`revoked ${theirs}`, `leader ai-01 ${theirs}`])
    expect(election.leading).toBe(false)
    expect(election.leader?.hostname).toBe('ai-01')
    // A claim from the term it replaced is fenced: refused, nothing changes.
    expect(election.claim(claim(B, mine, clock))).toBe(false)
    expect(election.leader?.hostname).toBe('ai-01')
  })

  it('a follower drops a leader whose lease lapsed, and takes over when it is the best live coordinator', () => {
    const clock = new ManualClock()
    const { election, events } = runner(B, clock)
    election.claim(claim(A, 2048, clock))
    expect(events).toEqual(['leader ai-01 2048'])
    clock.advance(LEASE - 1)
    election.tick()
    expect(election.leader?.hostname).toBe('ai-01')
    clock.advance(1)
    election.tick()
    const term = nextTerm(2048, B.peerId)
    expect(events).toEqual(['leader ai-01 2048', 'leader none 2048', `established ${term}`, `leader po-2023 ${term}`, `announce ${term}`])
  })

  it('a leader that dies right after a beat drops out when its lease lapses, even with a window of offlineAfter for candidates (the standby claims at once)', () => {
    const clock = new ManualClock()
    const election = new ElectionRunner({ clock, logger: silent }, { self: { ...B, coordinator: true }, leaseMs: LEASE, candidateWindowMs: 10_000, startupGraceMs: 2000 }, 0)
    election.reportSeen({ report: { role: 'coordinator', hostname: A.hostname }, peerId: A.peerId, priority: A.priority } as Parameters<ElectionRunner['reportSeen']>[0])
    clock.advance(2000)
    // Its last beat: the lease renewal, then the beat taken into the inventory a moment later.
    election.claim(claim(A, 2048, clock))
    clock.advance(1)
    election.beatSeen(A.peerId)
    clock.advance(LEASE)
    election.tick()
    expect(election.leading).toBe(true)
  })

  it('after a restart, a coordinator known from disk counts again by its beats alone (its report may not come for minutes)', () => {
    const clock = new ManualClock()
    const election = new ElectionRunner({ clock, logger: silent }, { self: { ...B, coordinator: true }, leaseMs: LEASE, candidateWindowMs: 10_000, startupGraceMs: 2000 }, 0)
    election.remember(A)
    clock.advance(2000)
    // Its beat alone makes it a live candidate: the lower-ranked standby leaves the claim to it, until the window passes.
    election.beatSeen(A.peerId)
    election.tick()
    expect(election.leading).toBe(false)
    clock.advance(10_000)
    election.tick()
    expect(election.leading).toBe(true)
  })

  it('a coordinator heard from by its reports stays a candidate: the lower-ranked one does not claim', () => {
    const clock = new ManualClock()
    const { election, events } = runner(B, clock)
    clock.advance(2000)
    election.reportSeen({ report: { role: 'coordinator', hostname: A.hostname }, peerId: A.peerId, priority: A.priority } as Parameters<ElectionRunner['reportSeen']>[0])
    election.tick()
    expect(events).toEqual([])
    clock.advance(LEASE)
    election.tick()
    expect(election.leading).toBe(true)
  })
})
