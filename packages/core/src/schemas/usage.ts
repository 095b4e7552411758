import { z } from 'zod'

export const USAGE_SCHEMA = 'gpufleet.usage/v1'

const tokens = z.object({ uncached: z.number().int().nonnegative(), cacheRead: z.number().int().nonnegative(), cacheWrite: z.number().int().nonnegative(), output: z.number().int().nonnegative() })
const totals = {
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  tokens,
  /** US dollars: tokens × the provider's price, each bucket at its own rate. */
  costUsd: z.number().nonnegative(),
  /** US dollars: local and peer tokens priced at the role's reference cloud model (electricity not counted). */
  savingsUsd: z.number().nonnegative(),
  /** Dates (YYYY-MM-DD) of the prices the money was computed with. */
  priceDates: z.array(z.string())
}

/** `gpufleet usage --json` and `GET /api/usage`: requests, tokens, cost and savings over a period. */
export const usageDocumentSchema = z.object({
  schema: z.literal(USAGE_SCHEMA),
  since: z.iso.datetime(),
  until: z.iso.datetime(),
  by: z.enum(['role', 'provider', 'host']),
  /** One host's figures, or null for the whole fleet. */
  host: z.string().nullable(),
  totals: z.object(totals),
  rows: z.array(z.object({ key: z.string(), ...totals })),
  /** Per UTC day, oldest first (the dashboard's chart). */
  days: z.array(z.object({ day: z.string(), ...totals })),
  /** Each host's use of each provider's limits, as last known (this host's now, peers' as gossiped). */
  quotas: z.array(z.object({ host: z.string(), provider: z.string(), limit: z.string(), used: z.number(), max: z.number(), ratio: z.number() })).optional()
})
export type UsageDocumentJson = z.infer<typeof usageDocumentSchema>
