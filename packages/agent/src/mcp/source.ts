import type { IncomingMessage } from 'node:http'
import { catalogDocumentSchema, planSchema, routeDocumentSchema, statusSchema, usageDocumentSchema, type CatalogDocument, type Plan, type RouteDocument, type StatusDocument, type UsageDocumentJson } from '@gpufleet/core'
import type { z } from 'zod'
import type { Handler } from '../http.js'
import { FleetSourceError } from './errors.js'

/** Everything the MCP tools read, each an answer of the agent's HTTP API (CONTRACT.md "Agent HTTP API"). */
export interface FleetSource {
  status: () => Promise<StatusDocument>
  /** The plan in force, or null while the fleet has none yet. */
  plan: () => Promise<Plan | null>
  catalog: () => Promise<CatalogDocument>
  report: (lang: 'fr' | 'en') => Promise<string>
  route: (role: string, profile?: string) => Promise<RouteDocument>
  /** The cost ledger's figures (GET /api/usage): `since` a duration or an ISO date, grouped `by`, one `host` or the fleet. */
  usage: (query: UsageQuery) => Promise<UsageDocumentJson>
}

export interface UsageQuery { since: string, by: 'role' | 'provider' | 'host', host?: string }

/** One GET of the agent's API: path with query in, status and body text out. */
export type ApiGet = (path: string) => Promise<{ status: number, body: string }>

/**
 * The tools' view of a fleet, read through the agent's API routes: the stdio server reaches them
 * over HTTP, the agent's own /mcp endpoint calls them in process. Either way the tools answer
 * exactly what the API answers, checked against the same schemas.
 */
export function apiFleetSource (get: ApiGet): FleetSource {
  const text = async (path: string): Promise<string> => {
    const { status, body } = await get(path)
    if (status !== 200) throw new FleetSourceError(`${path}: ${errorText(body) ?? `HTTP ${status}`}`)
    return body
  }
  const document = async <S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> => {
    const parsed = schema.safeParse(JSON.parse(await text(path)))
    if (!parsed.success) throw new FleetSourceError(`${path}: the agent answered a document this server does not understand (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}); are both the same gpufleet version?`)
    return parsed.data
  }
  return {
    status: async () => await document('/api/status', statusSchema),
    plan: async () => {
      const { status, body } = await get('/api/plan')
      if (status === 404) return null
      if (status !== 200) throw new FleetSourceError(`/api/plan: ${errorText(body) ?? `HTTP ${status}`}`)
      return planSchema.parse(JSON.parse(body))
    },
    catalog: async () => await document('/api/catalog', catalogDocumentSchema),
    report: async lang => await text(`/api/report.md?lang=${lang}`),
    route: async (role, profile) => await document(`/api/route?${new URLSearchParams({ role, ...(profile === undefined ? {} : { profile }) }).toString()}`, routeDocumentSchema),
    usage: async ({ since, by, host }) => await document(`/api/usage?${new URLSearchParams({ since, by, ...(host === undefined ? {} : { host }) }).toString()}`, usageDocumentSchema)
  }
}

function errorText (body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error
    return typeof error === 'string' ? error : undefined
  } catch {
    return undefined
  }
}

/** GETs to an agent over HTTP (what `gpufleet mcp --api URL` uses), each bounded to 5 s. */
export function httpApiGet (base: string, token: string | undefined): ApiGet {
  return async path => {
    const url = new URL(path, base)
    let res: Response
    try {
      res = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) })
    } catch (err) {
      throw new FleetSourceError(`no agent at ${base} (${networkReason(err)})`)
    }
    if (res.status === 401) throw new FleetSourceError(`${url.toString()}: 401 — set GPUFLEET_TOKEN or --token to the api.token of that node`)
    return { status: res.status, body: await res.text() }
  }
}

/** fetch hides the socket error in `cause`, sometimes inside an AggregateError (one per address tried). */
function networkReason (err: unknown): string {
  const cause = (err as { cause?: { code?: string, errors?: Array<{ code?: string }>, message?: string } }).cause
  return cause?.code ?? cause?.errors?.find(e => e.code !== undefined)?.code ?? cause?.message ?? (err as Error).message
}

/**
 * GETs answered by the agent's own route handlers, in process (its /mcp endpoint): the request
 * was already let in by the API's token check, so no socket and no token are needed.
 */
export function routesApiGet (routes: Record<string, Handler>, req: IncomingMessage): ApiGet {
  return async path => {
    const url = new URL(path, 'http://gpufleet.local')
    const handler = routes[url.pathname]
    if (handler === undefined) return { status: 404, body: JSON.stringify({ error: `no route ${url.pathname}` }) }
    const out = await handler(req, url)
    return { status: out.status, body: typeof out.body === 'string' ? out.body : out.body.toString('utf8') }
  }
}
