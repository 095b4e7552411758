import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { timingSafeEqual } from 'node:crypto'
import { InvalidInputError } from '@gpufleet/core'
import { StaticFiles } from './static.js'
import { JSON_TYPE } from './json-response.js'

export interface RouteResult { status: number, type: string, body: string | Buffer }
export type Handler = (req: IncomingMessage, url: URL) => Promise<RouteResult> | RouteResult
/** A POST route that writes its own response (the gateway streams). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

export interface ApiServerInit {
  /** HOST:PORT; port 0 picks a free one. */
  listen: string
  /**
   * Required (Authorization: Bearer) for every data route when listening off loopback — and on
   * loopback too once set: other users of a shared machine can reach loopback as well.
   */
  token: string | null
  routes: Record<string, Handler>
  posts?: Record<string, RawHandler>
  /** The built dashboard's folder (null: `/` answers 503 saying how to build it). */
  dashboardDir?: string | null
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/

export function isLoopbackHost (host: string): boolean {
  return LOOPBACK.test(host)
}

export function splitHostPort (listen: string): { host: string, port: number } {
  const i = listen.lastIndexOf(':')
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) }
}

/**
 * The request target as a URL. Prefixing the origin (instead of resolving against it) keeps a
 * target such as `/////` a path rather than a scheme-relative URL with an empty host.
 */
export function requestUrl (req: IncomingMessage): URL | null {
  try {
    const target = req.url ?? '/'
    return new URL(`http://gpufleet.local${target.startsWith('/') ? target : `/${target}`}`)
  } catch {
    return null
  }
}

/** Token comparison in constant time: the check must not leak how many characters matched. */
function sameToken (candidate: string, token: string): boolean {
  const a = Buffer.from(candidate)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The agent's HTTP server: JSON API routes, the dashboard's files, bearer-token check off loopback, JSON errors. */
export class ApiServer {
  private server: Server | null = null
  readonly host: string
  private port: number
  private readonly needsToken: boolean
  private readonly files: StaticFiles

  constructor (private readonly init: ApiServerInit) {
    const { host, port } = splitHostPort(init.listen)
    this.host = host
    this.port = port
    this.needsToken = !isLoopbackHost(host) || init.token !== null
    if (this.needsToken && (init.token === null || init.token.length < 16)) {
      throw new InvalidInputError(`api.listen ${init.listen} is not a loopback address: set api.token, at least 16 characters (gpufleet init generates one)`)
    }
    this.files = new StaticFiles(init.dashboardDir ?? null)
  }

  get address (): string { return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}` }

  async start (): Promise<void> {
    // Whatever a request does, it must not take the agent down: a handler that throws answers 500.
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => { if (!res.headersSent) { res.writeHead(500); res.end() } else res.destroy() })
    })
    // Slow or stalled clients must not hold sockets forever.
    this.server.headersTimeout = 10_000
    this.server.requestTimeout = 30_000
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(this.port, this.host, () => { this.server!.off('error', reject); resolve() })
    })
    this.port = (this.server.address() as AddressInfo).port
  }

  get httpServer (): Server | null { return this.server }

  async stop (): Promise<void> {
    const server = this.server
    if (server === null) return
    this.server = null
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }

  /** Loopback: always. Elsewhere: `Authorization: Bearer <token>`, or (WebSocket) a `bearer.<token>` subprotocol. */
  authorized (req: IncomingMessage, protocols: string[] = []): boolean {
    if (!this.needsToken) return true
    const token = this.init.token ?? ''
    const header = req.headers.authorization
    if (header?.startsWith('Bearer ') === true && sameToken(header.slice(7), token)) return true
    // Anthropic clients send their key as x-api-key (Claude Code with ANTHROPIC_API_KEY).
    if (typeof req.headers['x-api-key'] === 'string' && sameToken(req.headers['x-api-key'], token)) return true
    return protocols.some(p => p.startsWith('bearer.') && sameToken(p.slice(7), token))
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, type: string, body: string | Buffer, cache = 'no-store'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': cache, 'x-content-type-options': 'nosniff' })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    const error = (status: number, message: string): void => { send(status, JSON_TYPE, JSON.stringify({ error: message })) }
    const url = requestUrl(req)
    if (url === null) { error(400, 'malformed request target'); return }
    const post = this.init.posts?.[url.pathname]
    if (post !== undefined) {
      if (req.method !== 'POST') { error(405, `${req.method ?? ''} not allowed (POST)`); return }
      if (!this.authorized(req)) { error(401, 'missing or wrong bearer token'); return }
      try {
        await post(req, res)
      } catch (err) {
        if (res.headersSent) res.destroy(); else error(500, (err as Error).message)
      }
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') { error(405, `${req.method ?? ''} not allowed`); return }
    // `/v1/models/*` answers `/v1/models/{id}` (ids may hold ':' and '/').
    const route = this.init.routes[url.pathname] ?? Object.entries(this.init.routes).find(([k]) => k.endsWith('/*') && url.pathname.startsWith(k.slice(0, -1)) && url.pathname.length > k.length - 1)?.[1]
    if (route === undefined && StaticFiles.handles(url.pathname)) {
      const file = await this.files.get(url.pathname)
      send(file.status, file.type, file.body, file.cache)
      return
    }
    if (url.pathname !== '/healthz' && !this.authorized(req)) { error(401, 'missing or wrong bearer token'); return }
    if (route === undefined) { error(404, `no route ${url.pathname}`); return }
    try {
      const out = await route(req, url)
      send(out.status, out.type, out.body)
    } catch (err) {
      error(500, (err as Error).message)
    }
  }
}
