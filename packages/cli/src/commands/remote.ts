import type { Command } from 'commander'
import { formatBytes, InvalidInputError, inventorySchema, statusSchema, type StatusDocument } from '@gpufleet/core'
import { renderTable } from '../format/table.js'
import type { CliIo } from '../io.js'

/** A running agent could not be reached or answered with an error. */
export class AgentUnreachableError extends Error {
  static readonly NAME = 'AgentUnreachableError'
  override name = AgentUnreachableError.NAME
  /** The agent's HTTP status when it answered (a 404 can mean the asked-for name does not exist). */
  status: number | null = null
}

/**
 * One request to a running agent. GETs are bounded (5 s); POSTs are not (measuring models takes a
 * while per model). The agent's JSON error message, when it sends one, becomes the CLI's one line.
 */
export async function callAgent (base: string, path: string, token: string | undefined, method: 'GET' | 'POST' = 'GET'): Promise<unknown> {
  let url: URL
  try { url = new URL(path, base) } catch { throw new InvalidInputError(`--api: "${base}" is not a URL`) }
  let res: Response
  try {
    res = await fetch(url, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, ...(method === 'GET' ? { signal: AbortSignal.timeout(5000) } : {}) })
  } catch (err) {
    throw new AgentUnreachableError(`no agent at ${base} (${networkReason(err)})`)
  }
  if (res.status === 401) throw new AgentUnreachableError(`${url.toString()}: 401 — set GPUFLEET_TOKEN or --token to the api.token of that node`)
  if (!res.ok) {
    const body = await res.json().catch(() => null) as { error?: unknown } | null
    throw Object.assign(new AgentUnreachableError(`${url.toString()}: ${typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`}`), { status: res.status })
  }
  return await res.json()
}

/** fetch hides the socket error in `cause`, sometimes inside an AggregateError (one per address tried). */
function networkReason (err: unknown): string {
  const cause = (err as { cause?: { code?: string, errors?: Array<{ code?: string }>, message?: string } }).cause
  return cause?.code ?? cause?.errors?.find(e => e.code !== undefined)?.code ?? cause?.message ?? (err as Error).message
}

export interface RemoteOpts { api: string, token?: string, json?: boolean }

/** The flags every command talking to a running agent takes. */
export function remote (command: Command): Command {
  return command
    .option('--api <url>', 'agent API', 'http://127.0.0.1:7700')
    .option('--token <token>', 'bearer token (default: GPUFLEET_TOKEN)', process.env.GPUFLEET_TOKEN)
}

export function registerRemote (program: Command, io: CliIo): void {
  remote(program.command('status').description('ask a running agent for the fleet: leader, term, hosts, plan'))
    .option('--json', 'print the gpufleet.status/v1 document')
    .action(async (opts: RemoteOpts) => {
      const status = statusSchema.parse(await callAgent(opts.api, '/api/status', opts.token))
      io.out(opts.json === true ? JSON.stringify(status, null, 2) : renderStatus(status))
    })
  remote(program.command('bench-models').description('measure the decode and prompt speed of this host\'s models through Ollama; gossiped into the inventory'))
    .option('--json', 'print the measurements as JSON')
    .action(async (opts: RemoteOpts) => {
      const out = await callAgent(opts.api, '/api/bench-models', opts.token, 'POST') as { host: string, results: Array<{ model: string, decodeTokensPerSecond: number, promptTokensPerSecond: number | null }> }
      io.out(opts.json === true
        ? JSON.stringify(out, null, 2)
        : renderTable(['model', 'decode tok/s', 'prompt tok/s'], out.results.map(r => [r.model, r.decodeTokensPerSecond.toFixed(1), r.promptTokensPerSecond === null ? '-' : r.promptTokensPerSecond.toFixed(1)])))
    })
  remote(program.command('inventory').description('print the inventory file of the running cluster'))
    .option('--json', 'print gpufleet.inventory/v1 (the only format)')
    .action(async (opts: RemoteOpts) => {
      io.out(JSON.stringify(inventorySchema.parse(await callAgent(opts.api, '/api/inventory', opts.token)), null, 2))
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
  const placements = s.hosts.flatMap(h => (h.placement ?? []).map(p => ({ host: h.hostname, ...p })))
  if (placements.length > 0) {
    lines.push('', 'models on hosts:')
    for (const p of placements) lines.push(`  ${p.host} ${p.model}: ${placementLine(p)}`)
  }
  lines.push('', s.alerts.length === 0 ? 'alerts: none' : `alerts (${s.alerts.length}):`)
  for (const a of s.alerts) lines.push(`  ${a.severity.padEnd(8)} ${a.message}`)
  return lines.join('\n')
}

/** `pulling [########------------] 41% 1.9/4.7 GiB 38.2 MiB/s`, `ready`, `failed (attempt 2): reason`. */
export function placementLine (p: NonNullable<StatusDocument['hosts'][number]['placement']>[number]): string {
  if (p.state === 'pulling' && p.totalBytes != null && p.totalBytes > 0) {
    const done = Math.min(1, (p.completedBytes ?? 0) / p.totalBytes)
    const width = 20
    const bar = '#'.repeat(Math.round(done * width)).padEnd(width, '-')
    const rate = p.bytesPerSecond == null ? '' : ` ${formatBytes(p.bytesPerSecond)}/s`
    return `pulling [${bar}] ${Math.floor(done * 100)}% ${formatBytes(p.completedBytes ?? 0)}/${formatBytes(p.totalBytes)}${rate}`
  }
  if (p.state === 'failed') return `failed (attempt ${p.attempts}): ${p.error ?? 'unknown error'}`
  return p.state
}
