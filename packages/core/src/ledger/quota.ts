import { nanoToUsd } from './cost.js'
import type { QuotaPressure } from '../schemas/quota-pressure.js'

/** A provider's limits as it states them (routing.quotas.PROVIDER); every field optional. */
export interface Quota {
  /** Requests (prompts) per rolling `window`: z.ai's coding plans count prompts per 5 hours. */
  requests?: number
  window: number
  tokensPerMinute?: number
  usdPerDay?: number
  usdPerMonth?: number
}

/** This agent's own use of one provider, as the quota needs it (its keys are its own). */
export interface ProviderUse {
  /** When each recent request was sent (ms), oldest first; only the last `window` matters. */
  requestTimes: readonly number[]
  /** [time, tokens] of recent answers, oldest first; only the last minute matters. */
  tokenTimes: ReadonlyArray<readonly [number, number]>
  /** Spent this UTC day and this UTC month, in nano-dollars. */
  costTodayNano: number
  costMonthNano: number
}

export type QuotaLimit = 'requests' | 'tokensPerMinute' | 'usdPerDay' | 'usdPerMonth'

export interface QuotaUse { limit: QuotaLimit, used: number, max: number, ratio: number }

export interface QuotaStatus {
  /** Why the provider is out now, and until when (ms); null when under every limit. */
  over: { limit: QuotaLimit, reason: string, until: number } | null
  uses: QuotaUse[]
  /** The limits at or above the alert ratio (routing.alertAt), over ones included. */
  near: QuotaUse[]
}

const MINUTE = 60_000
const startOfNextUtcDay = (now: number): number => { const d = new Date(now); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) }
const startOfNextUtcMonth = (now: number): number => { const d = new Date(now); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) }
const iso = (ms: number): string => new Date(ms).toISOString()
const span = (ms: number): string => (ms < MINUTE ? `${Math.round(ms / 1000)} s` : ms < 3_600_000 ? `${Math.round(ms / MINUTE)} min` : `${Math.round(ms / 360_000) / 10} h`)

/**
 * Where a provider stands against its limits at `now`. Pure: time is an argument, so a window
 * that passes is a later `now`. A rolling request window frees a slot when its oldest request
 * leaves it; tokens per minute likewise; day and month budgets reset at UTC midnight / the 1st.
 */
export function quotaStatus (quota: Quota | undefined, use: ProviderUse, now: number, alertAt: number): QuotaStatus {
  if (quota === undefined) return { over: null, uses: [], near: [] }
  const uses: QuotaUse[] = []
  let over: QuotaStatus['over'] = null
  const push = (limit: QuotaLimit, used: number, max: number, until: number, reason: string): void => {
    const u = { limit, used, max, ratio: max === 0 ? 1 : used / max }
    uses.push(u)
    if (used >= max && over === null) over = { limit, reason, until }
  }
  if (quota.requests !== undefined) {
    const inWindow = use.requestTimes.filter(t => t > now - quota.window)
    // With n requests in the window, a slot frees when the (n - max + 1)-th oldest leaves it.
    const until = inWindow.length >= quota.requests ? inWindow[inWindow.length - quota.requests]! + quota.window : now
    push('requests', inWindow.length, quota.requests, until, `over quota: ${inWindow.length}/${quota.requests} requests in ${span(quota.window)} until ${iso(until)}`)
  }
  if (quota.tokensPerMinute !== undefined) {
    const recent = use.tokenTimes.filter(([t]) => t > now - MINUTE)
    const used = recent.reduce((s, [, n]) => s + n, 0)
    // Tokens leave the minute oldest first: out until enough of them have.
    let until = now
    let left = used
    for (const [t, n] of recent) { if (left < quota.tokensPerMinute) break; left -= n; until = t + MINUTE }
    push('tokensPerMinute', used, quota.tokensPerMinute, until, `over quota: ${used}/${quota.tokensPerMinute} tokens in the last minute until ${iso(until)}`)
  }
  if (quota.usdPerDay !== undefined) {
    const until = startOfNextUtcDay(now)
    push('usdPerDay', nanoToUsd(use.costTodayNano), quota.usdPerDay, until, `over budget: $${nanoToUsd(use.costTodayNano).toFixed(2)} of $${quota.usdPerDay} today until ${iso(until)}`)
  }
  if (quota.usdPerMonth !== undefined) {
    const until = startOfNextUtcMonth(now)
    push('usdPerMonth', nanoToUsd(use.costMonthNano), quota.usdPerMonth, until, `over budget: $${nanoToUsd(use.costMonthNano).toFixed(2)} of $${quota.usdPerMonth} this month until ${iso(until)}`)
  }
  return { over, uses, near: uses.filter(u => u.ratio >= alertAt) }
}

/**
 * The limit of one provider that a host reports for the quota alert, or null when none is at the
 * alert ratio: the one that is reached (the provider is skipped), else the nearest to its max.
 */
export function quotaPressure (provider: string, quota: Quota, status: QuotaStatus, alertAt: number): QuotaPressure | null {
  const over = status.over
  const use = over !== null ? status.uses.find(u => u.limit === over.limit) : [...status.near].sort((a, b) => b.ratio - a.ratio)[0]
  if (use === undefined) return null
  return {
    provider,
    limit: use.limit,
    used: use.used,
    max: use.max,
    windowMs: use.limit === 'requests' ? quota.window : null,
    until: over === null ? null : iso(over.until),
    alertAt
  }
}
