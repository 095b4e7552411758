import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { isLoopbackHost, type Handler, type RawHandler } from '../http.js'
import { apiFleetSource, routesApiGet } from './source.js'

export interface McpEndpointInit {
  /** The agent's API routes: the tools read the same answers as GET /api/…, in process. */
  routes: Record<string, Handler>
  log: Logger
}

/**
 * MCP over Streamable HTTP at `/mcp` (POST; the API server checks the token first, as for every
 * other route). Stateless, with plain JSON answers: every request gets its own server and
 * transport, so nothing is kept between requests and a client needs no session. The SDK loads
 * on the first request: agents nobody asks over MCP do not carry it.
 */
export function mcpEndpoint (init: McpEndpointInit): RawHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const refused = rebindingRefusal(req)
    if (refused !== null) {
      res.writeHead(403, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: refused } }))
      return
    }
    const [{ StreamableHTTPServerTransport }, { createFleetMcpServer }, { agentVersion }] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/streamableHttp.js'), import('./server.js'), import('./version.js')
    ])
    const server = createFleetMcpServer(apiFleetSource(routesApiGet(init.routes, req)), { version: agentVersion() })
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    transport.onerror = err => { init.log.warn({ err: err.message }, 'mcp request failed') }
    res.once('close', () => { void server.close() })
    await server.connect(transport)
    await transport.handleRequest(req, res)
  }
}

/**
 * DNS rebinding guard (the MCP transport spec asks servers to check): a request without a token
 * reached an agent that needs none, so one listening on loopback, whose legitimate clients name it
 * by a loopback address. A Host or Origin naming anything else is a web page that had its own
 * domain resolve to 127.0.0.1, and is refused. A request with a token was already checked.
 */
export function rebindingRefusal (req: IncomingMessage): string | null {
  if (req.headers.authorization !== undefined) return null
  const host = req.headers.host
  if (host !== undefined && !isLoopbackHost(hostnameOf(`http://${host}`))) return `Host ${host} is not a loopback address of this agent`
  const origin = req.headers.origin
  if (origin !== undefined && !isLoopbackHost(hostnameOf(origin))) return `Origin ${origin} is not a loopback address of this agent`
  return null
}

function hostnameOf (url: string): string {
  try {
    return new URL(url).hostname
  } catch {
    return ''
  }
}
