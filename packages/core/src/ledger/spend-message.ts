import { z } from 'zod'
import type { Rollup } from './rollup.js'

/** Rows in a spend message at most: ~130 bytes each keeps it far below the gossip limit. */
export const SPEND_ROWS_PER_MESSAGE = 400
/** Days of history a host gossips (the dashboard's longest view is 30 days). */
export const SPEND_DAYS = 31

const n = z.number().int().nonnegative()
const label = z.string().max(300)
/**
 * One daily rollup as a tuple (field names would triple the size): day (YYYY-MM-DD), role,
 * profile, kind, via, model, requests, errors, uncached, cacheRead, cacheWrite, output, costNano,
 * savingsNano, latencyMsSum, priceDate.
 */
const row = z.tuple([z.iso.date(), label, label, z.enum(['local', 'peer', 'cloud', 'none']), label, label, n, n, n, n, n, n, n, n, n, z.iso.date().nullable()])
export type SpendRow = z.infer<typeof row>

export const spendMessageFields = {
  hostname: z.string().min(1).max(253),
  rows: z.array(row).max(SPEND_ROWS_PER_MESSAGE),
  quotas: z.array(z.strictObject({ provider: label, limit: label, used: z.number().nonnegative(), max: z.number().nonnegative(), ratio: z.number().nonnegative() })).max(100)
}

/** A host's daily rollups as rows, newest days first kept when they do not all fit. */
export function spendRows (days: readonly Rollup[], now: number): SpendRow[] {
  const oldest = now - SPEND_DAYS * 86_400_000
  return days.filter(d => d.bucket >= oldest).sort((a, b) => b.bucket - a.bucket).slice(0, SPEND_ROWS_PER_MESSAGE).map(d => [
    new Date(d.bucket).toISOString().slice(0, 10), d.role, d.profile, d.kind, d.via, d.model, d.requests, d.errors,
    d.tokens.uncached, d.tokens.cacheRead, d.tokens.cacheWrite, d.tokens.output, d.costNano, d.savingsNano, d.latencyMsSum, d.priceDate
  ])
}

export function rollupsFromRows (host: string, rows: readonly SpendRow[]): Rollup[] {
  return rows.map(([day, role, profile, kind, via, model, requests, errors, uncached, cacheRead, cacheWrite, output, costNano, savingsNano, latencyMsSum, priceDate]) => ({
    bucket: Date.parse(`${day}T00:00:00.000Z`), host, role, profile, kind, via, model, requests, errors,
    tokens: { uncached, cacheRead, cacheWrite, output }, costNano, savingsNano, latencyMsSum, priceDate
  }))
}
