/**
 * A circuit breaker per upstream, time as input: after `threshold` consecutive failures the
 * target is skipped for `coolDownMs`; then one request may try it again (half-open), and its
 * outcome closes or re-opens the circuit. A dead Ollama then costs nothing per request.
 */
export interface BreakerState { failures: number, openUntil: number, probing: boolean }
export interface BreakerOptions { threshold: number, coolDownMs: number }

export const closedBreaker = (): BreakerState => ({ failures: 0, openUntil: 0, probing: false })

/** May a request try this target now? A half-open circuit lets exactly one through. */
export function breakerAllows (s: BreakerState, now: number): { allowed: boolean, state: BreakerState } {
  if (s.failures === 0 || s.openUntil === 0) return { allowed: true, state: s }
  if (now < s.openUntil || s.probing) return { allowed: false, state: s }
  return { allowed: true, state: { ...s, probing: true } }
}

export function breakerRecord (s: BreakerState, ok: boolean, now: number, o: BreakerOptions): BreakerState {
  if (ok) return closedBreaker()
  const failures = s.failures + 1
  return { failures, openUntil: failures >= o.threshold ? now + o.coolDownMs : 0, probing: false }
}
