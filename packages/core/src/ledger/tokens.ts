/**
 * Tokens of one request in the four buckets providers price apart. Kept apart everywhere: cost
 * trackers that fold cache reads into input (or count them twice) misprice cached prompts.
 */
export interface TokenCounts {
  /** Input tokens read without cache (OpenAI: prompt_tokens minus cached_tokens; Anthropic: input_tokens). */
  uncached: number
  cacheRead: number
  cacheWrite: number
  output: number
}

export const TOKEN_KINDS = ['uncached', 'cacheRead', 'cacheWrite', 'output'] as const

export const noTokens = (): TokenCounts => ({ uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 })

export function addTokens (a: TokenCounts, b: TokenCounts): TokenCounts {
  return { uncached: a.uncached + b.uncached, cacheRead: a.cacheRead + b.cacheRead, cacheWrite: a.cacheWrite + b.cacheWrite, output: a.output + b.output }
}

export const totalTokens = (t: TokenCounts): number => t.uncached + t.cacheRead + t.cacheWrite + t.output

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** OpenAI's `usage`: prompt_tokens includes the cached ones (prompt_tokens_details.cached_tokens). */
export function tokensFromOpenAi (usage: unknown): TokenCounts | null {
  if (!isObject(usage)) return null
  const cached = isObject(usage.prompt_tokens_details) ? count(usage.prompt_tokens_details.cached_tokens) : 0
  return { uncached: Math.max(0, count(usage.prompt_tokens) - cached), cacheRead: cached, cacheWrite: 0, output: count(usage.completion_tokens) }
}

/** Anthropic's `usage`: input_tokens excludes cache_read_input_tokens and cache_creation_input_tokens. */
export function tokensFromAnthropic (usage: unknown): TokenCounts | null {
  if (!isObject(usage)) return null
  return { uncached: count(usage.input_tokens), cacheRead: count(usage.cache_read_input_tokens), cacheWrite: count(usage.cache_creation_input_tokens), output: count(usage.output_tokens) }
}

/**
 * Anthropic streams split usage: message_start carries input and cache figures, message_delta the
 * output (and, from some servers, the input again). A later non-zero figure wins, a missing one
 * keeps the earlier.
 */
export function mergeAnthropicUsage (prev: TokenCounts | null, usage: unknown): TokenCounts | null {
  if (!isObject(usage)) return prev
  const next = tokensFromAnthropic(usage)!
  if (prev === null) return next
  const pick = (k: keyof TokenCounts, field: string): number => (usage[field] === undefined ? prev[k] : next[k] || prev[k])
  return { uncached: pick('uncached', 'input_tokens'), cacheRead: pick('cacheRead', 'cache_read_input_tokens'), cacheWrite: pick('cacheWrite', 'cache_creation_input_tokens'), output: pick('output', 'output_tokens') }
}

/** Ollama's native counters: prompt_eval_count and eval_count (no cache buckets). */
export function tokensFromOllama (value: unknown): TokenCounts | null {
  if (!isObject(value) || typeof value.eval_count !== 'number') return null
  return { uncached: count(value.prompt_eval_count), cacheRead: 0, cacheWrite: 0, output: count(value.eval_count) }
}
