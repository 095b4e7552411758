import { z } from 'zod'

/** The limits a provider's quota may set (routing.quotas.PROVIDER), as the ledger names them. */
export const QUOTA_LIMITS = ['requests', 'tokensPerMinute', 'usdPerDay', 'usdPerMonth'] as const

/**
 * One provider's limit that this host's own use has brought to routing.alertAt or past it: what a
 * host report carries so the leader can raise the quota alert (keys are per machine, so only the
 * host itself knows its use). `used` and `max` are in the limit's unit: requests, tokens, dollars.
 */
export const quotaPressureSchema = z.object({
  provider: z.string().min(1).max(100),
  limit: z.enum(QUOTA_LIMITS),
  used: z.number().nonnegative(),
  max: z.number().nonnegative(),
  /** The rolling window of a `requests` limit, ms; null for the others (their window is in their name). */
  windowMs: z.number().int().positive().nullable(),
  /** The limit is reached: the provider is skipped until then. Null while still under it. */
  until: z.iso.datetime().nullable(),
  /** The ratio of use that raises the alert (routing.alertAt of that host). */
  alertAt: z.number().positive().max(1)
})
export type QuotaPressure = z.infer<typeof quotaPressureSchema>
