import { TERM_STRIDE, termSlot } from './election.js'

/**
 * Fencing, the one rule that keeps a deposed leader harmless: whatever a leader stamped with a
 * term lower than the highest term this node has seen is never applied. The agent and the
 * simulator both decide with these functions, so the simulator's invariants test the agent's rule.
 * Below it, who may stamp a term at all (pinned coordinators, a term's author is its leader).
 */

/** Where a plan stands: its leader's term, then the leader's count within that term (never a wall clock). */
export interface Stamped { term: number, seq: number }

/** True when a message of `term` comes from a leader older than the newest this node knows of. */
export function isFenced (term: number, highestTermSeen: number): boolean {
  return term < highestTermSeen
}

/**
 * Whether `candidate` replaces the plan in force: not fenced, not from an older term than the
 * current plan, and at the same term of a higher sequence (a leader's replans within its term; a
 * replay of the same plan changes nothing). Sequences, not generatedAt: a leader's clock stepped
 * back by NTP must not make its next plan look older.
 */
export function planSupersedes (candidate: Stamped, current: Stamped | null, highestTermSeen: number): boolean {
  if (isFenced(candidate.term, highestTermSeen)) return false
  if (current === null) return true
  return candidate.term > current.term || (candidate.term === current.term && candidate.seq > current.seq)
}

/**
 * Who may speak for the fleet. Any member holding the swarm key can publish signed messages, so
 * every leader claim, plan, alert list and tombstone is judged here before the election or the
 * inventory sees it:
 *
 * - With pinned coordinators (cluster.coordinators), only those peer ids may claim leadership or
 *   author fleet-wide messages. Without the list, a claim must come from a peer whose own report
 *   says coordinator — any member can still say so, which is why the agent warns at start.
 * - A term belongs to one claimant (nextTerm puts the claimant's slot in the term's low bits):
 *   a message stamped with a term whose slot is not its author's could never come from that
 *   term's leader. When the node knows who leads the term, the author must be that peer.
 * - A message from a term below the highest seen is stale: ignored, not rejected (it is what
 *   a healed partition legitimately replays). Tombstones are facts, not state in force: an old
 *   term's tombstone still holds, provided its author led that term.
 */
export interface AuthorityView {
  /** cluster.coordinators as a set; null when the list is not set. */
  pinned: ReadonlySet<string> | null
  /** Does this peer's latest report say coordinator? Undefined when no report of it is known. */
  reportsCoordinator: (peerId: string) => boolean | undefined
  /** The highest term this node has seen. */
  term: number
  /** The leader this node follows, with its term (null: none). */
  leader: { peerId: string, term: number } | null
}

export type AuthorityReason =
  /** Not a pinned coordinator, or (without the list) a peer whose report says worker. */
  | 'not-a-coordinator'
  /** The term is not the author's to lead. */
  | 'not-term-leader'
  /** From a term below the highest seen. */
  | 'stale-term'
  /** No list is pinned and the claimant's report is not known yet: it will be, next heartbeat. */
  | 'unknown-claimant'

/** reject: the author had no right to send it (counted, logged, not forwarded); ignore: out of date. */
export type AuthorityVerdict = { accept: true } | { accept: false, reject: boolean, reason: AuthorityReason }

const ACCEPT: AuthorityVerdict = { accept: true }
const reject = (reason: AuthorityReason): AuthorityVerdict => ({ accept: false, reject: true, reason })
const ignore = (reason: AuthorityReason): AuthorityVerdict => ({ accept: false, reject: false, reason })

/** True when `term` carries `peerId`'s slot: only that peer's claims produce such terms. */
export function termBelongsTo (term: number, peerId: string): boolean {
  return term % TERM_STRIDE === termSlot(peerId)
}

/** May `peerId` lead at all (claim, or take part in the election as a live coordinator)? */
export function mayLead (view: Pick<AuthorityView, 'pinned' | 'reportsCoordinator'>, peerId: string): AuthorityVerdict {
  if (view.pinned !== null) return view.pinned.has(peerId) ? ACCEPT : reject('not-a-coordinator')
  const says = view.reportsCoordinator(peerId)
  if (says === undefined) return ignore('unknown-claimant')
  return says ? ACCEPT : reject('not-a-coordinator')
}

/** A leader claim (or renewal) for `term` from `claimant`. Rank and lease are the election's business. */
export function judgeLeaderClaim (view: AuthorityView, claimant: string, term: number): AuthorityVerdict {
  if (isFenced(term, view.term)) return ignore('stale-term')
  const may = mayLead(view, claimant)
  if (!may.accept) return may
  return termBelongsTo(term, claimant) ? ACCEPT : reject('not-term-leader')
}

/**
 * A plan, an alert list or a tombstone stamped with `term` and signed by `author`. Without the
 * pinned list, a plan whose claim has not arrived yet is taken on its term's slot alone (as
 * before the list existed); with it, the author must also be pinned.
 */
export function judgeTermMessage (view: AuthorityView, author: string, term: number, kind: 'plan' | 'alerts' | 'forget'): AuthorityVerdict {
  if (kind !== 'forget' && isFenced(term, view.term)) return ignore('stale-term')
  if (view.pinned !== null && !view.pinned.has(author)) return reject('not-a-coordinator')
  if (!termBelongsTo(term, author)) return reject('not-term-leader')
  if (view.leader !== null && view.leader.term === term && view.leader.peerId !== author) return reject('not-term-leader')
  return ACCEPT
}
