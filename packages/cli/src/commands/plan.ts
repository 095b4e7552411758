import type { Command } from 'commander'
import { InvalidInputError, computePlan } from '@gpufleet/core'
import { renderPlan } from '../format/plan.js'
import { loadConfigFiles } from '../inputs/config.js'
import { readInventoryFile } from '../inputs/inventory.js'
import type { CliIo } from '../io.js'
import { collect } from '../options.js'


export function registerPlan (program: Command, io: CliIo): void {
  program.command('plan')
    .description('decide which catalog model runs on which host and GPU, and where every host sends each role')
    .requiredOption('--inventory <file>', 'gpufleet.inventory/v1 JSON (as `gpufleet inventory --json` prints it)')
    .option('--config <file>', 'cluster config with catalog and policy; repeat to layer files (default: the shipped catalog)', collect, [])
    .option('--json', 'print the gpufleet.plan/v1 document')
    .option('--lang <lang>', 'fr or en: the language of the text output (default en)')
    .action((opts: { inventory: string, config: string[], json?: boolean, lang?: string }) => {
      if (opts.lang !== undefined && opts.lang !== 'fr' && opts.lang !== 'en') throw new InvalidInputError(`--lang: expected fr or en, got "${opts.lang}"`)
      const inventory = readInventoryFile(opts.inventory)
      const config = loadConfigFiles(opts.config)
      const plan = computePlan({ hosts: inventory.hosts, config })
      io.out(opts.json === true ? JSON.stringify(plan, null, 2) : renderPlan(plan, opts.lang === 'fr' ? 'fr' : 'en'))
    })
}
