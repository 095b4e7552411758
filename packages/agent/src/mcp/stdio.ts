import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { createFleetMcpServer, type McpServerInfo } from './server.js'
import type { FleetSource } from './source.js'

/**
 * Serves MCP on this process's stdin/stdout (what `claude mcp add` and Roo start) until the
 * client closes stdin. Nothing else may write to stdout: it carries the protocol.
 */
export async function serveMcpStdio (source: FleetSource, info: McpServerInfo): Promise<void> {
  const server = createFleetMcpServer(source, info)
  // A line that is not JSON-RPC is dropped by the SDK; say so on stderr, the only place left to say it.
  server.server.onerror = err => { process.stderr.write(`gpufleet mcp: ${err.message.split('\n')[0] ?? err.name}\n`) }
  const transport = new StdioServerTransport()
  const closed = new Promise<void>(resolve => { transport.onclose = resolve })
  await server.connect(transport)
  // The transport does not notice the end of stdin by itself.
  process.stdin.once('end', () => { void server.close() })
  await closed
}
