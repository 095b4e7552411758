import { catalogDocument, computePlan, renderReport, type Alert, type FleetConfig, type HostReport, type Inventory, type Plan, type StatusDocument } from '@gpufleet/core'
import type { Handler, RawHandler, RouteResult } from './http.js'
import { GATEWAY_ENDPOINTS, type Gateway, type GatewayPath } from './gateway/gateway.js'
import type { AgentMetrics } from './metrics.js'
import { JSON_TYPE } from './json-response.js'
import { handleCountTokens, handleMessages } from './gateway/messages.js'
import { usageRoutes } from './ledger/usage-routes.js'
import { OLLAMA_API_VERSION, handleOllamaGenerate, ollamaError, ollamaShow, ollamaTags } from './gateway/ollama-api.js'

/** What the HTTP routes read from the agent. */
export interface RouteSource {
  config: FleetConfig
  status: () => StatusDocument
  alerts: () => Alert[]
  hosts: () => HostReport[]
  inventory: () => Inventory
  plan: () => Plan | null
  leader: () => string | null
  term: () => number
  now: () => number
  metrics: AgentMetrics
  gateway: Gateway
}

const json = (value: unknown, status = 200): RouteResult => ({ status, type: JSON_TYPE, body: JSON.stringify(value) })

/** The agent's HTTP API (CONTRACT.md "Agent HTTP API"): compact JSON; `gpufleet status` formats for people. */
export function apiRoutes (src: RouteSource): Record<string, Handler> {
  return {
    ...usageRoutes(src.gateway, src.now),
    '/healthz': () => json({ ok: true }),
    '/api/status': () => json(src.status()),
    '/api/inventory': () => json(src.inventory()),
    '/api/plan': () => { const plan = src.plan(); return plan === null ? json({ error: 'no plan yet' }, 404) : json(plan) },
    '/api/alerts': () => json(src.alerts()),
    '/api/catalog': () => json(catalogDocument(src.config)),
    // Cheap views for monitoring scripts that poll often: counts, and one host at a time.
    '/api/summary': () => {
      const hosts = src.hosts()
      return json({ hosts: hosts.length, online: hosts.filter(h => h.online !== false).length, leader: src.leader(), term: src.term(), planTerm: src.plan()?.term ?? null })
    },
    '/api/host': (_req, url) => {
      const host = src.hosts().find(h => h.hostname === url.searchParams.get('name'))
      return host === undefined ? json({ error: `no host ${url.searchParams.get('name') ?? ''}` }, 404) : json(host)
    },
    '/api/report.md': (_req, url) => {
      const lang = url.searchParams.get('lang') ?? src.config.report.lang
      if (lang !== 'fr' && lang !== 'en') return json({ error: `lang must be fr or en, got "${lang}"` }, 400)
      const hosts = src.hosts()
      const plan = src.plan() ?? computePlan({ hosts, config: src.config, generatedAt: new Date(src.now()).toISOString() })
      return { status: 200, type: 'text/markdown; charset=utf-8', body: renderReport({ hosts, plan, config: src.config, lang, costs: src.gateway.spend?.reportCosts(src.now()) }) }
    },
    '/v1/models': () => json(src.gateway.models()),
    '/v1/models/*': (_req, url) => {
      const id = decodeURIComponent(url.pathname.slice('/v1/models/'.length))
      const model = src.gateway.model(id)
      return model === null ? json({ error: { message: `The model \`${id}\` does not exist`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } }, 404) : json(model)
    },
    // Ollama's own API, for clients with an Ollama provider (Roo Code, Continue).
    '/api/tags': () => json(ollamaTags(src.gateway)),
    '/api/version': () => json({ version: OLLAMA_API_VERSION }),
    '/api/route': (_req, url) => {
      const role = url.searchParams.get('role')
      if (role === null || role === '') return json({ error: 'role is required: /api/route?role=ROLE' }, 400)
      const out = src.gateway.explain(role, url.searchParams.get('profile') ?? undefined)
      if ('error' in out) return json({ error: out.error }, 404)
      return out.ok ? json(out.document) : json({ error: `no role or model "${role}"; known: ${out.available.join(', ')}` }, 404)
    },
    '/metrics': async (_req, url) => {
      const scope = url.searchParams.get('scope')
      if (scope !== null && scope !== 'self' && scope !== 'fleet') return json({ error: `scope must be self or fleet, got "${scope}"` }, 400)
      return { status: 200, type: src.metrics.contentType, body: await src.metrics.render(scope === 'self') }
    }
  }
}

/** The gateway's POST routes (CONTRACT.md "Gateway"). */
export function gatewayRoutes (gateway: Gateway): Record<string, RawHandler> {
  return {
    ...Object.fromEntries(Object.keys(GATEWAY_ENDPOINTS).map(path => [path, async (req, res) => { await gateway.handle(req, res, path as GatewayPath) }])),
    '/v1/messages': async (req, res) => { await handleMessages(gateway, req, res) },
    '/v1/messages/count_tokens': async (req, res) => { await handleCountTokens(gateway, req, res) },
    '/api/chat': async (req, res) => { await handleOllamaGenerate(gateway, req, res, 'chat') },
    '/api/generate': async (req, res) => { await handleOllamaGenerate(gateway, req, res, 'generate') },
    '/api/show': async (req, res) => {
      const body = await gateway.readJson(req, res, ollamaError)
      if (body === null) return
      const name = typeof body.model === 'string' ? body.model : typeof body.name === 'string' ? body.name : ''
      const shown = ollamaShow(gateway, name)
      if (shown === null) { ollamaError(res, 404, `model '${name}' not found`, 'model_not_found'); return }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify(shown))
    }
  }
}
