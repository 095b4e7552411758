import type { LiveMessage } from '@gpufleet/core'

const PROTOCOL = 'gpufleet.v1'
const TOKEN_KEY = 'gpufleet.token'

export interface ConnectionHandlers {
  message: (msg: LiveMessage) => void
  state: (state: 'connecting' | 'connected' | 'disconnected') => void
  /** The agent wants a token (none stored, or the stored one is wrong). */
  needToken: (wrong: boolean) => void
}

/** The token, kept for this browser session only (sessionStorage), never in the URL. */
export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY)
export const storeToken = (token: string): void => { sessionStorage.setItem(TOKEN_KEY, token) }

/**
 * The page's link to its agent: checks the token over HTTP (a WebSocket cannot tell a 401 from
 * a dead server), then opens `/ws` and reconnects with capped, jittered backoff when it drops.
 */
export class LiveConnection {
  private ws: WebSocket | null = null
  private attempt = 0
  private timer: number | null = null

  constructor (private readonly handlers: ConnectionHandlers) {}

  start (): void { void this.connect() }

  private async connect (): Promise<void> {
    this.handlers.state('connecting')
    const token = storedToken()
    let status: number
    try {
      const res = await fetch('/api/summary', { headers: token === null ? {} : { authorization: `Bearer ${token}` }, cache: 'no-store' })
      status = res.status
    } catch {
      this.retry()
      return
    }
    if (status === 401) { this.handlers.state('disconnected'); this.handlers.needToken(token !== null); return }
    if (status !== 200) { this.retry(); return }
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
    const ws = new WebSocket(url, token === null ? [PROTOCOL] : [PROTOCOL, `bearer.${token}`])
    this.ws = ws
    ws.onopen = () => { this.attempt = 0; this.handlers.state('connected') }
    ws.onmessage = ev => {
      try {
        this.handlers.message(JSON.parse(String(ev.data)) as LiveMessage)
      } catch { /* a malformed frame is skipped, not fatal */ }
    }
    ws.onclose = () => { if (this.ws === ws) { this.ws = null; this.retry() } }
  }

  private retry (): void {
    this.handlers.state('disconnected')
    const delay = Math.min(10_000, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5)
    this.attempt = Math.min(this.attempt + 1, 5)
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = window.setTimeout(() => { this.timer = null; void this.connect() }, delay)
  }

  /** After the user typed a token: try again now. */
  reconnect (): void {
    this.attempt = 0
    this.ws?.close()
    this.ws = null
    void this.connect()
  }
}
