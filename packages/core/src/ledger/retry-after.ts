/**
 * Until when a provider that answered 429 is skipped: `retry-after-ms`, else `retry-after` in
 * seconds or as an HTTP date, else `fallbackMs` from now. Pure: the caller passes the clock.
 */
export function retryAfterUntil (headers: { retryAfter?: string, retryAfterMs?: string }, now: number, fallbackMs: number): number {
  const ms = Number(headers.retryAfterMs)
  if (headers.retryAfterMs !== undefined && Number.isFinite(ms) && ms >= 0) return now + Math.ceil(ms)
  const raw = headers.retryAfter?.trim()
  if (raw !== undefined && raw !== '') {
    if (/^\d+(\.\d+)?$/.test(raw)) return now + Math.ceil(Number(raw) * 1000)
    const date = Date.parse(raw)
    if (Number.isFinite(date)) return Math.max(now, date)
  }
  return now + fallbackMs
}
