import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The life of a test stand-in's HTTP server on 127.0.0.1: what every stand-in shares. */
export abstract class LoopbackServer {
  private server: Server | null = null
  port = 0

  get url (): string { return `http://127.0.0.1:${this.port}` }

  /** Listens on `port` (0: any free one) and records the port taken. */
  async start (port = 0): Promise<void> {
    this.server = createServer((req, res) => { void this.handle(req, res) })
    await new Promise<void>(resolve => this.server!.listen(port, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  /** Stops accepting connections and drops open ones: a dead upstream. */
  async stop (): Promise<void> {
    const server = this.server
    this.server = null
    if (server === null) return
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }

  protected abstract handle (req: IncomingMessage, res: ServerResponse): Promise<void>
}
