import type { FleetConfig } from '../config/schema.js'

/** US dollars per million tokens, per bucket, and the day the figures were read from the provider's page. */
export interface Price {
  input: number
  cacheRead: number
  cacheWrite: number
  output: number
  /** YYYY-MM-DD: shown beside every cost computed from this price. */
  date: string
}

/**
 * The list prices of the default config's providers and models as their pricing pages published
 * them; the date is when this table was written from them (this repository has no network to
 * re-check: check and override before trusting a bill). Prices change: a config overrides any
 * entry (routing.prices), and every cost is shown with the date of the price it used. Cache
 * writes: Anthropic's 5-minute writes; OpenAI and z.ai bill none.
 */
export const DEFAULT_PRICES: Readonly<Record<string, Readonly<Record<string, Price>>>> = {
  zai: {
    'glm-4.7': { input: 0.6, cacheRead: 0.11, cacheWrite: 0, output: 2.2, date: '2025-12-22' },
    'glm-4.6': { input: 0.6, cacheRead: 0.11, cacheWrite: 0, output: 2.2, date: '2025-12-22' },
    'glm-4.5-air': { input: 0.2, cacheRead: 0.03, cacheWrite: 0, output: 1.1, date: '2025-12-22' }
  },
  openai: {
    'gpt-4.1': { input: 2, cacheRead: 0.5, cacheWrite: 0, output: 8, date: '2025-12-22' },
    'gpt-4.1-mini': { input: 0.4, cacheRead: 0.1, cacheWrite: 0, output: 1.6, date: '2025-12-22' },
    'gpt-4.1-nano': { input: 0.1, cacheRead: 0.025, cacheWrite: 0, output: 0.4, date: '2025-12-22' }
  },
  anthropic: {
    'claude-opus-4-1': { input: 15, cacheRead: 1.5, cacheWrite: 18.75, output: 75, date: '2025-12-22' },
    'claude-sonnet-4-5': { input: 3, cacheRead: 0.3, cacheWrite: 3.75, output: 15, date: '2025-12-22' },
    'claude-haiku-4-5': { input: 1, cacheRead: 0.1, cacheWrite: 1.25, output: 5, date: '2025-12-22' }
  }
}

export type PriceTable = Readonly<Record<string, Readonly<Record<string, Price>>>>

/** The shipped table with the config's entries on top (model by model). */
export function priceTable (config: Pick<FleetConfig, 'routing'>): PriceTable {
  const out: Record<string, Record<string, Price>> = {}
  for (const [provider, models] of Object.entries(DEFAULT_PRICES)) out[provider] = { ...models }
  for (const [provider, models] of Object.entries(config.routing.prices)) out[provider] = { ...(out[provider] ?? {}), ...models }
  return out
}

export function priceOf (table: PriceTable, provider: string, model: string): Price | null {
  return table[provider]?.[model] ?? null
}
