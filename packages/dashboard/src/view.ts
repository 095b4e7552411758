import { plural, renderAlert, renderAlertGroup, renderReason } from '@gpufleet/core/text'
import type { Alert, GpuSample, HostReport, Plan } from '@gpufleet/core'
import { formatBytes, formatReading, t, type Lang } from './i18n.js'
import { chart } from './chart.js'
import { plannedBytes, vramParts, type ViewState } from './state.js'

export type Connection = 'connecting' | 'connected' | 'disconnected'
/** The window the GPU charts show. */
export type Range = '1h' | '24h'
const RANGE_MS: Record<Range, number> = { '1h': 3_600_000, '24h': 86_400_000 }

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
/** Every string from the network goes through this before it reaches innerHTML. */
export function esc (value: unknown): string {
  return String(value).replace(/[&<>"']/g, c => ESCAPES[c]!)
}

function time (lang: Lang, iso: string | number, seconds = true): string {
  return new Date(iso).toLocaleTimeString(lang === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) })
}

function reserveOf (plan: Plan | null, host: string, gpu: number): number {
  return plan?.capacity?.find(c => c.host === host && c.gpu === gpu)?.reserveBytes ?? 0
}

/** The GPU spec document in both languages, and where the leader writes it (its own node folder). */
function specDocLink (s: ViewState, lang: Lang): string {
  const path = s.status?.reportPath
  const here = s.status?.self.isLeader === true
  // Only the leader writes the file, in its own node folder: this node's full path is shown when it leads.
  const where = path === undefined ? '' : ` <small data-testid="spec-doc-path">${esc(here ? t(lang, 'specDocHere') : t(lang, 'specDocWritten'))} <code>${esc(here ? path : path.replace(/^.*[\\/]/, ''))}</code></small>`
  return `<span data-testid="spec-doc">${esc(t(lang, 'specDoc'))}: <a href="/api/report.md?lang=fr" hreflang="fr">FR</a> · <a href="/api/report.md?lang=en" hreflang="en">EN</a>${where}</span>`
}

export function header (s: ViewState, lang: Lang, conn: Connection): string {
  const self = s.status?.self
  const leaderApi = s.leader === null ? null : s.apis[s.leader] ?? null
  const leaderLink = s.leader !== null && s.leader !== self?.hostname && leaderApi !== null
    ? ` <a data-testid="leader-link" href="http://${esc(leaderApi)}/" title="${esc(t(lang, 'openLeader'))}">↗</a>`
    : ''
  // The cluster's name beside the product's, unless it is the product's name itself ("gpufleet gpufleet").
  const cluster = s.status?.cluster ?? ''
  return `
    <div class="brand" data-testid="brand">gpufleet${cluster === '' || cluster === 'gpufleet' ? '' : ` <span class="cluster">${esc(cluster)}</span>`}</div>
    <div class="meta">
      <span>${esc(t(lang, 'thisNode'))}${lang === 'fr' ? ' :' : ':'} <b data-testid="self">${esc(self?.hostname ?? '—')}</b></span>
      <span>${esc(t(lang, 'leader'))}${lang === 'fr' ? ' :' : ':'} <b data-testid="leader">${esc(s.leader ?? t(lang, 'noLeader'))}</b>${leaderLink}</span>
      <span>${esc(t(lang, 'term'))} <b data-testid="term">${s.term}</b></span>
      ${specDocLink(s, lang)}
      <span class="conn conn-${conn}" data-testid="connection">${esc(t(lang, conn))}</span>
      <button type="button" data-action="lang">${lang === 'fr' ? 'EN' : 'FR'}</button>
    </div>`
}

const RANK = { critical: 0, warning: 1, info: 2 } as const
const SEVERITIES = ['critical', 'warning', 'info'] as const

function alertItem (lang: Lang, a: Alert): string {
  return `<li class="sev-${a.severity}" data-alert="${esc(a.id)}"><span class="badge">${esc(t(lang, `sev_${a.severity}`))}</span> ${esc(renderAlert(a, lang))} <small>${esc(t(lang, 'since'))} ${esc(time(lang, a.since))}</small></li>`
}

/**
 * Alerts grouped by severity, most severe first. Informational alerts of one rule fold into a
 * single line with their count ("8 models not placed — see Plan"), opened on demand.
 */
export function alertsSection (s: ViewState, lang: Lang): string {
  const alerts = [...s.alerts.values()].sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.id.localeCompare(b.id))
  const groups = SEVERITIES.map(sev => {
    const mine = alerts.filter(a => a.severity === sev)
    if (mine.length === 0) return ''
    let items: string[]
    if (sev !== 'info') items = mine.map(a => alertItem(lang, a))
    else {
      const byRule = new Map<Alert['rule'], Alert[]>()
      for (const a of mine) byRule.set(a.rule, [...(byRule.get(a.rule) ?? []), a])
      items = [...byRule].map(([rule, list]) => list.length === 1
        ? alertItem(lang, list[0]!)
        : `<li class="sev-info" data-alert-group="${esc(rule)}" data-count="${list.length}"><details><summary><span class="badge">${esc(t(lang, 'sev_info'))}</span> ${esc(renderAlertGroup(rule, list.length, lang))}</summary><ul class="alerts">${list.map(a => alertItem(lang, a)).join('')}</ul></details></li>`)
    }
    return `<ul class="alerts" data-severity="${sev}">${items.join('')}</ul>`
  })
  return `<h2>${esc(t(lang, 'alerts'))} <span class="count">${alerts.length}</span></h2>${alerts.length === 0 ? `<p class="muted">${esc(t(lang, 'noAlerts'))}</p>` : groups.join('')}`
}

function vramBar (lang: Lang, gpu: HostReport['gpus'][number], reserve: number, planned: number): string {
  const parts = vramParts(gpu, reserve, planned)
  if (parts === null) return ''
  const pct = (n: number): string => `${(n / parts.total * 100).toFixed(2)}%`
  const segments = [['ours', 'vramOurs', parts.ours], ['others', 'vramOthers', parts.others], ['planned', 'vramPlanned', parts.planned], ['reserve', 'vramReserve', parts.reserve], ['free', 'vramFree', parts.free]] as const
  const bar = segments.filter(([cls]) => cls !== 'free').map(([cls, , v]) => `<span class="${cls}" style="width:${pct(v)}"></span>`).join('')
  const legend = segments.map(([cls, key, v]) => `<li data-part="${cls}"><i class="swatch ${cls}"></i>${esc(t(lang, key))} <b>${esc(formatBytes(lang, v))}</b></li>`).join('')
  return `<div class="vram" role="img" aria-label="VRAM ${esc(formatBytes(lang, parts.total))}">${bar}</div>
    <ul class="vram-legend" data-testid="vram-legend">${legend}<li class="total">/ ${esc(formatBytes(lang, parts.total))}</li></ul>`
}

/** The window's samples: the last hour as kept live, or the 24 h means followed by newer live samples. */
function samplesFor (s: ViewState, key: string, range: Range): GpuSample[] {
  const fine = s.history[key] ?? []
  if (range === '1h') return fine
  const coarse = s.history24h[key] ?? []
  const after = coarse[coarse.length - 1]?.t ?? -Infinity
  return [...coarse, ...fine.filter(x => x.t > after)]
}

function charts (s: ViewState, lang: Lang, host: HostReport, gpu: HostReport['gpus'][number], range: Range): string {
  const samples = samplesFor(s, `${host.hostname}/${gpu.index}`, range)
  const common = { time: (ms: number) => time(lang, ms, false), spanMs: RANGE_MS[range], empty: t(lang, 'noReadings') }
  return `<div class="charts">
    ${chart(samples, x => x.vramUsed, { ...common, label: t(lang, 'vramChart'), format: v => formatBytes(lang, v), ...(gpu.vramBytes === null ? {} : { max: gpu.vramBytes }) })}
    ${chart(samples, x => x.util, { ...common, label: `${t(lang, 'util')} (%)`, format: v => formatReading(lang, v, '%', 0), max: 100 })}
    ${chart(samples, x => x.temp, { ...common, label: `${t(lang, 'temp')} (°C)`, format: v => formatReading(lang, v, '°C', 0) })}
    ${chart(samples, x => x.power, { ...common, label: `${t(lang, 'power')} (W)`, format: v => formatReading(lang, v, 'W') })}
  </div>`
}

function reading (lang: Lang, value: number | null | undefined, unit: string): string {
  return value === null || value === undefined ? '—' : formatReading(lang, value, unit)
}

function gpuBlock (s: ViewState, lang: Lang, host: HostReport, gpu: HostReport['gpus'][number], range: Range): string {
  const excluded = s.plan?.excluded.find(e => e.host === host.hostname && e.gpu === gpu.index)
  const models = (s.plan?.assignments ?? []).filter(a => a.host === host.hostname && a.gpus.includes(gpu.index)).map(a => a.model)
  const live = host.online !== false
  return `<div class="gpu${excluded === undefined ? '' : ' excluded'}" data-gpu="${gpu.index}">
    <div class="gpu-name">#${gpu.index} ${esc(gpu.model)}${gpu.computeCapability == null ? '' : ` <small>CUDA ${esc(gpu.computeCapability)}</small>`}</div>
    ${vramBar(lang, gpu, reserveOf(s.plan, host.hostname, gpu.index), plannedBytes(s.plan, host.hostname, gpu.index))}
    ${live
      ? `<div class="readings">
      <div><small>${esc(t(lang, 'util'))}</small> <b>${reading(lang, gpu.utilizationPct, '%')}</b></div>
      <div><small>${esc(t(lang, 'temp'))}</small> <b>${reading(lang, gpu.temperatureC, '°C')}</b></div>
      <div><small>${esc(t(lang, 'power'))}</small> <b>${reading(lang, gpu.powerW, 'W')}</b></div>
    </div>${charts(s, lang, host, gpu, range)}`
      : ''}
    ${excluded === undefined ? '' : `<div class="excluded-reason">${esc(t(lang, 'excluded'))}${lang === 'fr' ? ' :' : ':'} ${esc(excluded.detail === undefined ? excluded.reason : renderReason(excluded.detail, lang))}</div>`}
    ${models.length === 0 ? '' : `<div class="models">${models.map(m => `<span class="chip">${esc(m)}</span>`).join('')}</div>`}
  </div>`
}

/** Ollama on this host: reachable or not, its version and installed models. */
function ollamaLine (lang: Lang, h: HostReport): string {
  const o = h.ollama
  const state = o.reachable
    ? [t(lang, 'ollamaUp'), ...(o.version == null ? [] : [t(lang, 'ollamaVersion', { version: o.version })]), plural(lang, o.models.length, lang === 'fr' ? 'modèle installé' : 'model installed', lang === 'fr' ? 'modèles installés' : 'models installed')].join(' · ')
    : h.simulated ? t(lang, 'ollamaSimulated') : t(lang, 'ollamaDown')
  return `<div class="sub ollama ${o.reachable ? 'is-up' : 'is-down'}" data-testid="ollama"><b>${esc(t(lang, 'ollama'))}</b> ${esc(state)}</div>`
}

/** The plan's models on this host as its agent applies them: pulls with a progress bar, ready, failed. */
function placementBlock (lang: Lang, h: HostReport): string {
  const items = (h.placement ?? []).map(p => {
    const pct = p.totalBytes != null && p.totalBytes > 0 ? Math.floor(Math.min(1, (p.completedBytes ?? 0) / p.totalBytes) * 100) : null
    const detail = p.state === 'pulling' && pct !== null
      ? `<progress max="100" value="${pct}"></progress> ${pct} %${p.bytesPerSecond == null ? '' : ` · ${esc(formatBytes(lang, p.bytesPerSecond))}/s`}`
      : p.state === 'failed' ? esc(`${p.error ?? ''} (${t(lang, 'attempt')} ${p.attempts})`) : ''
    return `<li class="pl-${p.state}" data-placement="${esc(p.model)}" data-state="${p.state}"><span class="chip">${esc(p.model)}</span> <b>${esc(t(lang, `pl_${p.state}`))}</b> ${detail}</li>`
  })
  return items.length === 0 ? '' : `<ul class="placement plain">${items.join('')}</ul>`
}

export function hostsSection (s: ViewState, lang: Lang, range: Range = '1h'): string {
  const hosts = [...s.hosts.values()].sort((a, b) => a.hostname.localeCompare(b.hostname))
  const cards = hosts.map(h => {
    const online = h.online !== false
    const leader = h.hostname === s.leader
    return `<article class="host ${online ? 'is-online' : 'is-offline'}" data-host="${esc(h.hostname)}" data-online="${online}">
      <header>
        <h3>${esc(h.hostname)}${leader ? ` <span class="badge leader">★ ${esc(t(lang, 'leader'))}</span>` : ''}</h3>
        <span class="state" data-testid="host-state">${esc(t(lang, online ? 'online' : 'offline'))}</span>
      </header>
      <div class="sub">${esc(t(lang, h.role))}${h.simulated ? ` · ${esc(t(lang, 'simulated'))}` : ''} · ${esc(h.os.distro || h.os.platform)} ${esc(h.os.release)} · ${esc(h.cpu.brand)} · ${esc(t(lang, 'ram'))} ${esc(formatBytes(lang, h.memory.totalBytes))}</div>
      ${online ? '' : `<div class="sub">${esc(t(lang, 'lastSeen'))} ${h.lastSeen === undefined ? '—' : esc(time(lang, h.lastSeen))}</div>`}
      ${ollamaLine(lang, h)}
      ${h.gpus.length === 0 ? `<p class="muted">${esc(t(lang, 'cpuOnly'))}</p>` : h.gpus.map(g => gpuBlock(s, lang, h, g, range)).join('')}
      ${placementBlock(lang, h)}
    </article>`
  })
  const ranges = (['1h', '24h'] as const).map(r => `<button type="button" data-action="range" data-range="${r}" aria-pressed="${r === range}">${esc(t(lang, r === '1h' ? 'range1h' : 'range24h'))}</button>`).join('')
  return `<h2>${esc(t(lang, 'hosts'))} <span class="count">${hosts.filter(h => h.online !== false).length}/${hosts.length}</span> <span class="ranges"><small>${esc(t(lang, 'rangeLabel'))}</small> ${ranges}</span></h2>${hosts.length === 0 ? `<p class="muted">${esc(t(lang, 'noHosts'))}</p>` : `<div class="hosts">${cards.join('')}</div>`}`
}

export function planSection (s: ViewState, lang: Lang): string {
  const plan = s.plan
  if (plan === null) return `<h2>${esc(t(lang, 'plan'))}</h2><p class="muted" data-testid="no-plan">${esc(t(lang, 'noPlan'))}</p>`
  const assignments = plan.assignments.map(a => `<tr data-model="${esc(a.model)}"><td>${esc(a.model)}</td><td>${esc(a.host)}</td><td>${a.gpus.map(g => `#${g}`).join('+')}</td><td>${esc(formatBytes(lang, a.vramBytes))}</td><td>${a.decodeTokensPerSecond == null ? '—' : `${esc(formatReading(lang, a.decodeTokensPerSecond, 'tok/s', 0))}`}</td></tr>`)
  const byHost = new Map<string, Plan['routes']>()
  for (const r of plan.routes) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r])
  const target = (r: Plan['routes'][number]): string => {
    const k = r.target
    const kind = `<span class="kind kind-${k.kind}">${esc(t(lang, `kind_${k.kind}`))}</span>`
    switch (k.kind) {
      case 'local': return `${kind} ${esc(k.model)}`
      case 'peer': return `${kind} ${esc(k.host)} · ${esc(k.model)}`
      case 'cloud': return `${kind} ${esc(k.provider)} · ${esc(k.model)}`
      case 'none': return `${kind} ${esc(k.detail === undefined ? k.reason : renderReason(k.detail, lang))}`
    }
  }
  const routes = [...byHost].sort(([a], [b]) => a.localeCompare(b)).map(([host, rs]) => `<tr data-routes="${esc(host)}"><td>${esc(host)}</td><td>${rs.map(r => `<div><b>${esc(r.role)}</b> → ${target(r)}</div>`).join('')}</td></tr>`)
  const unplaced = plan.unplaced.map(u => `<li data-unplaced="${esc(u.model)}"><b>${esc(u.model)}</b> — ${esc(u.detail === undefined ? u.reason : renderReason(u.detail, lang))}</li>`)
  const excluded = plan.excluded.map(e => `<li><b>${esc(e.host)} GPU ${e.gpu}</b> — ${esc(e.detail === undefined ? e.reason : renderReason(e.detail, lang))}</li>`)
  const table = assignments.length === 0
    ? `<p class="muted" data-testid="no-assignments">${esc(t(lang, 'noAssignments'))}</p>`
    : `<div class="scroll"><table data-testid="assignments"><thead><tr><th>${esc(t(lang, 'model'))}</th><th>${esc(t(lang, 'host'))}</th><th>${esc(t(lang, 'gpu'))}</th><th>${esc(t(lang, 'vram'))}</th><th>${esc(t(lang, 'speed'))}</th></tr></thead><tbody>${assignments.join('')}</tbody></table></div>`
  return `<h2>${esc(t(lang, 'plan'))} <span class="count">${esc(t(lang, 'term'))} ${plan.term}</span></h2>
    <h3>${esc(t(lang, 'assignments'))}</h3>
    ${table}
    <h3>${esc(t(lang, 'routes'))}</h3>
    <div class="scroll"><table data-testid="routes"><tbody>${routes.join('')}</tbody></table></div>
    ${unplaced.length === 0 ? '' : `<h3>${esc(t(lang, 'unplaced'))}</h3><ul class="plain" data-testid="unplaced">${unplaced.join('')}</ul>`}
    ${excluded.length === 0 ? '' : `<h3>${esc(t(lang, 'exclusions'))}</h3><ul class="plain">${excluded.join('')}</ul>`}`
}

export function eventsSection (s: ViewState, lang: Lang): string {
  const items = s.log.slice(0, 100).map(e => {
    const text = e.alert === undefined ? t(lang, e.key, e.args) : `${t(lang, e.key)}${lang === 'fr' ? ' :' : ':'} ${renderAlert(e.alert, lang)}`
    return `<li class="${e.severity === undefined ? '' : `sev-${e.severity}`}"><time>${esc(time(lang, e.at))}</time> ${esc(text)}</li>`
  })
  return `<h2>${esc(t(lang, 'events'))}</h2>${items.length === 0 ? `<p class="muted">${esc(t(lang, 'noEvents'))}</p>` : `<ul class="events" data-testid="events">${items.join('')}</ul>`}`
}
