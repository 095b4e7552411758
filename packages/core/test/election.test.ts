import { describe, expect, it } from 'vitest'
import { TERM_STRIDE, initialElection, isLeader, nextTerm, step, termSlot, type ElectionAction, type ElectionEvent, type ElectionState } from '../src/index.js'

const A = { peerId: '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', hostname: 'myia-ai-01', priority: 100 }
const B = { peerId: '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', hostname: 'myia-po-2023', priority: 50 }
const W = { peerId: '12D3KooWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW', hostname: 'myia-web1', priority: 0 }
const LEASE = 3000

const node = (who: typeof A, coordinator: boolean, now = 0, term = 0): ElectionState =>
  initialElection({ self: { ...who, coordinator }, leaseMs: LEASE, startupGraceMs: 1000 }, now, term)

function run (state: ElectionState, events: Array<[number, ElectionEvent]>): { state: ElectionState, actions: ElectionAction[] } {
  let s = state
  const actions: ElectionAction[] = []
  for (const [now, event] of events) { const r = step(s, event, now); s = r.state; actions.push(...r.actions) }
  return { state: s, actions }
}

describe('election', () => {
  it('a lone coordinator waits for the startup grace, then leads and announces its claim once (renewals ride in its beats, not in ticks)', () => {
    const early = run(node(A, true), [[500, { type: 'tick' }]])
    expect(early.state.leader).toBeNull()
    const { state, actions } = run(early.state, [[1000, { type: 'tick' }], [2000, { type: 'tick' }]])
    expect(isLeader(state)).toBe(true)
    expect(state.term).toBe(nextTerm(0, A.peerId))
    expect(actions.map(a => a.type)).toEqual(['became-leader', 'leader-changed', 'announce'])
  })

  it('a worker never claims, and follows the leader it hears', () => {
    const { state, actions } = run(node(W, false), [[5000, { type: 'tick' }], [5100, { type: 'leader', from: A, term: 4 }]])
    expect(state.leader?.peerId).toBe(A.peerId)
    expect(state.term).toBe(4)
    expect(actions.filter(a => a.type === 'announce')).toEqual([])
  })

  it('the standby takes over with a higher term once the lease lapses, not before', () => {
    let b = run(node(B, true), [[0, { type: 'leader', from: A, term: 1 }], [0, { type: 'coordinator-seen', who: A }], [2500, { type: 'tick' }]]).state
    expect(b.leader?.peerId).toBe(A.peerId)
    b = run(b, [[2999, { type: 'tick' }]]).state
    expect(b.leader?.peerId).toBe(A.peerId)
    const after = run(b, [[3000, { type: 'tick' }]])
    expect(isLeader(after.state)).toBe(true)
    expect(after.state.term).toBe(nextTerm(1, B.peerId))
    expect(after.state.term).toBeGreaterThan(1)
  })

  it('does not take over from a higher-ranked coordinator that is still reporting', () => {
    const b = run(node(B, true), [[0, { type: 'leader', from: A, term: 1 }], [2000, { type: 'coordinator-seen', who: A }], [3000, { type: 'tick' }]])
    expect(b.state.leader).toBeNull()
    expect(b.actions.filter(a => a.type === 'announce')).toEqual([])
  })

  it('standby coordinators beat only every offlineAfter / 3: one stays a candidate for candidateWindowMs, and a leader silent since its last renewal stops being one when its lease lapses', () => {
    const C = { peerId: '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC', hostname: 'myia-po-2024', priority: 70 }
    const windowed = (who: typeof A): ElectionState => initialElection({ self: { ...who, coordinator: true }, leaseMs: LEASE, candidateWindowMs: 10_000, startupGraceMs: 1000 }, 0, 0)
    // A leads from t=0 and dies; C (rank above B) last beat at t=500; at t=3000 A's lease lapses.
    const b = run(windowed(B), [[0, { type: 'leader', from: A, term: 1 }], [500, { type: 'coordinator-seen', who: C }], [3000, { type: 'tick' }]])
    expect(b.state.leader).toBeNull()
    expect(b.state.coordinators.has(A.peerId)).toBe(false)
    // C was heard 2.5 s ago: within the window (a lease-long window would have dropped it), so B leaves the claim to C.
    expect(b.actions.filter(a => a.type === 'announce')).toEqual([])
    // C never claims (it died too): once the window passes B claims.
    const later = run(b.state, [[10_600, { type: 'tick' }]])
    expect(isLeader(later.state)).toBe(true)
    // With the lease as window (the default), the same standby claims at once when the lease lapses.
    const leaseWindow = run(node(B, true), [[0, { type: 'leader', from: A, term: 1 }], [500, { type: 'coordinator-seen', who: C }], [3600, { type: 'tick' }]])
    expect(isLeader(leaseWindow.state)).toBe(true)
  })

  it('the preferred coordinator takes leadership back with a higher term; the standby steps down', () => {
    // B led at term 2 while A was away; A comes back, hears B, and claims a higher term after its grace.
    const a = run(node(A, true, 10_000, 1), [[10_100, { type: 'leader', from: B, term: 2 }], [10_500, { type: 'tick' }], [11_000, { type: 'tick' }]])
    expect(a.state.term).toBe(nextTerm(2, A.peerId))
    expect(isLeader(a.state)).toBe(true)
    const b = run(node(B, true), [[0, { type: 'tick' }], [1000, { type: 'tick' }], [11_000, { type: 'leader', from: A, term: nextTerm(5000, A.peerId) }]])
    expect(b.actions.map(x => x.type)).toContain('lost-leadership')
    expect(b.state.leader?.peerId).toBe(A.peerId)
  })

  it('fences: a claim from a lower term than the highest seen is ignored (a paused leader waking up)', () => {
    const w = run(node(W, false), [[0, { type: 'leader', from: B, term: 5 }], [100, { type: 'leader', from: A, term: 4 }]])
    expect(w.state.leader?.peerId).toBe(B.peerId)
    expect(w.state.term).toBe(5)
  })

  it('two leaders in one term (a healed partition): the higher rank keeps it, everywhere', () => {
    const w1 = run(node(W, false), [[0, { type: 'leader', from: B, term: 3 }], [10, { type: 'leader', from: A, term: 3 }]]).state
    const w2 = run(node(W, false), [[0, { type: 'leader', from: A, term: 3 }], [10, { type: 'leader', from: B, term: 3 }]]).state
    expect(w1.leader?.peerId).toBe(A.peerId)
    expect(w2.leader?.peerId).toBe(A.peerId)
    const b = run(node(B, true), [[0, { type: 'tick' }], [1000, { type: 'tick' }]]).state
    expect(isLeader(b)).toBe(true)
    const bAfter = run(b, [[1100, { type: 'leader', from: A, term: b.term }]])
    expect(isLeader(bAfter.state)).toBe(false)
    expect(bAfter.actions.map(x => x.type)).toContain('lost-leadership')
  })

  it('terms are unique per claimant and always increase', () => {
    expect(nextTerm(0, A.peerId)).toBeGreaterThan(0)
    expect(nextTerm(0, A.peerId)).not.toBe(nextTerm(0, B.peerId))
    expect(nextTerm(nextTerm(0, A.peerId), B.peerId)).toBeGreaterThan(nextTerm(0, A.peerId))
    expect(nextTerm(5 * TERM_STRIDE + 1023, A.peerId) % TERM_STRIDE).toBe(termSlot(A.peerId))
  })

  it('with no live coordinator there is no leader', () => {
    const w = run(node(W, false), [[0, { type: 'leader', from: A, term: 1 }], [3000, { type: 'tick' }], [9000, { type: 'tick' }]])
    expect(w.state.leader).toBeNull()
    expect(w.state.term).toBe(1)
  })
})
