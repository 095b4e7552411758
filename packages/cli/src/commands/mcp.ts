import type { Command } from 'commander'
import { InvalidInputError } from '@gpufleet/core'
import type { CliIo } from '../io.js'
import { VERSION } from '../version.js'

interface McpOpts { api: string, token?: string }

/**
 * `gpufleet mcp`: an MCP server on stdin/stdout for coding agents (Claude Code, Roo Code), reading
 * the fleet from a running agent's API. stdout carries the protocol: nothing else is printed there.
 */
export function registerMcp (program: Command, _io: CliIo): void {
  program.command('mcp')
    .description('MCP server over stdio for coding agents (claude mcp add gpufleet -- gpufleet mcp), reading the fleet from a running agent')
    .option('--api <url>', 'agent API', 'http://127.0.0.1:7700')
    .option('--token <token>', 'bearer token (default: GPUFLEET_TOKEN)', process.env.GPUFLEET_TOKEN)
    .action(async (opts: McpOpts) => {
      let base: URL
      try { base = new URL(opts.api) } catch { throw new InvalidInputError(`--api: "${opts.api}" is not a URL`) }
      if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new InvalidInputError(`--api: "${opts.api}" is not an http(s) URL`)
      const { apiFleetSource, httpApiGet, serveMcpStdio } = await import('@gpufleet/agent/mcp')
      await serveMcpStdio(apiFleetSource(httpApiGet(base.toString(), opts.token)), { version: VERSION })
    })
}
