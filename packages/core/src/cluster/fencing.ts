/**
 * Fencing, the one rule that keeps a deposed leader harmless: whatever a leader stamped with a
 * term lower than the highest term this node has seen is never applied. The agent and the
 * simulator both decide with these functions, so the simulator's invariants test the agent's rule.
 */
export interface Stamped { term: number, generatedAt: string }

/** True when a message of `term` comes from a leader older than the newest this node knows of. */
export function isFenced (term: number, highestTermSeen: number): boolean {
  return term < highestTermSeen
}

/**
 * Whether `candidate` replaces the plan in force: not fenced, not from an older term than the
 * current plan, and at the same term strictly newer (a leader's replans within its term; a
 * replay of the same plan changes nothing).
 */
export function planSupersedes (candidate: Stamped, current: Stamped | null, highestTermSeen: number): boolean {
  if (isFenced(candidate.term, highestTermSeen)) return false
  if (current === null) return true
  return candidate.term > current.term || (candidate.term === current.term && candidate.generatedAt > current.generatedAt)
}
