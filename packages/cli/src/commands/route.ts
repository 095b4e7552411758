import type { Command } from 'commander'
import { InvalidInputError, routeDocumentSchema, type RouteDocument } from '@gpufleet/core'
import { renderTable } from '../format/table.js'
import type { CliIo } from '../io.js'
import { AgentUnreachableError, callAgent, remote, type RemoteOpts } from './remote.js'

/** `gpufleet route --role ROLE`: the chain of targets the agent would try now, and why each is in or out. */
export function registerRoute (program: Command, io: CliIo): void {
  remote(program.command('route').description('the targets a running agent would try for a role, in order, and why each is in or out'))
    .requiredOption('--role <role>', 'a role (chat, code…), a catalog model, or a client\'s model name (claude-sonnet-…)')
    .option('--profile <name>', 'routing profile (default: the agent\'s routing.profile)')
    .option('--json', 'print the gpufleet.route/v1 document')
    .action(async (opts: RemoteOpts & { role: string, profile?: string }) => {
      const profile = opts.profile === undefined ? '' : `&profile=${encodeURIComponent(opts.profile)}`
      const answer = await callAgent(opts.api, `/api/route?role=${encodeURIComponent(opts.role)}${profile}`, opts.token).catch((err: unknown) => {
        // The agent's 404 names the role or profile it does not know: bad input (exit 2), not a failure.
        if (err instanceof Error && err.name === AgentUnreachableError.NAME && (err as AgentUnreachableError).status === 404) throw new InvalidInputError(`--role/--profile: ${err.message.replace(/^\S+: /, '')}`)
        throw err
      })
      const doc = routeDocumentSchema.parse(answer)
      io.out(opts.json === true ? JSON.stringify(doc, null, 2) : renderRoute(doc))
    })
}

function renderRoute (doc: RouteDocument): string {
  const first = doc.targets.find(t => t.usable)
  return [
    `${doc.host}: ${doc.role} (profile ${doc.profile}) → ${first?.label ?? 'nothing usable'}`,
    '',
    renderTable(['#', 'target', 'kind', 'usable', 'why not'], doc.targets.map((t, i) => [String(i + 1), t.label, t.kind, t.usable ? 'yes' : 'no', t.reason ?? '']))
  ].join('\n')
}
