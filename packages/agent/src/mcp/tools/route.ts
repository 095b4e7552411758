import { z } from 'zod'
import { routeDocumentSchema } from '@gpufleet/core'
import { fleetTool } from './tool.js'

export const routeTool = fleetTool({
  name: 'route',
  title: 'Route of a role',
  description: 'The chain of targets the answering agent\'s gateway would try now for a role (chat, code…) or a catalog model, in order, and why each target is in or out (no key, over quota, offline…) — gpufleet.route/v1, as `gpufleet route --json`.',
  input: z.object({
    role: z.string().min(1).max(200).describe('a role of the catalog (chat, code…) or a catalog model name'),
    profile: z.string().min(1).max(100).optional().describe('a routing profile (default, local-only, free-first, premium, or one of the config); the active one when absent')
  }),
  output: routeDocumentSchema,
  run: async (source, args) => {
    const route = await source.route(args.role, args.profile)
    const lines = [
      `${route.role} from ${route.host} (profile ${route.profile}):`,
      ...route.targets.map((t, i) => `${i + 1}. ${t.label} (${t.kind}): ${t.usable ? 'in' : 'out'}${t.reason === null ? '' : ` — ${t.reason}`}`)
    ]
    return { structured: route, text: lines.join('\n') }
  }
})
