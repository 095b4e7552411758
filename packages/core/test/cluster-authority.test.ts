import { describe, expect, it } from 'vitest'
import { TERM_STRIDE, judgeLeaderClaim, judgeTermMessage, mayLead, nextTerm, termBelongsTo, type AuthorityView } from '../src/index.js'

const LEADER = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const STANDBY = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const ROGUE = '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'
const WORKER = '12D3KooWDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD'
const HUGE = 2 ** 40

const term = nextTerm(0, LEADER)
const roles: Record<string, boolean> = { [LEADER]: true, [STANDBY]: true, [ROGUE]: true, [WORKER]: false }
const view = (over: Partial<AuthorityView> = {}): AuthorityView => ({
  pinned: new Set([LEADER, STANDBY]),
  reportsCoordinator: p => roles[p],
  term,
  leader: { peerId: LEADER, term },
  ...over
})
const unpinned = (over: Partial<AuthorityView> = {}): AuthorityView => view({ pinned: null, ...over })

describe('leader claims', () => {
  it('pinned: only listed peers may claim, whatever their report says', () => {
    expect(judgeLeaderClaim(view(), STANDBY, nextTerm(term, STANDBY))).toEqual({ accept: true })
    expect(judgeLeaderClaim(view(), ROGUE, nextTerm(term, ROGUE))).toEqual({ accept: false, reject: true, reason: 'not-a-coordinator' })
    expect(judgeLeaderClaim(view(), ROGUE, HUGE)).toMatchObject({ accept: false, reject: true })
  })
  it('without the list: a claim from a peer whose report says worker is rejected, from an unknown peer ignored', () => {
    expect(judgeLeaderClaim(unpinned(), WORKER, nextTerm(term, WORKER))).toEqual({ accept: false, reject: true, reason: 'not-a-coordinator' })
    expect(judgeLeaderClaim(unpinned({ reportsCoordinator: () => undefined }), STANDBY, nextTerm(term, STANDBY))).toEqual({ accept: false, reject: false, reason: 'unknown-claimant' })
    expect(judgeLeaderClaim(unpinned(), STANDBY, nextTerm(term, STANDBY))).toEqual({ accept: true })
  })
  it('a claim for a term whose slot is another peer\'s is rejected; a claim below the highest term is only stale', () => {
    expect(judgeLeaderClaim(view(), STANDBY, nextTerm(term, LEADER))).toMatchObject({ reject: true, reason: 'not-term-leader' })
    expect(judgeLeaderClaim(view({ term: term + TERM_STRIDE }), LEADER, term)).toEqual({ accept: false, reject: false, reason: 'stale-term' })
  })
  it('mayLead: what the election listens to for live coordinators', () => {
    expect(mayLead(view(), ROGUE).accept).toBe(false)
    expect(mayLead(unpinned(), ROGUE).accept).toBe(true)
  })
})

describe('plans, alert lists and tombstones', () => {
  it.each(['plan', 'alerts', 'forget'] as const)('%s: only from the peer that leads its term', kind => {
    expect(judgeTermMessage(view(), LEADER, term, kind)).toEqual({ accept: true })
    // A pinned coordinator that is not the leader of this term.
    expect(judgeTermMessage(view(), STANDBY, term, kind)).toMatchObject({ reject: true, reason: 'not-term-leader' })
    // The rogue's own term, a huge one, or the leader's: never accepted from an unlisted peer.
    for (const t of [nextTerm(term, ROGUE), HUGE, term]) expect(judgeTermMessage(view(), ROGUE, t, kind)).toMatchObject({ accept: false, reject: true, reason: 'not-a-coordinator' })
    // Without the list, the slot still says whose term it is.
    expect(judgeTermMessage(unpinned(), ROGUE, term, kind)).toMatchObject({ reject: true, reason: 'not-term-leader' })
  })
  it('a plan of a later term is taken from its slot\'s owner before the claim arrives (the claim may come second)', () => {
    const later = nextTerm(term, STANDBY)
    expect(judgeTermMessage(view(), STANDBY, later, 'plan')).toEqual({ accept: true })
    expect(judgeTermMessage(view(), LEADER, later, 'plan')).toMatchObject({ reject: true, reason: 'not-term-leader' })
  })
  it('stale plans and alert lists are ignored, not rejected; an old term\'s tombstone still holds', () => {
    const now = view({ term: nextTerm(term, STANDBY), leader: { peerId: STANDBY, term: nextTerm(term, STANDBY) } })
    expect(judgeTermMessage(now, LEADER, term, 'plan')).toEqual({ accept: false, reject: false, reason: 'stale-term' })
    expect(judgeTermMessage(now, LEADER, term, 'alerts')).toEqual({ accept: false, reject: false, reason: 'stale-term' })
    expect(judgeTermMessage(now, LEADER, term, 'forget')).toEqual({ accept: true })
    expect(judgeTermMessage(now, STANDBY, term, 'forget')).toMatchObject({ reject: true, reason: 'not-term-leader' })
  })
  it('termBelongsTo: nextTerm always lands in the claimant\'s slot', () => {
    let t = 0
    for (const p of [LEADER, STANDBY, ROGUE, LEADER]) { t = nextTerm(t, p); expect(termBelongsTo(t, p)).toBe(true) }
  })
})
