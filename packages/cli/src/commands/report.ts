import type { Command } from 'commander'
import { computePlan, InvalidInputError, renderReport, reportPrices } from '@gpufleet/core'
import { loadConfigFiles } from '../inputs/config.js'
import { readInventoryFile } from '../inputs/inventory.js'
import { readUsageFile } from '../inputs/usage.js'
import type { CliIo } from '../io.js'
import { collect } from '../options.js'

/**
 * `gpufleet report`: the document from files alone, deterministic for the same input. The costs
 * section needs the ledger's figures, which live in the agents: `--usage` takes them as a file.
 */
export function registerReport (program: Command, io: CliIo): void {
  program.command('report')
    .description('write the GPU spec document (markdown, French or English) from an inventory and the plan')
    .requiredOption('--inventory <file>', 'gpufleet.inventory/v1 JSON')
    .option('--config <file>', 'cluster config (catalog, policy, report.hosts); repeat to layer files', collect, [])
    .option('--lang <lang>', 'fr or en (default: report.lang of the config, fr)')
    .option('--usage <file>', 'gpufleet.usage/v1 JSON by provider (gpufleet usage --by provider --json): adds the "Costs and savings" section, with the config\'s prices')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts: { inventory: string, config: string[], lang?: string, usage?: string, out?: string }) => {
      if (opts.lang !== undefined && opts.lang !== 'fr' && opts.lang !== 'en') throw new InvalidInputError(`--lang: expected fr or en, got "${opts.lang}"`)
      const inventory = readInventoryFile(opts.inventory)
      const config = loadConfigFiles(opts.config)
      const usage = opts.usage === undefined ? undefined : readUsageFile(opts.usage)
      const plan = computePlan({ hosts: inventory.hosts, config })
      const costs = usage === undefined ? undefined : { usage, prices: reportPrices(config) }
      const markdown = renderReport({ hosts: inventory.hosts, plan, config, lang: (opts.lang as 'fr' | 'en' | undefined) ?? config.report.lang, costs })
      if (opts.out === undefined) io.out(markdown)
      else await io.writeFile(opts.out, markdown)
    })
}
