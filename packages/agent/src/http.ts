import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvalidInputError } from '@gpufleet/core'

export type Handler = (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string }> | { status: number, type: string, body: string }

export interface ApiServerInit {
  /** HOST:PORT; port 0 picks a free one. */
  listen: string
  /** Required (Authorization: Bearer) for every route but /healthz when listening off loopback. */
  token: string | null
  routes: Record<string, Handler>
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/

export function isLoopbackHost (host: string): boolean {
  return LOOPBACK.test(host)
}

export function splitHostPort (listen: string): { host: string, port: number } {
  const i = listen.lastIndexOf(':')
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) }
}

/** The agent's HTTP server: JSON API routes, bearer-token check off loopback, JSON errors. */
export class ApiServer {
  private server: Server | null = null
  readonly host: string
  private port: number
  private readonly needsToken: boolean

  constructor (private readonly init: ApiServerInit) {
    const { host, port } = splitHostPort(init.listen)
    this.host = host
    this.port = port
    this.needsToken = !isLoopbackHost(host)
    if (this.needsToken && (init.token === null || init.token.length < 16)) {
      throw new InvalidInputError(`api.listen ${init.listen} is not a loopback address: set api.token, at least 16 characters (gpufleet init generates one)`)
    }
  }

  get address (): string { return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}` }

  async start (): Promise<void> {
    this.server = createServer((req, res) => { void this.handle(req, res) })
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

  authorized (req: IncomingMessage): boolean {
    if (!this.needsToken) return true
    return req.headers.authorization === `Bearer ${this.init.token ?? ''}`
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gpufleet.local')
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      res.end(body)
    }
    if (url.pathname !== '/healthz' && !this.authorized(req)) {
      send(401, 'application/json', JSON.stringify({ error: 'missing or wrong bearer token' }))
      return
    }
    const route = this.init.routes[url.pathname]
    if (route === undefined) { send(404, 'application/json', JSON.stringify({ error: `no route ${url.pathname}` })); return }
    if (req.method !== 'GET' && req.method !== 'HEAD') { send(405, 'application/json', JSON.stringify({ error: `${req.method ?? ''} not allowed` })); return }
    try {
      const out = await route(req, url)
      send(out.status, out.type, out.body)
    } catch (err) {
      send(500, 'application/json', JSON.stringify({ error: (err as Error).message }))
    }
  }
}
