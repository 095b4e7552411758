import type { Command } from 'commander'
import { InvalidInputError, statusSchema } from '@gpufleet/core'
import type { CliIo } from '../io.js'
import { callAgent, remote } from './remote.js'

interface ForgetOpts { api: string, token?: string, json?: boolean }

/**
 * `gpufleet forget HOST`: the leader publishes a signed tombstone and every node drops the host
 * from its inventory, its disk and what it syncs; the host's alerts clear. A host that comes back
 * later simply rejoins. The agent at --api must be the leader (it says which node is otherwise).
 */
export function registerForget (program: Command, io: CliIo): void {
  remote(program.command('forget').description('drop a decommissioned host from every node\'s inventory (asks the leader)'))
    .argument('<host>', 'the host name, as `gpufleet status` lists it')
    .option('--json', 'print the answer as JSON')
    .action(async (host: string, opts: ForgetOpts) => {
      const status = statusSchema.parse(await callAgent(opts.api, '/api/status', opts.token))
      const known = status.hosts.map(h => h.hostname)
      if (!known.includes(host)) throw new InvalidInputError(`HOST: no host "${host}" in the fleet (known: ${known.sort().join(', ') || 'none'})`)
      const out = await callAgent(opts.api, '/api/forget', opts.token, 'POST', { host }) as { forgotten: string, term: number, upTo: number }
      io.out(opts.json === true ? JSON.stringify(out, null, 2) : `forgot ${out.forgotten}: the leader's tombstone (term ${out.term}) drops it on every node; if it comes back, it rejoins`)
    })
}
