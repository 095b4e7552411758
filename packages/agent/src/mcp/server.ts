import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { z } from 'zod'
import type { FleetSource } from './source.js'
import { estimateTool } from './tools/estimate.js'
import { fleetStatusTool } from './tools/fleet-status.js'
import { gpuSpecDocumentTool } from './tools/gpu-spec-document.js'
import { planTool } from './tools/plan.js'
import { routeTool } from './tools/route.js'
import type { FleetTool } from './tools/tool.js'
import { usageTool } from './tools/usage.js'
import { whereCanRunTool } from './tools/where-can-run.js'

/** The MCP server's name and version, as clients show them. */
export interface McpServerInfo { version: string }

const INSTRUCTIONS = 'gpufleet: a fleet of machines running local LLMs on their GPUs, with a gateway that routes each role to a local model, a peer or the cloud. Every tool is read-only. Ask fleet_status for the hosts and GPUs, where_can_run before suggesting a model, plan for what runs where, route for where a role goes from this host, usage for what the gateways spent and saved.'

/** The documents a client can attach: the GPU spec document in each language, and the plan in force. */
export const RESOURCES = {
  reportFr: 'gpufleet://gpu-spec-document/fr',
  reportEn: 'gpufleet://gpu-spec-document/en',
  plan: 'gpufleet://plan'
} as const

/** An MCP server answering from a fleet source: the stdio command and the agent's /mcp endpoint both build one. */
export function createFleetMcpServer (source: FleetSource, info: McpServerInfo): McpServer {
  const server = new McpServer({ name: 'gpufleet', title: 'gpufleet', version: info.version }, { instructions: INSTRUCTIONS })
  register(server, source, fleetStatusTool)
  register(server, source, whereCanRunTool)
  register(server, source, estimateTool)
  register(server, source, planTool)
  register(server, source, routeTool)
  register(server, source, gpuSpecDocumentTool)
  register(server, source, usageTool)
  for (const lang of ['fr', 'en'] as const) {
    const uri = lang === 'fr' ? RESOURCES.reportFr : RESOURCES.reportEn
    server.registerResource(`gpu-spec-document-${lang}`, uri, { title: `GPU spec document (${lang})`, description: `The fleet's GPU spec document in ${lang === 'fr' ? 'French' : 'English'}`, mimeType: 'text/markdown' },
      async () => ({ contents: [{ uri, mimeType: 'text/markdown', text: await source.report(lang) }] }))
  }
  server.registerResource('plan', RESOURCES.plan, { title: 'The plan in force', description: 'gpufleet.plan/v1: assignments, routes, excluded GPUs, unplaced models', mimeType: 'application/json' },
    async () => ({ contents: [{ uri: RESOURCES.plan, mimeType: 'application/json', text: JSON.stringify(await source.plan()) }] }))
  return server
}

function register<I extends z.ZodObject, O extends z.ZodObject> (server: McpServer, source: FleetSource, tool: FleetTool<I, O>): void {
  server.registerTool(tool.name, {
    title: tool.title,
    description: tool.description,
    inputSchema: tool.input,
    outputSchema: tool.output,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
  }, (async (args: z.infer<I>) => {
    const answer = await tool.run(source, args)
    return { content: [{ type: 'text', text: answer.text }], structuredContent: answer.structured }
  }) as never)
}
