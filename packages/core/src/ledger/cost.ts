import type { FleetConfig } from '../config/schema.js'
import { priceOf, type Price, type PriceTable } from './prices.js'
import type { TokenCounts } from './tokens.js'

/**
 * Money is counted in integer nano-dollars: a price in $ per million tokens with at most three
 * decimals is an integer number of nano-dollars per token, so sums are exact (no float drift
 * between the ledger, /metrics and a hand computation) up to 9 million dollars.
 */
export const NANO_PER_USD = 1_000_000_000

/** Nano-dollars per token for a price in $ per million tokens (three decimals kept). */
const nanoPerToken = (perMillion: number): number => Math.round(perMillion * 1000)

/** Cost of the tokens at a price, in nano-dollars: each bucket at its own rate. */
export function costNano (tokens: TokenCounts, price: Price): number {
  return tokens.uncached * nanoPerToken(price.input) +
    tokens.cacheRead * nanoPerToken(price.cacheRead) +
    tokens.cacheWrite * nanoPerToken(price.cacheWrite) +
    tokens.output * nanoPerToken(price.output)
}

export const nanoToUsd = (nano: number): number => nano / NANO_PER_USD

/** A cloud model as `provider:model`. */
export interface CloudModelRef { provider: string, model: string }

/**
 * The cloud model savings are priced at for a role: routing.referenceModels[role] when set, else
 * the first provider (config order) with a model for the role whose price is known and not zero.
 */
export function referenceModel (role: string, config: Pick<FleetConfig, 'cloud' | 'routing'>, prices: PriceTable): (CloudModelRef & { price: Price }) | null {
  const configured = config.routing.referenceModels[role]
  if (configured !== undefined) {
    const i = configured.indexOf(':')
    const ref = { provider: configured.slice(0, i), model: configured.slice(i + 1) }
    const price = priceOf(prices, ref.provider, ref.model)
    return price === null ? null : { ...ref, price }
  }
  for (const p of config.cloud) {
    const model = p.models[role]
    if (model === undefined) continue
    const price = priceOf(prices, p.name, model)
    if (price !== null && price.input + price.output > 0) return { provider: p.name, model, price }
  }
  return null
}

/** What one served request cost, and what it saved (local and peer tokens at the role's reference price). */
export interface RequestMoney {
  costNano: number
  savingsNano: number
  /** Date of the price used (the provider's for cloud, the reference's for local/peer); null when unpriced. */
  priceDate: string | null
}

export function requestMoney (input: { kind: 'local' | 'peer' | 'cloud', via: string, model: string, role: string, tokens: TokenCounts }, config: Pick<FleetConfig, 'cloud' | 'routing'>, prices: PriceTable): RequestMoney {
  if (input.kind === 'cloud') {
    const price = priceOf(prices, input.via, input.model)
    return price === null ? { costNano: 0, savingsNano: 0, priceDate: null } : { costNano: costNano(input.tokens, price), savingsNano: 0, priceDate: price.date }
  }
  const ref = referenceModel(input.role, config, prices)
  return ref === null ? { costNano: 0, savingsNano: 0, priceDate: null } : { costNano: 0, savingsNano: costNano(input.tokens, ref.price), priceDate: ref.price.date }
}
