import type { Alert, HostReport, Plan } from '@gpufleet/core'
import { alertText, formatBytes, t, type Lang } from './i18n.js'
import { sparkline } from './sparkline.js'
import { vramParts, type ViewState } from './state.js'

export type Connection = 'connecting' | 'connected' | 'disconnected'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
/** Every string from the network goes through this before it reaches innerHTML. */
export function esc (value: unknown): string {
  return String(value).replace(/[&<>"']/g, c => ESCAPES[c]!)
}

function time (lang: Lang, iso: string): string {
  return new Date(iso).toLocaleTimeString(lang === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })
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
  return `
    <div class="brand">gpufleet <span class="cluster">${esc(s.status?.cluster ?? '')}</span></div>
    <div class="meta">
      <span>${esc(t(lang, 'thisNode'))}: <b data-testid="self">${esc(self?.hostname ?? '—')}</b></span>
      <span>${esc(t(lang, 'leader'))}: <b data-testid="leader">${esc(s.leader ?? t(lang, 'noLeader'))}</b>${leaderLink}</span>
      <span>${esc(t(lang, 'term'))} <b data-testid="term">${s.term}</b></span>
      ${specDocLink(s, lang)}
      <span class="conn conn-${conn}" data-testid="connection">${esc(t(lang, conn))}</span>
      <button type="button" data-action="lang">${lang === 'fr' ? 'EN' : 'FR'}</button>
    </div>`
}

export function alertsSection (s: ViewState, lang: Lang): string {
  const rank = { critical: 0, warning: 1, info: 2 }
  const alerts = [...s.alerts.values()].sort((a, b) => rank[a.severity] - rank[b.severity] || a.id.localeCompare(b.id))
  const items = alerts.map((a: Alert) => `<li class="sev-${a.severity}" data-alert="${esc(a.id)}"><span class="badge">${esc(a.severity)}</span> ${esc(alertText(lang, a))} <small>${esc(t(lang, 'since'))} ${esc(time(lang, a.since))}</small></li>`)
  return `<h2>${esc(t(lang, 'alerts'))} <span class="count">${alerts.length}</span></h2>${items.length === 0 ? `<p class="muted">${esc(t(lang, 'noAlerts'))}</p>` : `<ul class="alerts">${items.join('')}</ul>`}`
}

function vramBar (lang: Lang, gpu: HostReport['gpus'][number], reserve: number): string {
  const parts = vramParts(gpu, reserve)
  if (parts === null) return ''
  const pct = (n: number): string => `${(n / parts.total * 100).toFixed(2)}%`
  const title = [['vramOurs', parts.ours], ['vramOthers', parts.others], ['vramReserve', parts.reserve], ['vramFree', parts.free]] as const
  const legend = title.map(([k, v]) => `${t(lang, k)} ${formatBytes(lang, v)}`).join(' · ')
  return `<div class="vram" title="${esc(legend)}" aria-label="${esc(legend)}">
      <span class="ours" style="width:${pct(parts.ours)}"></span><span class="others" style="width:${pct(parts.others)}"></span><span class="reserve" style="width:${pct(parts.reserve)}"></span>
    </div><div class="vram-legend">${esc(formatBytes(lang, parts.total - parts.free - parts.reserve))} / ${esc(formatBytes(lang, parts.total))}</div>`
}

function reading (value: number | null | undefined, unit: string): string {
  return value === null || value === undefined ? '—' : `${Math.round(value * 10) / 10}${unit}`
}

function gpuBlock (s: ViewState, lang: Lang, host: HostReport, gpu: HostReport['gpus'][number]): string {
  const excluded = s.plan?.excluded.find(e => e.host === host.hostname && e.gpu === gpu.index)
  const models = (s.plan?.assignments ?? []).filter(a => a.host === host.hostname && a.gpus.includes(gpu.index)).map(a => a.model)
  const samples = s.history[`${host.hostname}/${gpu.index}`] ?? []
  const live = host.online !== false
  return `<div class="gpu${excluded === undefined ? '' : ' excluded'}" data-gpu="${gpu.index}">
    <div class="gpu-name">#${gpu.index} ${esc(gpu.model)}${gpu.computeCapability == null ? '' : ` <small>cc ${esc(gpu.computeCapability)}</small>`}</div>
    ${vramBar(lang, gpu, reserveOf(s.plan, host.hostname, gpu.index))}
    ${live
      ? `<div class="readings">
      <div><small>${esc(t(lang, 'util'))}</small> <b>${reading(gpu.utilizationPct, ' %')}</b> ${sparkline(samples, x => x.util, { max: 100, label: t(lang, 'util') })}</div>
      <div><small>${esc(t(lang, 'temp'))}</small> <b>${reading(gpu.temperatureC, ' °C')}</b> ${sparkline(samples, x => x.temp, { label: t(lang, 'temp') })}</div>
      <div><small>${esc(t(lang, 'power'))}</small> <b>${reading(gpu.powerW, ' W')}</b> ${sparkline(samples, x => x.power, { label: t(lang, 'power') })}</div>
    </div>`
      : ''}
    ${excluded === undefined ? '' : `<div class="excluded-reason">${esc(t(lang, 'excluded'))}: ${esc(excluded.reason)}</div>`}
    ${models.length === 0 ? '' : `<div class="models">${models.map(m => `<span class="chip">${esc(m)}</span>`).join('')}</div>`}
  </div>`
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

export function hostsSection (s: ViewState, lang: Lang): string {
  const hosts = [...s.hosts.values()].sort((a, b) => a.hostname.localeCompare(b.hostname))
  const cards = hosts.map(h => {
    const online = h.online !== false
    const leader = h.hostname === s.leader
    return `<article class="host ${online ? 'is-online' : 'is-offline'}" data-host="${esc(h.hostname)}" data-online="${online}">
      <header>
        <h3>${esc(h.hostname)}${leader ? ' <span class="badge leader">★ leader</span>' : ''}</h3>
        <span class="state" data-testid="host-state">${esc(t(lang, online ? 'online' : 'offline'))}</span>
      </header>
      <div class="sub">${esc(t(lang, h.role))}${h.simulated ? ` · ${esc(t(lang, 'simulated'))}` : ''} · ${esc(h.os.distro || h.os.platform)} ${esc(h.os.release)} · ${esc(h.cpu.brand)} · ${esc(t(lang, 'ram'))} ${esc(formatBytes(lang, h.memory.totalBytes))}</div>
      ${online ? '' : `<div class="sub">${esc(t(lang, 'lastSeen'))} ${h.lastSeen === undefined ? '—' : esc(time(lang, h.lastSeen))}</div>`}
      ${h.gpus.length === 0 ? `<p class="muted">${esc(t(lang, 'cpuOnly'))}</p>` : h.gpus.map(g => gpuBlock(s, lang, h, g)).join('')}
      ${placementBlock(lang, h)}
    </article>`
  })
  return `<h2>${esc(t(lang, 'hosts'))} <span class="count">${hosts.filter(h => h.online !== false).length}/${hosts.length}</span></h2><div class="hosts">${cards.join('')}</div>`
}

export function planSection (s: ViewState, lang: Lang): string {
  const plan = s.plan
  if (plan === null) return `<h2>${esc(t(lang, 'plan'))}</h2><p class="muted">${esc(t(lang, 'noPlan'))}</p>`
  const assignments = plan.assignments.map(a => `<tr data-model="${esc(a.model)}"><td>${esc(a.model)}</td><td>${esc(a.host)}</td><td>${a.gpus.map(g => `#${g}`).join('+')}</td><td>${esc(formatBytes(lang, a.vramBytes))}</td><td>${a.decodeTokensPerSecond == null ? '—' : `${Math.round(a.decodeTokensPerSecond)} tok/s`}</td></tr>`)
  const byHost = new Map<string, Plan['routes']>()
  for (const r of plan.routes) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r])
  const target = (r: Plan['routes'][number]): string => {
    const k = r.target
    const kind = `<span class="kind kind-${k.kind}">${esc(t(lang, `kind_${k.kind}`))}</span>`
    switch (k.kind) {
      case 'local': return `${kind} ${esc(k.model)}`
      case 'peer': return `${kind} ${esc(k.host)} · ${esc(k.model)}`
      case 'cloud': return `${kind} ${esc(k.provider)} · ${esc(k.model)}`
      case 'none': return `${kind} ${esc(k.reason)}`
    }
  }
  const routes = [...byHost].sort(([a], [b]) => a.localeCompare(b)).map(([host, rs]) => `<tr data-routes="${esc(host)}"><td>${esc(host)}</td><td>${rs.map(r => `<div><b>${esc(r.role)}</b> → ${target(r)}</div>`).join('')}</td></tr>`)
  const unplaced = plan.unplaced.map(u => `<li data-unplaced="${esc(u.model)}"><b>${esc(u.model)}</b> — ${esc(u.reason)}</li>`)
  const excluded = plan.excluded.map(e => `<li><b>${esc(e.host)} GPU ${e.gpu}</b> — ${esc(e.reason)}</li>`)
  return `<h2>${esc(t(lang, 'plan'))} <span class="count">${esc(t(lang, 'term'))} ${plan.term}</span></h2>
    <h3>${esc(t(lang, 'assignments'))}</h3>
    <div class="scroll"><table data-testid="assignments"><thead><tr><th>${esc(t(lang, 'model'))}</th><th>${esc(t(lang, 'host'))}</th><th>${esc(t(lang, 'gpu'))}</th><th>${esc(t(lang, 'vram'))}</th><th>${esc(t(lang, 'speed'))}</th></tr></thead><tbody>${assignments.join('')}</tbody></table></div>
    <h3>${esc(t(lang, 'routes'))}</h3>
    <div class="scroll"><table data-testid="routes"><tbody>${routes.join('')}</tbody></table></div>
    ${unplaced.length === 0 ? '' : `<h3>${esc(t(lang, 'unplaced'))}</h3><ul class="plain">${unplaced.join('')}</ul>`}
    ${excluded.length === 0 ? '' : `<h3>${esc(t(lang, 'exclusions'))}</h3><ul class="plain">${excluded.join('')}</ul>`}`
}

export function eventsSection (s: ViewState, lang: Lang): string {
  const items = s.log.slice(0, 100).map(e => {
    const text = e.alert === undefined ? t(lang, e.key, e.args) : `${t(lang, e.key)}: ${alertText(lang, e.alert)}`
    return `<li class="${e.severity === undefined ? '' : `sev-${e.severity}`}"><time>${esc(time(lang, e.at))}</time> ${esc(text)}</li>`
  })
  return `<h2>${esc(t(lang, 'events'))}</h2>${items.length === 0 ? `<p class="muted">${esc(t(lang, 'noEvents'))}</p>` : `<ul class="events" data-testid="events">${items.join('')}</ul>`}`
}
