import type { FleetConfig } from '../config/schema.js'
import { BUILTIN_PROFILES } from '../config/builtin-profiles.js'
import { priceOf, type PriceTable } from '../ledger/prices.js'

/** One link of a chain: this host's model, the peers', or a cloud provider (with a model, or its model for the role). */
export type ChainEntry =
  | { kind: 'local' }
  | { kind: 'peer' }
  | { kind: 'cloud', provider: string, model: string | null }

type RoutingConfig = Pick<FleetConfig, 'cloud' | 'routing'>

export function profileNames (config: RoutingConfig): string[] {
  return [...new Set([...BUILTIN_PROFILES, ...Object.keys(config.routing.profiles)])].sort()
}

function parseEntry (entry: string, config: RoutingConfig): ChainEntry[] {
  if (entry === 'local' || entry === 'peer') return [{ kind: entry }]
  if (entry === 'cloud') return config.cloud.map(p => ({ kind: 'cloud' as const, provider: p.name, model: null }))
  const i = entry.indexOf(':')
  return [i < 0 ? { kind: 'cloud', provider: entry, model: null } : { kind: 'cloud', provider: entry.slice(0, i), model: entry.slice(i + 1) }]
}

/** A provider's list price for a role's model, as one number to sort by (input + output); unknown sorts last. */
function blended (provider: string, role: string, config: RoutingConfig, prices: PriceTable): number {
  const model = config.cloud.find(p => p.name === provider)?.models[role]
  const price = model === undefined ? null : priceOf(prices, provider, model)
  return price === null ? Number.POSITIVE_INFINITY : price.input + price.output
}

/**
 * The ordered chain a profile gives a role: the config's own (its role, else its "*"), else the
 * built-in of that name, else the default. A duplicate link (a provider named twice) keeps its
 * first place. Pure.
 */
export function chainFor (profile: string, role: string, config: RoutingConfig, prices: PriceTable): ChainEntry[] {
  const own = config.routing.profiles[profile]
  const written = own?.[role] ?? own?.['*']
  const providers = config.cloud.map(p => p.name)
  // Dearest first for premium: an unknown price sorts last either way.
  const byPrice = (dir: 1 | -1): ChainEntry[] => providers
    .map((p, i) => { const price = blended(p, role, config, prices); return { p, i, key: Number.isFinite(price) ? dir * price : Number.POSITIVE_INFINITY } })
    .sort((a, b) => (a.key === b.key ? a.i - b.i : a.key - b.key))
    .map(({ p }) => ({ kind: 'cloud' as const, provider: p, model: null }))
  let chain: ChainEntry[]
  if (written !== undefined) chain = written.flatMap(e => parseEntry(e, config))
  else if (profile === 'local-only') chain = [{ kind: 'local' }, { kind: 'peer' }]
  else if (profile === 'free-first') chain = [{ kind: 'local' }, { kind: 'peer' }, ...byPrice(1)]
  else if (profile === 'premium') chain = [...byPrice(-1), { kind: 'local' }, { kind: 'peer' }]
  else chain = [{ kind: 'local' }, { kind: 'peer' }, ...parseEntry('cloud', config)]
  const seen = new Set<string>()
  return chain.filter(e => {
    const key = e.kind === 'cloud' ? `cloud:${e.provider}` : e.kind
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Which profile a request asks for: a `PROFILE/` prefix on the model (`premium/code`), else the
 * x-gpufleet-profile header, else the config's. A prefix that is no profile is part of the model
 * name (catalog tags may contain `/`); an unknown header is an error.
 */
export function requestProfile (model: string, header: string | undefined, config: RoutingConfig): { ok: true, profile: string, model: string } | { ok: false, message: string } {
  const known = profileNames(config)
  const slash = model.indexOf('/')
  if (slash > 0 && known.includes(model.slice(0, slash))) return { ok: true, profile: model.slice(0, slash), model: model.slice(slash + 1) }
  if (header !== undefined && header !== '') {
    if (!known.includes(header)) return { ok: false, message: `unknown profile "${header}" in x-gpufleet-profile (known: ${known.join(', ')})` }
    return { ok: true, profile: header, model }
  }
  return { ok: true, profile: config.routing.profile, model }
}
