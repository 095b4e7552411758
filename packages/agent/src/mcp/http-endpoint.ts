import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Handler, RawHandler } from '../http.js'
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
