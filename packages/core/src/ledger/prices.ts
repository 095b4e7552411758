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

/** The day the shipped prices were last checked against the pages named below. */
const CHECKED = '2026-11-30'

/**
 * The list prices of the default config's providers and models, checked on CHECKED against the
 * pages named per provider (through a search of stored public pages: this repository's machines
 * have no route to the providers' sites, so re-check before trusting a bill). Prices change: a
 * config overrides any entry (routing.prices), and every cost is shown with the date of the price
 * it used. Cache writes: Anthropic's 5-minute writes (1-hour writes cost 2× input and are not
 * told apart in usage); OpenAI and z.ai bill none.
 */
export const DEFAULT_PRICES: Readonly<Record<string, Readonly<Record<string, Price>>>> = {
  // z.ai pay-as-you-go (api.z.ai/api/paas/v4). Not confirmed on z.ai's own pricing page
  // (docs.z.ai/guides/overview/pricing), which the search did not hold; the figures agree with
  // Vercel AI Gateway's listing of Z.ai as the provider (vercel.com/ai-gateway/models/glm-4.5-air/
  // providers: GLM-4.7 $0.60 / $2.20, cache read $0.11; GLM-4.6 the same; GLM-4.5-Air $0.20 /
  // $1.10, cache read $0.03) and OpenClaw's api.z.ai catalog (glm-4.7 0.6 / 2.2 / 0.11). A GLM
  // Coding Plan key is a flat subscription counted in prompts per 5 hours, not per token
  // (docs.z.ai/devpack/faq: ~120 / ~600 / ~2400 prompts every 5 hours for Lite / Pro / Max): set
  // its models' prices to 0 in routing.prices and its quota in routing.quotas.
  zai: {
    'glm-4.7': { input: 0.6, cacheRead: 0.11, cacheWrite: 0, output: 2.2, date: CHECKED },
    'glm-4.6': { input: 0.6, cacheRead: 0.11, cacheWrite: 0, output: 2.2, date: CHECKED },
    'glm-4.5-air': { input: 0.2, cacheRead: 0.03, cacheWrite: 0, output: 1.1, date: CHECKED }
  },
  // OpenAI. Not confirmed on OpenAI's own page (developers.openai.com/api/docs/pricing now lists
  // the GPT-5 family first and the search did not hold its GPT-4.1 rows); the figures agree with
  // deploybase.ai/articles/gpt-4.1-pricing ("data from OpenAI API pricing, March 2026": $2 / $8,
  // mini $0.40 / $1.60, nano $0.10 / $0.40) and LiteLLM's price table (gpt-4.1 cache read
  // $0.50); cached input is 25 % of input for the GPT-4.1 family.
  openai: {
    'gpt-4.1': { input: 2, cacheRead: 0.5, cacheWrite: 0, output: 8, date: CHECKED },
    'gpt-4.1-mini': { input: 0.4, cacheRead: 0.1, cacheWrite: 0, output: 1.6, date: CHECKED },
    'gpt-4.1-nano': { input: 0.1, cacheRead: 0.025, cacheWrite: 0, output: 0.4, date: CHECKED }
  },
  // Anthropic: platform.claude.com/docs/en/about-claude/pricing ("Model pricing": base input,
  // 5m cache writes, cache hits, output). Opus 4.5 and later cost $5 / $6.25 / $0.50 / $25; Opus
  // 4.1 ($15 / $18.75 / $1.50 / $75) is marked retired there except on Bedrock and Google Cloud.
  // Sonnet 4.5 and Haiku 4.5 rows read from copies of that table (docs.electronhub.ai/guides/
  // prompt-caching; artka.dev's April 2026 table), the stored official page being cut before them.
  anthropic: {
    'claude-opus-4-5': { input: 5, cacheRead: 0.5, cacheWrite: 6.25, output: 25, date: CHECKED },
    'claude-opus-4-1': { input: 15, cacheRead: 1.5, cacheWrite: 18.75, output: 75, date: CHECKED },
    'claude-sonnet-4-5': { input: 3, cacheRead: 0.3, cacheWrite: 3.75, output: 15, date: CHECKED },
    'claude-haiku-4-5': { input: 1, cacheRead: 0.1, cacheWrite: 1.25, output: 5, date: CHECKED }
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
