import type { Command } from 'commander'
import { formatBytes, InvalidInputError, inventorySchema, statusSchema, type StatusDocument } from '@gpufleet/core'
import { renderTable } from '../format/table.js'
import type { CliIo } from '../io.js'

/** A running agent could not be reached or answered with an error. */
export class AgentUnreachableError extends Error {
  static readonly NAME = 'AgentUnreachableError'
  override name = AgentUnreachableError.NAME
}

async function getJson (base: string, path: string, token: string | undefined): Promise<unknown> {
  let url: URL
  try { url = new URL(path, base) } catch { throw new InvalidInputError(`--api: "${base}" is not a URL`) }
  let res: Response
  try {
    res = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) })
  } catch (err) {
    throw new AgentUnreachableError(`no agent at ${base} (${networkReason(err)})`)
  }
  if (res.status === 401) throw new AgentUnreachableError(`${url.toString()}: 401 — set GPUFLEET_TOKEN or --token to the api.token of that node`)
  if (!res.ok) throw new AgentUnreachableError(`${url.toString()}: HTTP ${res.status}`)
  return await res.json()
}

/** fetch hides the socket error in `cause`, sometimes inside an AggregateError (one per address tried). */
function networkReason (err: unknown): string {
  const cause = (err as { cause?: { code?: string, errors?: Array<{ code?: string }>, message?: string } }).cause
  return cause?.code ?? cause?.errors?.find(e => e.code !== undefined)?.code ?? cause?.message ?? (err as Error).message
}

interface RemoteOpts { api: string, token?: string, json?: boolean }

/** The flags every command talking to a running agent takes. */
function remote (command: Command): Command {
  return command
    .option('--api <url>', 'agent API', 'http://127.0.0.1:7700')
    .option('--token <token>', 'bearer token (default: GPUFLEET_TOKEN)', process.env.GPUFLEET_TOKEN)
}

export function registerRemote (program: Command, io: CliIo): void {
  remote(program.command('status').description('ask a running agent for the fleet: leader, term, hosts, plan'))
    .option('--json', 'print the gpufleet.status/v1 document')
    .action(async (opts: RemoteOpts) => {
      const status = statusSchema.parse(await getJson(opts.api, '/api/status', opts.token))
      io.out(opts.json === true ? JSON.stringify(status, null, 2) : renderStatus(status))
    })
  remote(program.command('inventory').description('print the inventory file of the running cluster'))
    .option('--json', 'print gpufleet.inventory/v1 (the only format)')
    .action(async (opts: RemoteOpts) => {
      io.out(JSON.stringify(inventorySchema.parse(await getJson(opts.api, '/api/inventory', opts.token)), null, 2))
    })
}

function renderStatus (s: StatusDocument): string {
  const lines = [
    `${s.self.hostname} (${s.self.role}${s.self.isLeader ? ', leader' : ''}) in cluster ${s.cluster}`,
    `leader  ${s.leader ?? 'none'} (term ${s.term})`,
    `peers   ${s.peers.connected} connected; gossip ${s.gossip.received} in, ${s.gossip.rejected} rejected`,
    '',
    renderTable(['host', 'role', 'online', 'GPUs', 'last seen'], s.hosts.map(h => [
      h.hostname, h.role, h.online === false ? 'no' : 'yes',
      h.gpus.length === 0 ? '-' : h.gpus.map(g => `${g.model.replace(/^NVIDIA (GeForce )?/, '')} ${g.vramBytes === null ? '?' : formatBytes(g.vramBytes)}`).join(', '),
      h.lastSeen ?? '-'
    ]))
  ]
  if (s.plan !== null) {
    lines.push('', `plan (term ${s.plan.term}): ${s.plan.assignments.length} assignment(s)`)
    for (const a of s.plan.assignments) lines.push(`  ${a.host} GPU ${a.gpus.join('+')}: ${a.model}`)
  }
  lines.push('', s.alerts.length === 0 ? 'alerts: none' : `alerts (${s.alerts.length}):`)
  for (const a of s.alerts) lines.push(`  ${a.severity.padEnd(8)} ${a.message}`)
  return lines.join('\n')
}
