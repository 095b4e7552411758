import { explainRoute, gatewayModelNames, parseDuration, priceOf, priceTable, type UsageGrouping } from '@gpufleet/core'
import type { Handler, RouteResult } from '../http.js'
import type { Gateway } from '../gateway/gateway.js'

const json = (value: unknown, status = 200): RouteResult => ({ status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) })
const GROUPINGS: readonly UsageGrouping[] = ['role', 'provider', 'host']

/** `since` as a duration back from now (7d, 12h) or an ISO time; null when it is neither. */
export function parseSince (raw: string, now: number): number | null {
  try { return now - parseDuration(raw) } catch { /* not a duration: maybe a date */ }
  const at = Date.parse(raw)
  return /^\d{4}-\d{2}-\d{2}/.test(raw) && Number.isFinite(at) ? at : null
}

/**
 * GET /api/usage (gpufleet.usage/v1: the fleet's requests, tokens, cost and savings, with each
 * host's quota use) and the LiteLLM-shaped model info Roo Code reads prices and context sizes from.
 */
export function usageRoutes (gateway: Gateway, now: () => number): Record<string, Handler> {
  const modelInfo: Handler = () => {
    const config = gateway.config
    const prices = priceTable(config)
    const { roles, models } = gatewayModelNames(config)
    const data = [...roles, ...models].map(name => {
      // The first target this host would try: local and peer tokens cost the user nothing.
      const chain = explainRoute(gateway.routeInputFor(name))
      const first = chain.ok ? chain.steps.find(s => s.usable && s.target !== null)?.target ?? null : null
      const price = first?.kind === 'cloud' ? priceOf(prices, first.via, first.model) : null
      const perToken = (perMillion: number | undefined): number => (perMillion ?? 0) / 1_000_000
      const context = gateway.contextLength(name)
      return {
        model_name: name,
        litellm_params: { model: first === null ? name : first.label },
        model_info: {
          id: name,
          mode: 'chat',
          max_tokens: context,
          max_input_tokens: context,
          input_cost_per_token: perToken(price?.input),
          output_cost_per_token: perToken(price?.output),
          cache_read_input_token_cost: perToken(price?.cacheRead),
          cache_creation_input_token_cost: perToken(price?.cacheWrite),
          supports_prompt_caching: (price?.cacheRead ?? 0) > 0,
          litellm_provider: first?.kind === 'cloud' ? first.via : 'ollama',
          price_date: price?.date ?? null
        }
      }
    })
    return json({ data })
  }
  return {
    '/api/usage': (_req, url) => {
      const spend = gateway.spend
      if (spend === null) return json({ error: 'the ledger is not open yet' }, 503)
      const t = now()
      const since = parseSince(url.searchParams.get('since') ?? '30d', t)
      if (since === null) return json({ error: `since must be a duration (7d, 12h) or an ISO date, got "${url.searchParams.get('since') ?? ''}"` }, 400)
      const by = (url.searchParams.get('by') ?? 'provider') as UsageGrouping
      if (!GROUPINGS.includes(by)) return json({ error: `by must be role, provider or host, got "${by}"` }, 400)
      return json(spend.usage({ since, until: t + 1, by, host: url.searchParams.get('host') }))
    },
    '/v1/model/info': modelInfo,
    '/model/info': modelInfo
  }
}
