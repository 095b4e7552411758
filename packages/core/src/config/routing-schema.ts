import { z } from 'zod'
import { durationField } from './fields.js'

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'a word (letters, digits, - and _)')
const roleKey = z.string().regex(/^([a-z][a-z0-9_-]{0,31}|\*)$/, 'a role (chat, code…) or "*" for every other role')
/** `local`, `peer`, `cloud` (every provider, config order), `PROVIDER` (its model for the role) or `PROVIDER:MODEL`. */
const chainEntry = z.string().regex(/^(local|peer|cloud|[a-z0-9][a-z0-9_-]*(:\S+)?)$/i, 'local, peer, cloud, PROVIDER or PROVIDER:MODEL')
/** Prices are kept to 0.001 $ per million tokens, so costs add up exactly in nano-dollars. */
const perMillion = z.number().nonnegative().max(100_000).refine(v => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6, 'at most three decimals ($ per million tokens)')

export const priceSchema = z.strictObject({
  input: perMillion,
  cacheRead: perMillion,
  cacheWrite: perMillion,
  output: perMillion,
  /** The day the figures were read (shown beside every cost). */
  date: z.iso.date()
})

export const quotaSchema = z.strictObject({
  requests: z.number().int().positive().optional(),
  window: durationField.default(5 * 3_600_000),
  tokensPerMinute: z.number().int().positive().optional(),
  usdPerDay: z.number().positive().optional(),
  usdPerMonth: z.number().positive().optional()
})

/** Chains, profiles, quotas, prices and the ledger (docs/costs.md). */
export const routingSchema = z.strictObject({
  /** The profile requests use unless they name one (x-gpufleet-profile, or a `PROFILE/` model prefix). */
  profile: name.default('default'),
  /** PROFILE → role (or "*") → ordered chain. Built-ins: default, local-only, free-first, premium. */
  profiles: z.record(name, z.record(roleKey, z.array(chainEntry).min(1).max(32))).default({}),
  /** PROVIDER → its limits; a provider over one is skipped until the limit's window passes. */
  quotas: z.record(name, quotaSchema).default({}),
  /** Use of a limit at or above this share raises an alert. */
  alertAt: z.number().gt(0).max(1).default(0.8),
  /** PROVIDER → MODEL → price, on top of the shipped table. */
  prices: z.record(name, z.record(z.string().min(1).max(200), priceSchema)).default({}),
  /** ROLE → PROVIDER:MODEL that local and peer tokens are priced at for savings (default: the first paid provider's model). */
  referenceModels: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), z.string().regex(/^[a-z0-9][a-z0-9_-]*:\S+$/i, 'PROVIDER:MODEL')).default({}),
  ledger: z.strictObject({
    /** Hourly rollups older than this are dropped. */
    retention: durationField.default(90 * 86_400_000),
    /** Raw entries (one per request) older than this are dropped. */
    rawFor: durationField.default(86_400_000),
    /** This host's rollups are gossiped at most this often, and only when they changed. */
    gossipEvery: durationField.default(30_000)
  }).prefault({})
})
export type RoutingConfig = z.infer<typeof routingSchema>

/** Cross-key checks: the active profile exists, chains and quotas name configured providers. */
export function routingIssues (routing: RoutingConfig, providers: ReadonlyArray<{ name: string }>, builtins: readonly string[]): Array<{ path: Array<string | number>, message: string }> {
  const issues: Array<{ path: Array<string | number>, message: string }> = []
  const known = new Set(providers.map(p => p.name))
  const profiles = new Set([...builtins, ...Object.keys(routing.profiles)])
  if (!profiles.has(routing.profile)) issues.push({ path: ['routing', 'profile'], message: `no profile "${routing.profile}" (known: ${[...profiles].sort().join(', ')})` })
  for (const [profile, chains] of Object.entries(routing.profiles)) {
    for (const [role, chain] of Object.entries(chains)) {
      chain.forEach((entry, i) => {
        const provider = entry.split(':')[0]!
        if (!['local', 'peer', 'cloud'].includes(entry) && !known.has(provider)) issues.push({ path: ['routing', 'profiles', profile, role, i], message: `no cloud provider "${provider}" (known: ${[...known].join(', ') || 'none'})` })
      })
    }
  }
  for (const provider of Object.keys(routing.quotas)) {
    if (!known.has(provider)) issues.push({ path: ['routing', 'quotas', provider], message: `no cloud provider "${provider}"` })
  }
  for (const [role, ref] of Object.entries(routing.referenceModels)) {
    if (!known.has(ref.split(':')[0]!)) issues.push({ path: ['routing', 'referenceModels', role], message: `no cloud provider "${ref.split(':')[0]!}"` })
  }
  return issues
}
