import type { Command } from 'commander'
import { computePlan, formatBytes, type Plan } from '@gpufleet/core'
import { renderTable } from '../format/table.js'
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
    .action((opts: { inventory: string, config: string[], json?: boolean }) => {
      const inventory = readInventoryFile(opts.inventory)
      const config = loadConfigFiles(opts.config)
      const plan = computePlan({ hosts: inventory.hosts, config })
      io.out(opts.json === true ? JSON.stringify(plan, null, 2) : renderPlan(plan))
    })
}

function describeTarget (t: Plan['routes'][number]['target']): string {
  switch (t.kind) {
    case 'local': return `local ${t.model}`
    case 'peer': return `peer ${t.host} ${t.model}`
    case 'cloud': return `cloud ${t.provider} ${t.model}`
    case 'none': return `none (${t.reason})`
  }
}

export function renderPlan (plan: Plan): string {
  const out = [`Plan (term ${plan.term}, ${plan.generatedAt})`, '', 'Assignments']
  out.push(plan.assignments.length === 0
    ? '  none'
    : renderTable(['host', 'GPU', 'model', 'VRAM', 'est. tokens/s'], plan.assignments.map(a => [a.host, a.gpus.join('+'), a.model, formatBytes(a.vramBytes), a.decodeTokensPerSecond == null ? '-' : String(a.decodeTokensPerSecond)])))
  out.push('', 'Routes', renderTable(['host', 'role', 'target'], plan.routes.map(r => [r.host, r.role, describeTarget(r.target)])))
  if (plan.excluded.length > 0) out.push('', 'Excluded GPUs', ...plan.excluded.map(e => `  ${e.host} GPU ${e.gpu}: ${e.reason}`))
  if (plan.unplaced.length > 0) out.push('', 'Not placed', ...plan.unplaced.map(u => `  ${u.model}: ${u.reason}`))
  return out.join('\n')
}
