import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { bin } from '../cluster/harness.js'

/** The SDK's client over stdio, running `gpufleet mcp` as Claude Code and Roo start it; its stderr is kept for failure messages. */
export async function stdioClient (api: string, extraArgs: string[] = []): Promise<{ client: Client, stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp', '--api', api, ...extraArgs], stderr: 'pipe', env: { PATH: process.env.PATH ?? '' } })
  let err = ''
  transport.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  const client = new Client({ name: 'gpufleet-test', version: '1.0.0' })
  await client.connect(transport)
  return { client, stderr: () => err }
}

/** The SDK's client over Streamable HTTP, at an agent's /mcp. */
export async function httpClient (api: string, token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', api), token === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } })
  const client = new Client({ name: 'gpufleet-test', version: '1.0.0' })
  await client.connect(transport)
  return client
}

/** Each tool's outputSchema compiled by ajv, independently of the SDK's own check. */
export async function outputValidators (client: Client): Promise<Map<string, (value: unknown) => string | null>> {
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  const { tools } = await client.listTools()
  const out = new Map<string, (value: unknown) => string | null>()
  for (const tool of tools) {
    if (tool.outputSchema === undefined) throw new Error(`${tool.name} has no outputSchema`)
    const { $schema: _ignored, ...schema } = tool.outputSchema as Record<string, unknown>
    const validate = ajv.compile(schema)
    out.set(tool.name, value => validate(value) ? null : ajv.errorsText(validate.errors))
  }
  return out
}
