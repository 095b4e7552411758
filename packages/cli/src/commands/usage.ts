import type { Command } from 'commander'
import { InvalidInputError, parseDuration, usageDocumentSchema, type UsageDocumentJson } from '@gpufleet/core'
import { renderTable } from '../format/table.js'
import type { CliIo } from '../io.js'
import { callAgent, remote, type RemoteOpts } from './remote.js'

const GROUPINGS = ['role', 'provider', 'host']

/** `gpufleet usage`: requests, tokens (by bucket), cost and savings, for the fleet or one host. */
export function registerUsage (program: Command, io: CliIo): void {
  remote(program.command('usage').description('requests, tokens, cost and savings through the gateways of the fleet (or one host)'))
    .option('--since <when>', 'a duration back from now (7d, 12h) or an ISO date', '7d')
    .option('--by <grouping>', 'rows by role, provider or host', 'provider')
    .option('--host <name>', 'only this host\'s figures')
    .option('--json', 'print the gpufleet.usage/v1 document')
    .action(async (opts: RemoteOpts & { since: string, by: string, host?: string }) => {
      if (!GROUPINGS.includes(opts.by)) throw new InvalidInputError(`--by: expected role, provider or host, got "${opts.by}"`)
      let durationOk = true
      try { parseDuration(opts.since) } catch { durationOk = false }
      if (!durationOk && !(/^\d{4}-\d{2}-\d{2}/.test(opts.since) && Number.isFinite(Date.parse(opts.since)))) throw new InvalidInputError(`--since: expected a duration (7d, 12h) or an ISO date, got "${opts.since}"`)
      const query = new URLSearchParams({ since: opts.since, by: opts.by, ...(opts.host === undefined ? {} : { host: opts.host }) })
      const doc = usageDocumentSchema.parse(await callAgent(opts.api, `/api/usage?${query.toString()}`, opts.token))
      io.out(opts.json === true ? JSON.stringify(doc, null, 2) : renderUsage(doc))
    })
}

const usd = (v: number): string => `$${v.toFixed(2)}`
const n = (v: number): string => v.toLocaleString('en-US')

function renderUsage (doc: UsageDocumentJson): string {
  const t = doc.totals
  const dates = t.priceDates.length === 0 ? '' : ` (prices of ${t.priceDates.join(', ')})`
  const lines = [
    `${doc.host ?? 'fleet'}: ${doc.since.slice(0, 16)}Z → ${doc.until.slice(0, 16)}Z`,
    `${n(t.requests)} requests, cost ${usd(t.costUsd)}, saved ${usd(t.savingsUsd)}${dates} — local electricity not counted`,
    '',
    renderTable([doc.by, 'requests', 'errors', 'uncached', 'cache read', 'cache write', 'output', 'cost', 'saved'], doc.rows.map(r => [
      r.key, n(r.requests), n(r.errors), n(r.tokens.uncached), n(r.tokens.cacheRead), n(r.tokens.cacheWrite), n(r.tokens.output), usd(r.costUsd), usd(r.savingsUsd)
    ]))
  ]
  const quotas = doc.quotas ?? []
  if (quotas.length > 0) {
    lines.push('', renderTable(['host', 'provider', 'limit', 'used', 'of', 'use'], quotas.map(q => [q.host, q.provider, q.limit, String(Math.round(q.used * 100) / 100), String(q.max), `${Math.round(q.ratio * 100)} %`])))
  }
  return lines.join('\n')
}
