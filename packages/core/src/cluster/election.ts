/**
 * Leader election among coordinators, as a pure state machine: step(state, event, now) →
 * { state, actions }. The agent feeds it messages and timer ticks and carries out the actions.
 *
 * Rules: the highest-ranked live coordinator leads (rank = priority, then the smaller peer id);
 * every claim increases the term (see nextTerm); the leader renews its lease once per heartbeat
 * (in its beat, outside this machine: `announce` is only a new claim);
 * followers drop a leader whose lease lapsed; a message from a lower term than the highest seen
 * is ignored (fencing); at equal terms the higher rank wins. With no live coordinator there is
 * no leader (the last plan stays in force).
 */
export interface ElectionCandidate { peerId: string, hostname: string, priority: number }

export interface ElectionConfig {
  self: ElectionCandidate & { coordinator: boolean }
  leaseMs: number
  /**
   * How long a coordinator counts as a live candidate after it was last heard from (default: the
   * lease). Standby coordinators beat only as often as workers (three times per offlineAfter), so
   * the agent sets this to offlineAfter; a leader whose lease lapsed stops being a candidate at
   * once, whatever this says.
   */
  candidateWindowMs?: number
  /** How long after start a node listens before claiming: it must learn the current term first. */
  startupGraceMs: number
}

export interface LeaderInfo extends ElectionCandidate { term: number, renewedAt: number }

export interface ElectionState {
  config: ElectionConfig
  startedAt: number
  term: number
  leader: LeaderInfo | null
  /** Coordinators heard from (by their reports), with when. */
  coordinators: ReadonlyMap<string, ElectionCandidate & { seenAt: number }>
}

export type ElectionEvent =
  | { type: 'tick' }
  | { type: 'leader', from: ElectionCandidate, term: number }
  | { type: 'coordinator-seen', who: ElectionCandidate }

export type ElectionAction =
  | { type: 'announce', term: number }
  | { type: 'became-leader', term: number }
  | { type: 'lost-leadership', term: number }
  | { type: 'leader-changed', leader: LeaderInfo | null, term: number }

/** Terms are epoch × TERM_STRIDE + the claimant's slot, so two claims never share a term. */
export const TERM_STRIDE = 1024

/** A stable slot in [0, TERM_STRIDE) for a peer id (FNV-1a). */
export function termSlot (peerId: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < peerId.length; i++) {
    hash ^= peerId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash % TERM_STRIDE
}

/**
 * The term a coordinator claims after `current`: always higher, and unique to the claimant. Without
 * votes (a lone standby must be able to take over), two coordinators on either side of a
 * partition may both claim; distinct slots keep "at most one leader per term" true anyway.
 */
export function nextTerm (current: number, peerId: string): number {
  return (Math.floor(current / TERM_STRIDE) + 1) * TERM_STRIDE + termSlot(peerId)
}

export function initialElection (config: ElectionConfig, now: number, persistedTerm = 0): ElectionState {
  return { config, startedAt: now, term: persistedTerm, leader: null, coordinators: new Map() }
}

/** Positive when a outranks b. */
export function compareRank (a: ElectionCandidate, b: ElectionCandidate): number {
  if (a.priority !== b.priority) return a.priority - b.priority
  return a.peerId < b.peerId ? 1 : a.peerId > b.peerId ? -1 : 0
}

export function isLeader (state: ElectionState): boolean {
  return state.leader?.peerId === state.config.self.peerId
}

function liveCandidates (state: ElectionState, now: number): ElectionCandidate[] {
  const window = state.config.candidateWindowMs ?? state.config.leaseMs
  const live: ElectionCandidate[] = [...state.coordinators.values()].filter(c => now - c.seenAt < window && c.peerId !== state.config.self.peerId)
  if (state.config.self.coordinator) live.push(state.config.self)
  return live
}

export function step (state: ElectionState, event: ElectionEvent, now: number): { state: ElectionState, actions: ElectionAction[] } {
  const self = state.config.self
  const actions: ElectionAction[] = []
  let next: ElectionState = state
  const setLeader = (leader: LeaderInfo | null, term: number): void => {
    const wasMine = isLeader(next)
    const changed = next.leader?.peerId !== leader?.peerId || next.term !== term
    next = { ...next, leader, term }
    if (wasMine && !isLeader(next)) actions.push({ type: 'lost-leadership', term })
    if (!wasMine && isLeader(next)) actions.push({ type: 'became-leader', term })
    if (changed) actions.push({ type: 'leader-changed', leader, term })
  }

  switch (event.type) {
    case 'coordinator-seen': {
      if (event.who.peerId === self.peerId) break
      const coordinators = new Map(next.coordinators)
      coordinators.set(event.who.peerId, { ...event.who, seenAt: now })
      next = { ...next, coordinators }
      break
    }
    case 'leader': {
      if (event.term < next.term) break
      if (event.from.peerId === self.peerId) break
      const claimant: LeaderInfo = { ...event.from, term: event.term, renewedAt: now }
      // A claimant is a live coordinator too.
      const coordinators = new Map(next.coordinators)
      coordinators.set(event.from.peerId, { ...event.from, seenAt: now })
      next = { ...next, coordinators }
      if (event.term > next.term || next.leader === null) { setLeader(claimant, event.term); break }
      if (next.leader.peerId === event.from.peerId) { next = { ...next, leader: claimant }; break }
      // Two leaders in one term (after a partition heals): the higher rank keeps it.
      if (compareRank(event.from, next.leader) > 0) setLeader(claimant, event.term)
      break
    }
    case 'tick': {
      if (next.leader !== null && !isLeader(next) && now - next.leader.renewedAt >= next.config.leaseMs) {
        // A leader silent for a whole lease — not heard since its last renewal — is no candidate
        // either (it may have died); one still heard from (its reports) stays one, and reclaims.
        const lapsed = next.leader
        if ((next.coordinators.get(lapsed.peerId)?.seenAt ?? -Infinity) <= lapsed.renewedAt) {
          const coordinators = new Map(next.coordinators)
          coordinators.delete(lapsed.peerId)
          next = { ...next, coordinators }
        }
        setLeader(null, next.term)
      }
      if (!self.coordinator) break
      // The leader renews its lease once per heartbeat, in its beat: a tick announces only a new claim.
      if (isLeader(next)) break
      if (now - next.startedAt < next.config.startupGraceMs) break
      const best = liveCandidates(next, now).sort((a, b) => compareRank(b, a))[0]
      const outranksLeader = next.leader === null || compareRank(self, next.leader) > 0
      if (best?.peerId === self.peerId && outranksLeader) {
        const term = nextTerm(next.term, self.peerId)
        setLeader({ ...self, term, renewedAt: now }, term)
        actions.push({ type: 'announce', term })
      }
      break
    }
  }
  return { state: next, actions }
}
