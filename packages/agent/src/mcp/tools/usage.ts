import { z } from 'zod'
import { usageDocumentSchema } from '@gpufleet/core'
import { fleetTool } from './tool.js'

const usd = (n: number): string => `$${n.toFixed(2)}`

export const usageTool = fleetTool({
  name: 'usage',
  title: 'Spending and savings',
  description: 'What the fleet\'s gateways served over a period, from the cost ledger: requests, tokens (uncached, cache read, cache write, output), cost in US dollars at the dated price table, and savings (tokens served locally or by a peer, priced at the role\'s reference cloud model) — gpufleet.usage/v1, as `gpufleet usage --json`, with each host\'s quota use.',
  input: z.object({
    since: z.string().min(1).max(40).default('7d').describe('a duration back from now (7d, 12h) or an ISO date; default 7d'),
    by: z.enum(['role', 'provider', 'host']).default('provider').describe('how the rows are grouped; default provider'),
    host: z.string().min(1).max(253).optional().describe('one host\'s figures instead of the whole fleet')
  }),
  output: usageDocumentSchema,
  run: async (source, args) => {
    const usage = await source.usage({ since: args.since, by: args.by, ...(args.host === undefined ? {} : { host: args.host }) })
    const t = usage.totals
    const lines = [
      `${usage.host ?? 'the fleet'} since ${usage.since}: ${t.requests} requests (${t.errors} errors), ${t.tokens.uncached + t.tokens.cacheRead + t.tokens.cacheWrite} input and ${t.tokens.output} output tokens, cost ${usd(t.costUsd)}, saved ${usd(t.savingsUsd)}${t.priceDates.length === 0 ? '' : ` (prices of ${t.priceDates.join(', ')})`}`,
      ...usage.rows.map(r => `- ${r.key}: ${r.requests} requests, cost ${usd(r.costUsd)}, saved ${usd(r.savingsUsd)}`),
      ...(usage.quotas ?? []).map(q => `- quota ${q.host} ${q.provider} ${q.limit}: ${Math.round(q.ratio * 100)} % used`)
    ]
    return { structured: usage, text: lines.join('\n') }
  }
})
