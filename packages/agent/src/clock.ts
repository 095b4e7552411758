/**
 * Two clocks, never mixed. `now` is monotonic (it never steps back when NTP or an operator sets
 * the system clock): leases, offline timeouts, debounces and rate limits measure with it.
 * `wall` is the calendar: timestamps in documents, messages (sentAt, generatedAt) and report
 * sequences that must grow across restarts.
 */
export interface Clock {
  now: () => number
  wall: () => number
}

/** performance.now() anchored at the process's start: monotonic, and near epoch ms for logs. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  wall: () => Date.now()
}

/** A monotonic instant as calendar time, for documents (lastSeen, history samples). */
export function wallOf (clock: Clock, monotonicMs: number): number {
  return clock.wall() - (clock.now() - monotonicMs)
}

/** A calendar time (from disk) as a monotonic instant of this process. */
export function monotonicOf (clock: Clock, wallMs: number): number {
  return clock.now() - (clock.wall() - wallMs)
}
