import { z } from 'zod'
import { formatBytes, planSchema } from '@gpufleet/core'
import { FleetSourceError } from '../errors.js'
import { fleetTool } from './tool.js'

export const planTool = fleetTool({
  name: 'plan',
  title: 'The plan in force',
  description: 'The leader\'s plan in force (gpufleet.plan/v1, as GET /api/plan): which model runs on which GPU of which host, the route of every role on every host (local, peer or cloud), excluded GPUs and models left unplaced, each with its reason.',
  input: z.object({}),
  output: planSchema,
  run: async source => {
    const plan = await source.plan()
    if (plan === null) throw new FleetSourceError('no plan yet: the fleet has no leader, or its leader has not planned (see fleet_status)')
    const lines = [
      `plan of term ${plan.term} (${plan.generatedAt}): ${plan.assignments.length} assignment(s), ${plan.unplaced.length} unplaced, ${plan.excluded.length} excluded GPU(s)`,
      ...plan.assignments.map(a => `- ${a.host} GPU ${a.gpus.join('+')}: ${a.model} (${formatBytes(a.vramBytes)}${a.decodeTokensPerSecond == null ? '' : `, ~${a.decodeTokensPerSecond} tokens/s`})`),
      ...plan.excluded.map(e => `- excluded ${e.host} GPU ${e.gpu}: ${e.reason}`),
      ...plan.unplaced.map(u => `- unplaced ${u.model}: ${u.reason}`)
    ]
    return { structured: plan, text: lines.join('\n') }
  }
})
