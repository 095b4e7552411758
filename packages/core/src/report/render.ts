import type { FleetConfig } from '../config/schema.js'
import { modelRequirement } from '../estimate/requirement.js'
import type { HostReport } from '../schemas/host-report.js'
import type { Plan, RouteTarget } from '../schemas/plan.js'
import { formatBytes, formatNumber, type Lang } from '../units/size.js'
import { ollamaTag } from '../ollama-tag.js'
import { byName } from '../order.js'
import { TEXT, anchor, type Text } from './i18n.js'
import { costsSection, type ReportCosts } from './costs-section.js'
import { renderReason } from './text.js'

export interface ReportInput {
  hosts: readonly HostReport[]
  plan: Plan
  config: Pick<FleetConfig, 'models' | 'policy' | 'cluster' | 'report'>
  lang: Lang
  /** The fleet's usage and prices: adds the "Costs and savings" section (the agent's /api/report.md). */
  costs?: ReportCosts
}

const GiB = 1024 ** 3

/**
 * The GPU spec document the team used to fill in by hand (seed 002's structure), filled from
 * the inventory and the plan. Deterministic: the only dates are the inventory's own.
 */
export function renderReport (input: ReportInput): string {
  const t = TEXT[input.lang]
  const ctx = new Context(input, t)
  const sections = [
    header(ctx), toc(ctx), overview(ctx), perMachine(ctx), capacity(ctx), recommendations(ctx), exclusions(ctx), ...(input.costs === undefined ? [] : [costsSection(input.costs, input.lang)]), footer(ctx)
  ]
  return `${sections.join('\n\n---\n\n')}\n`
}

class Context {
  readonly hosts: HostReport[]
  readonly expected: string[]
  readonly newest: string | null
  constructor (readonly input: ReportInput, readonly t: Text) {
    this.hosts = [...input.hosts].sort((a, b) => byName(a.hostname, b.hostname))
    const names = new Set([...input.config.report.hosts, ...this.hosts.map(h => h.hostname)])
    this.expected = [...names].sort(byName)
    this.newest = this.hosts.flatMap(h => [h.collectedAt, h.lastSeen]).filter((x): x is string => x !== undefined).sort().at(-1) ?? null
  }

  get lang (): Lang { return this.input.lang }
  bytes (n: number): string { return formatBytes(n, { lang: this.lang }) }
  decimal (n: number): string { return formatBytes(n, { lang: this.lang, system: 'decimal', digits: 0 }) }
  num (n: number, digits = 1): string { return formatNumber(n, this.lang, digits) }
  host (name: string): HostReport | undefined { return this.hosts.find(h => h.hostname === name) }
  capacityOf (host: string): NonNullable<Plan['capacity']> { return (this.input.plan.capacity ?? []).filter(c => c.host === host) }
  /** The largest capacity (free for models) of an eligible GPU of the host, with that GPU. */
  bestSlot (host: string): { gpu: number, capacityBytes: number, totalBytes: number } | undefined {
    return this.capacityOf(host).filter(c => c.eligible).sort((a, b) => b.capacityBytes - a.capacityBytes || a.gpu - b.gpu)
      .map(c => ({ gpu: c.gpu, capacityBytes: c.capacityBytes, totalBytes: c.totalBytes ?? 0 }))[0]
  }

  usesLocal (host: string): boolean { return this.input.plan.routes.some(r => r.host === host && r.target.kind === 'local') }
  roleLabel (host: HostReport): string { return host.role === 'coordinator' ? this.t.coordinator : this.t.worker }
}

function header (c: Context): string {
  const documented = c.expected.filter(n => c.host(n) !== undefined).length
  const done = documented === c.expected.length
  return [
    c.t.title(c.input.config.cluster.name),
    '',
    `**${c.t.planTerm}:** ${c.input.plan.term}`,
    `**${c.t.date}:** ${c.newest?.slice(0, 10) ?? '-'}`,
    `**${c.t.author}:** ${c.t.authorValue}`,
    `**${c.t.status}:** ${done ? c.t.statusDone : c.t.statusPartial}`
  ].join('\n').replace(/:\*\*/g, c.lang === 'fr' ? ' :**' : ':**')
}

function toc (c: Context): string {
  const titles = [c.t.overview, c.t.perMachine, c.t.capacity, c.t.recommendations, c.t.exclusions]
  return [`## ${c.t.toc}`, '', ...titles.map((title, i) => `${i + 1}. [${title}](#${anchor(title)})`)].join('\n')
}

function overview (c: Context): string {
  const lines = [`## ${c.t.overview}`, '', `### ${c.t.objective}`, '', c.t.objectiveText(c.expected.length, c.input.config.cluster.name), '', `### ${c.t.context}`, '',
    c.t.system(c.input.config.cluster.name, c.expected.length)]
  for (const name of c.expected) {
    const h = c.host(name)
    if (h === undefined) { lines.push(`- ${name} (${c.t.pending})`); continue }
    const tags = [c.roleLabel(h), h.online === false ? c.t.offline : c.t.online, ...(h.simulated ? [c.t.simulated] : [])]
    lines.push(`- ${name} (${tags.join(', ')})`)
  }
  lines.push('', c.t.need, '', table(c.t.summaryHeader, c.expected.map(name => {
    const h = c.host(name)
    if (h === undefined) return [name, '-', '-', '-', c.t.pending]
    const best = c.bestSlot(name)
    const gpus = h.gpus.length === 0 ? c.t.none : h.gpus.map(g => g.model).join(' + ')
    return [name, c.roleLabel(h), gpus, best === undefined ? '-' : c.bytes(best.capacityBytes), c.usesLocal(name) ? c.t.useLocal : c.t.useApi]
  })))
  return lines.join('\n')
}

function perMachine (c: Context): string {
  const parts = [`## ${c.t.perMachine}`]
  for (const name of c.expected) {
    const h = c.host(name)
    if (h === undefined) {
      parts.push([`### ${name}`, '', `**${c.t.gpu}** :`, c.t.waiting].join('\n').replace(/\*\* :/g, c.lang === 'fr' ? '** :' : '**:'))
      continue
    }
    parts.push(machine(c, h))
  }
  return parts.join('\n\n')
}

function label (c: Context, text: string): string {
  return c.lang === 'fr' ? `**${text}** :` : `**${text}**:`
}

function machine (c: Context, h: HostReport): string {
  const t = c.t
  const excluded = new Map(c.input.plan.excluded.filter(e => e.host === h.hostname).map(e => [e.gpu, e.detail === undefined ? e.reason : renderReason(e.detail, c.lang)]))
  const lines = [`### ${h.hostname} (${c.roleLabel(h)}${h.online === false ? `, ${t.offline}` : ''})`, '', label(c, t.gpu)]
  if (h.gpus.length === 0) lines.push(t.noGpu)
  for (const g of h.gpus) lines.push(sep(c, `- ${t.gpuN(g.index)} : ${g.model}${excluded.has(g.index) ? ` — ${t.excluded} : ${excluded.get(g.index)}` : ''}`))
  if (h.gpus.length > 0) {
    lines.push('', label(c, t.vram))
    for (const g of h.gpus) {
      const size = g.vramBytes === null ? '-' : `${c.bytes(g.vramBytes)} (${c.decimal(g.vramBytes)})`
      const used = g.vramUsedBytes == null ? '' : ` ; ${t.used} : ${c.bytes(g.vramUsedBytes)}`
      lines.push(sep(c, `- ${t.gpuN(g.index)} : ${size} — ${t.source} : ${t.vramSource[g.vramSource] ?? g.vramSource}${used}${g.vramCapped === true ? ` — ${t.capped}` : ''}`))
    }
    const drivers = [...new Set(h.gpus.map(g => g.driverVersion).filter((d): d is string => d != null))]
    lines.push('', label(c, t.drivers), drivers.length === 0 ? '-' : `Version ${drivers.join(', ')}`)
    const uuids = h.gpus.filter(g => g.uuid != null)
    if (uuids.length > 0) lines.push('', label(c, t.uuid), ...uuids.map(g => sep(c, `- ${t.gpuN(g.index)} : ${g.uuid}`)))
    const ccs = h.gpus.filter(g => g.computeCapability != null)
    if (ccs.length > 0) lines.push('', label(c, t.cc), ...ccs.map(g => sep(c, `- ${t.gpuN(g.index)} : ${g.computeCapability}`)))
  }
  const main = h.displays.find(d => d.main) ?? h.displays[0]
  lines.push('', label(c, t.resolution), main === undefined || main.resolutionX === null ? '-' : `${main.resolutionX} x ${main.resolutionY}`)
  lines.push('', label(c, t.systemLabel), `${h.os.distro} ${h.os.release} (${h.os.platform}/${h.os.arch}) — ${h.cpu.brand}, ${h.cpu.cores}/${h.cpu.threads} — ${c.bytes(h.memory.totalBytes)} RAM`)
  lines.push('', label(c, t.ollama), h.ollama.reachable ? t.ollamaReachable(h.ollama.version ?? '?', h.ollama.models.length) : t.ollamaDown)
  for (const m of h.ollama.models) lines.push(`- ${m.name} (${c.bytes(m.sizeBytes)}${m.quantization == null ? '' : `, ${m.quantization}`})`)
  lines.push('', label(c, t.localCapacity))
  const best = c.bestSlot(h.hostname)
  lines.push(best === undefined || best.capacityBytes === 0 ? `⚠️ ${t.noUsableGpu}` : `✅ ${t.freeOn(c.bytes(best.capacityBytes), t.gpuN(best.gpu))}`)
  for (const m of c.input.config.models) {
    const fit = modelFit(c, m, best?.capacityBytes ?? 0)
    lines.push(sep(c, t.modelVerdict(fit.mark, m.name, c.bytes(fit.min), c.bytes(fit.rec), fit.word)))
  }
  lines.push(sep(c, `- ${t.recommendedUse} : ${c.usesLocal(h.hostname) ? t.useLocal : t.useApi}`))
  const assigned = c.input.plan.assignments.filter(a => a.host === h.hostname)
  if (assigned.length > 0) {
    lines.push('', label(c, t.assigned))
    for (const a of assigned) {
      const measured = measuredSpeed(c, a.host, a.model)
      lines.push(t.assignedLine(a.model, a.gpus.map(t.gpuN).join(' + '), c.bytes(a.vramBytes), (a.decodeTokensPerSecond == null ? '' : t.tps(c.num(a.decodeTokensPerSecond, 0))) + (measured === undefined ? '' : t.measuredTps(c.num(measured, 0)))))
    }
  }
  return lines.join('\n')
}

/** Decode speed `gpufleet bench-models` measured for this model on this host, if any. */
function measuredSpeed (c: Context, host: string, model: string): number | undefined {
  return c.hosts.find(h => h.hostname === host)?.measured?.find(m => ollamaTag(m.model) === ollamaTag(model))?.decodeTokensPerSecond
}

/** In French a colon takes a space before it; in English it does not. */
function sep (c: Context, line: string): string {
  return c.lang === 'fr' ? line : line.replace(/ :(\*\*)? /g, ':$1 ').replace(/ ; /g, '; ')
}

function modelFit (c: Context, m: FleetConfig['models'][number], capacityBytes: number): { mark: string, word: string, min: number, rec: number } {
  const min = modelRequirement(m, 'min').bytes
  const rec = modelRequirement(m, 'recommended').bytes
  if (capacityBytes >= rec) return { mark: '✅', word: c.t.fitsRec, min, rec }
  if (capacityBytes >= min) return { mark: '⚠️', word: c.t.fitsMin, min, rec }
  return { mark: '❌', word: c.t.fitsNot, min, rec }
}

function capacity (c: Context): string {
  const t = c.t
  const models = c.input.config.models
  const lines = [`## ${t.capacity}`, '', `### ${t.criteria}`, '', table(t.modelTableHeader, models.map(m => [
    `**${m.name}**`, `${c.num(m.params / 1e9)} B`, m.quantization, c.bytes(modelRequirement(m, 'min').bytes), c.bytes(modelRequirement(m, 'recommended').bytes), m.roles.join(', '), c.num(m.quality)
  ]))]
  const online = c.hosts.filter(h => h.online !== false)
  lines.push('', `### ${t.matrix}`, '', t.matrixLegend, '', table([t.modelTableHeader[0]!, ...online.map(h => h.hostname)], models.map(m => [
    m.name, ...online.map(h => { const best = c.bestSlot(h.hostname); return best === undefined || best.capacityBytes === 0 ? '⛔' : modelFit(c, m, best.capacityBytes).mark })
  ])))
  lines.push('', `### ${t.distribution}`, '')
  const assignments = c.input.plan.assignments
  lines.push(assignments.length === 0 ? t.noAssignment : table(t.distributionHeader, assignments.map(a => [
    a.host, a.gpus.map(t.gpuN).join(' + '), a.model, c.bytes(a.vramBytes), a.decodeTokensPerSecond == null ? '-' : `~${c.num(a.decodeTokensPerSecond, 0)} ${t.tokensPerSecond}`,
    ((m: number | undefined) => (m === undefined ? '-' : `${c.num(m, 0)} ${t.tokensPerSecond}`))(measuredSpeed(c, a.host, a.model))
  ])))
  lines.push('', `### ${t.routing}`, '', table(t.routingHeader, c.input.plan.routes.map(r => [r.host, r.role, target(c, r.target)])))
  return lines.join('\n')
}

function target (c: Context, tg: RouteTarget): string {
  switch (tg.kind) {
    case 'local': return `${c.t.local} — ${tg.model}`
    case 'peer': return `${c.t.peer} ${tg.host} — ${tg.model}`
    case 'cloud': return `${c.t.cloud} ${tg.provider} — ${tg.model}`
    case 'none': return c.t.unavailable
  }
}

function recommendations (c: Context): string {
  const t = c.t
  const groups: [string, string[], string[]][] = [[t.scenario1, [], t.scenario1Text], [t.scenario2, [], t.scenario2Text], [t.scenario3, [], t.scenario3Text]]
  for (const h of c.hosts.filter(x => x.online !== false)) {
    const total = c.capacityOf(h.hostname).filter(x => x.eligible && x.capacityBytes > 0).reduce((max, x) => Math.max(max, x.totalBytes ?? 0), 0)
    // Cards sold as "8 GB" report a little under 8 GiB (an RX 6600: 7.98 GiB): 5 % of slack.
    groups[total >= 0.95 * 16 * GiB ? 0 : total >= 0.95 * 8 * GiB ? 1 : 2]![1].push(h.hostname)
  }
  const lines = [`## ${t.recommendations}`]
  for (const [title, hosts, advice] of groups) {
    lines.push('', `### ${title}`, '', sep(c, `**${t.machines}** : ${hosts.length === 0 ? t.noMachine : hosts.join(', ')}`), '', ...advice.map(a => `- ${a}`))
  }
  return lines.join('\n')
}

function exclusions (c: Context): string {
  const t = c.t
  const plan = c.input.plan
  const lines = [`## ${t.exclusions}`, '', `### ${t.excludedGpus}`, '']
  if (plan.excluded.length === 0) lines.push(t.nothingExcluded)
  for (const e of plan.excluded) {
    const model = c.host(e.host)?.gpus.find(g => g.index === e.gpu)?.model ?? ''
    lines.push(sep(c, `- ${e.host} ${t.gpuN(e.gpu)} (${model}) : ${e.detail === undefined ? e.reason : renderReason(e.detail, c.lang)}`))
  }
  lines.push('', `### ${t.unplacedModels}`, '')
  if (plan.unplaced.length === 0) lines.push(t.allPlaced)
  for (const u of plan.unplaced) lines.push(sep(c, `- ${u.model} : ${unplacedReason(c, u)}`))
  return lines.join('\n')
}

function unplacedReason (c: Context, u: Plan['unplaced'][number]): string {
  return u.detail === undefined ? u.reason : renderReason(u.detail, c.lang)
}

function footer (c: Context): string {
  const documented = c.expected.filter(n => c.host(n) !== undefined)
  const simulated = documented.filter(n => c.host(n)?.simulated === true).length
  return [
    sep(c, `**${c.t.lastUpdate} :** ${c.newest === null ? '-' : c.newest.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}`),
    sep(c, `**${c.t.collection} :** ${c.t.documented(documented.length, c.expected.length, simulated)}`)
  ].join('\n')
}

function table (header: readonly string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|')
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map(r => `| ${r.map(esc).join(' | ')} |`)].join('\n')
}
