import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import type { Logger } from 'pino'
import { requestUrl } from './http.js'
import type { LiveEvent } from '@gpufleet/core'
import { RecentEvents } from './history.js'

/** The subprotocol the dashboard speaks; browsers cannot set headers, so the token may ride as `bearer.<token>`. */
export const LIVE_PROTOCOL = 'gpufleet.v1'

export interface LiveHubInit {
  server: Server
  /** True when the upgrade request carries the token (header or `bearer.<token>` subprotocol). */
  authorized: (req: IncomingMessage, protocols: string[]) => boolean
  /** The first message every client gets, and the one a client that fell behind gets again. */
  snapshot: () => object
  log: Logger
  /** Above this many unsent bytes for a client, events are dropped for it until it drains. */
  highWaterBytes?: number
  maxClients?: number
}

interface Client {
  ws: WebSocket
  /** Events were dropped: the client gets a fresh snapshot once its buffer drains. */
  behindSince: number | null
  alive: boolean
}

const LOW_WATER_BYTES = 64 * 1024
/** WebSocket.OPEN, without loading ws to read it. */
const OPEN = 1
/** A client that cannot take a snapshot this long is cut off (the page reconnects on its own). */
const BEHIND_LIMIT_MS = 30_000
const PING_MS = 15_000

/**
 * `/ws`: a snapshot first, then typed change events. Backpressure: a slow client never makes
 * the agent buffer without bound — past the high-water mark its events are dropped and it is
 * marked behind; once drained it gets a fresh snapshot (a superset of what it missed).
 */
export class LiveHub {
  /** ws (~7 MiB resident) loads with the first dashboard that connects. */
  private wss: Promise<WebSocketServer> | null = null
  private readonly clients = new Set<Client>()
  private readonly high: number
  private readonly maxClients: number
  private readonly pinger: NodeJS.Timeout
  readonly stats = { sent: 0, dropped: 0, resnapshots: 0 }
  private readonly recent = new RecentEvents()

  constructor (private readonly init: LiveHubInit) {
    this.high = init.highWaterBytes ?? 1024 * 1024
    this.maxClients = init.maxClients ?? 64
    init.server.on('upgrade', (req, socket, head) => { this.upgrade(req, socket, head) })
    this.pinger = setInterval(() => { this.ping() }, PING_MS)
    this.pinger.unref()
  }

  get size (): number { return this.clients.size }

  /** Bytes queued in user space for all clients: what backpressure keeps bounded. */
  get bufferedBytes (): number {
    let total = 0
    for (const client of this.clients) total += client.ws.bufferedAmount
    return total
  }

  private upgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
    }
    const path = requestUrl(req)?.pathname
    if (path !== '/ws') { refuse('404 Not Found'); return }
    const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map(p => p.trim()).filter(Boolean)
    if (!this.init.authorized(req, protocols)) { refuse('401 Unauthorized'); return }
    if (this.clients.size >= this.maxClients) { refuse('503 Service Unavailable'); return }
    void this.server().then(wss => { wss.handleUpgrade(req, socket, head, ws => { this.add(ws) }) }, () => { socket.destroy() })
  }

  private async server (): Promise<WebSocketServer> {
    this.wss ??= import('ws').then(({ WebSocketServer }) => new WebSocketServer({
      noServer: true,
      // The page sends nothing but pings: anything large is refused.
      maxPayload: 4096,
      handleProtocols: protocols => (protocols.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false)
    }))
    return await this.wss
  }

  private add (ws: WebSocket): void {
    const client: Client = { ws, behindSince: null, alive: true }
    this.clients.add(client)
    ws.on('pong', () => { client.alive = true })
    ws.on('message', () => { /* nothing to read: the page only listens */ })
    ws.on('close', () => { this.clients.delete(client) })
    ws.on('error', err => { this.init.log.debug({ err: err.message }, 'websocket error'); this.clients.delete(client) })
    this.sendSnapshot(client)
  }

  private sendSnapshot (client: Client): void {
    const events = this.recent.list()
    client.ws.send(JSON.stringify({ type: 'snapshot', ...this.init.snapshot(), ...(events.length === 0 ? {} : { events }) }))
    client.behindSince = null
    this.stats.sent++
  }

  /** Sends one event to every client, serialized once. */
  broadcast (event: Readonly<Record<string, unknown>> & { type: string }): void {
    this.recent.add(event as unknown as LiveEvent)
    if (this.clients.size === 0) return
    const text = JSON.stringify(event)
    const now = Date.now()
    for (const client of this.clients) {
      const { ws } = client
      if (ws.readyState !== OPEN) continue
      if (client.behindSince !== null) {
        if (ws.bufferedAmount < LOW_WATER_BYTES) {
          this.stats.resnapshots++
          this.sendSnapshot(client)
        } else if (now - client.behindSince > BEHIND_LIMIT_MS) {
          this.init.log.info('dashboard client too slow for 30 s: disconnected')
          ws.terminate()
          this.clients.delete(client)
        } else {
          this.stats.dropped++
        }
        continue
      }
      if (ws.bufferedAmount > this.high) {
        client.behindSince = now
        this.stats.dropped++
        continue
      }
      ws.send(text)
      this.stats.sent++
    }
  }

  private ping (): void {
    for (const client of this.clients) {
      if (!client.alive) { client.ws.terminate(); this.clients.delete(client); continue }
      client.alive = false
      client.ws.ping()
    }
  }

  close (): void {
    clearInterval(this.pinger)
    for (const client of this.clients) client.ws.terminate()
    this.clients.clear()
    void this.wss?.then(wss => { wss.close() })
  }
}
