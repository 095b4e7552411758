import { addTokens, noTokens, type TokenCounts } from './tokens.js'
import { nanoToUsd } from './cost.js'
import { byName } from '../order.js'

export type LedgerOutcome = 'ok' | 'rate_limited' | 'client_error' | 'upstream_error' | 'no_target'

/** One gateway request, as the ledger keeps it (raw, for the last day). */
export interface LedgerEntry {
  at: number
  role: string
  profile: string
  /** The x-gpufleet-target label, or "" when no target answered. */
  target: string
  kind: 'local' | 'peer' | 'cloud' | 'none'
  /** Cloud provider, or the host whose Ollama served. */
  via: string
  model: string
  tokens: TokenCounts
  latencyMs: number
  outcome: LedgerOutcome
  costNano: number
  savingsNano: number
  priceDate: string | null
}

/** Sums of the requests of one bucket (an hour here, a day in what peers gossip) and one set of labels. */
export interface Rollup {
  /** Start of the bucket, ms since epoch (UTC). */
  bucket: number
  host: string
  role: string
  profile: string
  kind: LedgerEntry['kind']
  via: string
  model: string
  requests: number
  errors: number
  tokens: TokenCounts
  costNano: number
  savingsNano: number
  latencyMsSum: number
  priceDate: string | null
}

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
export const hourOf = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS
export const dayOf = (at: number): number => Math.floor(at / DAY_MS) * DAY_MS

export const rollupKey = (r: Pick<Rollup, 'bucket' | 'host' | 'role' | 'profile' | 'kind' | 'via' | 'model'>): string =>
  [new Date(r.bucket).toISOString(), r.host, r.role, r.profile, r.kind, r.via, r.model].join('\u0000')

/** Adds one request to its hourly rollup (a new one when none): returns the rollup. */
export function addToRollups (rollups: Map<string, Rollup>, host: string, e: LedgerEntry): Rollup {
  const labels = { bucket: hourOf(e.at), host, role: e.role, profile: e.profile, kind: e.kind, via: e.via, model: e.model }
  const key = rollupKey(labels)
  const r = rollups.get(key) ?? { ...labels, requests: 0, errors: 0, tokens: noTokens(), costNano: 0, savingsNano: 0, latencyMsSum: 0, priceDate: null }
  r.requests++
  if (e.outcome !== 'ok') r.errors++
  r.tokens = addTokens(r.tokens, e.tokens)
  r.costNano += e.costNano
  r.savingsNano += e.savingsNano
  r.latencyMsSum += Math.round(e.latencyMs)
  if (e.priceDate !== null && (r.priceDate === null || e.priceDate > r.priceDate)) r.priceDate = e.priceDate
  rollups.set(key, r)
  return r
}

/** Hourly rollups folded into daily ones (what a host gossips: compact, bounded by days × labels). */
export function dailyRollups (hourly: Iterable<Rollup>): Rollup[] {
  const days = new Map<string, Rollup>()
  for (const r of hourly) {
    const labels = { bucket: dayOf(r.bucket), host: r.host, role: r.role, profile: r.profile, kind: r.kind, via: r.via, model: r.model }
    const key = rollupKey(labels)
    const d = days.get(key) ?? { ...labels, requests: 0, errors: 0, tokens: noTokens(), costNano: 0, savingsNano: 0, latencyMsSum: 0, priceDate: null }
    d.requests += r.requests
    d.errors += r.errors
    d.tokens = addTokens(d.tokens, r.tokens)
    d.costNano += r.costNano
    d.savingsNano += r.savingsNano
    d.latencyMsSum += r.latencyMsSum
    if (r.priceDate !== null && (d.priceDate === null || r.priceDate > d.priceDate)) d.priceDate = r.priceDate
    days.set(key, d)
  }
  return [...days.values()].sort((a, b) => a.bucket - b.bucket || byName(rollupKey(a), rollupKey(b)))
}

export type UsageGrouping = 'role' | 'provider' | 'host'

/** Local and peer requests are grouped as such; cloud ones by provider. */
export const providerOf = (r: Pick<Rollup, 'kind' | 'via'>): string => (r.kind === 'cloud' ? r.via : r.kind)

export interface UsageTotals {
  requests: number
  errors: number
  tokens: TokenCounts
  costUsd: number
  savingsUsd: number
  /** The dates of the prices the money was computed with. */
  priceDates: string[]
}

export interface UsageDocument {
  schema: 'gpufleet.usage/v1'
  since: string
  until: string
  by: UsageGrouping
  host: string | null
  totals: UsageTotals
  rows: Array<{ key: string } & UsageTotals>
  days: Array<{ day: string } & UsageTotals>
}

interface Acc { requests: number, errors: number, tokens: TokenCounts, costNano: number, savingsNano: number, dates: Set<string> }
const acc = (): Acc => ({ requests: 0, errors: 0, tokens: noTokens(), costNano: 0, savingsNano: 0, dates: new Set() })
function fold (a: Acc, r: Rollup): void {
  a.requests += r.requests
  a.errors += r.errors
  a.tokens = addTokens(a.tokens, r.tokens)
  a.costNano += r.costNano
  a.savingsNano += r.savingsNano
  if (r.priceDate !== null) a.dates.add(r.priceDate)
}
const totals = (a: Acc): UsageTotals => ({ requests: a.requests, errors: a.errors, tokens: a.tokens, costUsd: nanoToUsd(a.costNano), savingsUsd: nanoToUsd(a.savingsNano), priceDates: [...a.dates].sort() })

/**
 * The `gpufleet.usage/v1` document over rollups (this host's hourly ones and peers' daily ones): a
 * bucket counts when it starts in [since, until). Money is summed in nano-dollars and only turned
 * into dollars at the end, so totals equal the sum of the rows exactly.
 */
export function usageDocument (rollups: Iterable<Rollup>, query: { since: number, until: number, by: UsageGrouping, host?: string | null }): UsageDocument {
  const all = acc()
  const rows = new Map<string, Acc>()
  const days = new Map<number, Acc>()
  for (const r of rollups) {
    if (r.bucket < query.since || r.bucket >= query.until) continue
    if (query.host != null && r.host !== query.host) continue
    fold(all, r)
    const key = query.by === 'role' ? r.role : query.by === 'host' ? r.host : providerOf(r)
    if (!rows.has(key)) rows.set(key, acc())
    fold(rows.get(key)!, r)
    const day = dayOf(r.bucket)
    if (!days.has(day)) days.set(day, acc())
    fold(days.get(day)!, r)
  }
  return {
    schema: 'gpufleet.usage/v1',
    since: new Date(query.since).toISOString(),
    until: new Date(query.until).toISOString(),
    by: query.by,
    host: query.host ?? null,
    totals: totals(all),
    rows: [...rows].sort(([a], [b]) => byName(a, b)).map(([key, a]) => ({ key, ...totals(a) })),
    days: [...days].sort(([a], [b]) => a - b).map(([day, a]) => ({ day: new Date(day).toISOString().slice(0, 10), ...totals(a) }))
  }
}
