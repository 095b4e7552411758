import { renderAlert } from '@gpufleet/core/text'
import type { Alert, UsageDocumentJson } from '@gpufleet/core'
import { storedToken } from './connection.js'
import type { Lang } from './i18n.js'
import { esc } from './view.js'

const words = {
  en: {
    costs: 'Costs and savings', today: 'today', d7: '7 days', d30: '30 days', requests: 'requests', tokens: 'tokens', cost: 'cost', saved: 'saved',
    provider: 'provider', uncached: 'uncached', cacheRead: 'cache read', cacheWrite: 'cache write', output: 'output', perDay: 'Per day (30 days)',
    quotas: 'Quota use', host: 'host', limit: 'limit', use: 'use', prices: 'prices of', noPrices: 'no priced request yet', electricity: 'savings: what the cloud would have billed; local electricity not counted',
    unavailable: 'no ledger on this agent'
  },
  fr: {
    costs: 'Coûts et économies', today: 'aujourd’hui', d7: '7 jours', d30: '30 jours', requests: 'requêtes', tokens: 'jetons', cost: 'coût', saved: 'économisé',
    provider: 'fournisseur', uncached: 'hors cache', cacheRead: 'lus en cache', cacheWrite: 'écrits en cache', output: 'sortie', perDay: 'Par jour (30 jours)',
    quotas: 'Quotas consommés', host: 'machine', limit: 'limite', use: 'usage', prices: 'prix du', noPrices: 'aucune requête tarifée pour l’instant', electricity: 'économies : ce que le cloud aurait facturé ; l’électricité locale n’est pas comptée',
    unavailable: 'pas de registre sur cet agent'
  }
}
type Period = 'today' | 'd7' | 'd30'

const usd = (v: number): string => `$${v.toFixed(2)}`
const int = (lang: Lang, v: number): string => v.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-US')
const sumTokens = (t: UsageDocumentJson['totals']['tokens']): number => t.uncached + t.cacheRead + t.cacheWrite + t.output

/** Cost and savings per day as bars (inline SVG: no chart library). */
function chart (doc: UsageDocumentJson): string {
  const max = Math.max(0.000001, ...doc.days.map(d => Math.max(d.costUsd, d.savingsUsd)))
  const w = 10
  const bars = doc.days.map((d, i) => {
    const c = Math.round(d.costUsd / max * 60)
    const s = Math.round(d.savingsUsd / max * 60)
    return `<g data-day="${esc(d.day)}"><title>${esc(d.day)}: ${usd(d.costUsd)} / ${usd(d.savingsUsd)}</title><rect class="bar-cost" x="${i * w * 2}" y="${64 - c}" width="${w - 1}" height="${c}"/><rect class="bar-saved" x="${i * w * 2 + w}" y="${64 - s}" width="${w - 1}" height="${s}"/></g>`
  })
  return `<svg class="cost-chart" data-testid="cost-chart" viewBox="0 0 ${Math.max(1, doc.days.length) * w * 2} 66" height="66" preserveAspectRatio="none">${bars.join('')}</svg>`
}

/** The leader's quota alerts (the same the alerts list shows), keyed by host, provider and limit. */
function quotaAlerts (alerts: readonly Alert[]): Map<string, Alert> {
  const out = new Map<string, Alert>()
  for (const a of alerts) if (a.rule === 'quota-near' && a.detail?.code === 'quota') out.set(`${a.host ?? ''}:${a.detail.params.provider}:${a.detail.params.limit}`, a)
  return out
}

function render (lang: Lang, period: Period, docs: Record<Period, UsageDocumentJson> | null, alerts: readonly Alert[]): string {
  const w = words[lang]
  const raised = quotaAlerts(alerts)
  const alertList = raised.size === 0 ? '' : `<ul class="alerts" data-testid="quota-alerts">${[...raised.values()].map(a => `<li class="sev-${a.severity}" data-alert="${esc(a.id)}">${esc(renderAlert(a, lang))}</li>`).join('')}</ul>`
  if (docs === null) return `<h2>${esc(w.costs)}</h2><p class="muted">${esc(w.unavailable)}</p>${alertList}`
  const doc = docs[period]
  const t = doc.totals
  const tabs = (['today', 'd7', 'd30'] as const).map(p => `<button type="button" data-costs-period="${p}" class="${p === period ? 'on' : ''}">${esc(w[p])}</button>`).join('')
  const rows = doc.rows.map(r => `<tr data-provider="${esc(r.key)}"><td>${esc(r.key)}</td><td>${int(lang, r.requests)}</td><td>${int(lang, r.tokens.uncached)}</td><td>${int(lang, r.tokens.cacheRead)}</td><td>${int(lang, r.tokens.cacheWrite)}</td><td>${int(lang, r.tokens.output)}</td><td>${usd(r.costUsd)}</td><td>${usd(r.savingsUsd)}</td></tr>`).join('')
  // A bar turns amber with the leader's alert (each host's own alert ratio), red at the limit.
  const quotas = (doc.quotas ?? []).map(q => `<tr data-quota="${esc(`${q.host}:${q.provider}:${q.limit}`)}"${raised.has(`${q.host}:${q.provider}:${q.limit}`) ? ' data-alert="1"' : ''}><td>${esc(q.host)}</td><td>${esc(q.provider)}</td><td>${esc(q.limit)}</td><td>${esc(Math.round(q.used * 100) / 100)} / ${esc(q.max)}</td><td><span class="quota-bar"><span style="width:${Math.min(100, Math.round(q.ratio * 100))}%" class="${q.ratio >= 1 ? 'over' : raised.has(`${q.host}:${q.provider}:${q.limit}`) ? 'near' : ''}"></span></span> ${Math.round(q.ratio * 100)} %</td></tr>`).join('')
  return `<h2>${esc(w.costs)} <span class="tabs">${tabs}</span></h2>
    <div class="cost-totals" data-testid="cost-totals" data-period="${period}">
      <span><b data-testid="cost-requests">${int(lang, t.requests)}</b> ${esc(w.requests)}</span>
      <span><b data-testid="cost-tokens">${int(lang, sumTokens(t.tokens))}</b> ${esc(w.tokens)}</span>
      <span>${esc(w.cost)} <b data-testid="cost-usd">${usd(t.costUsd)}</b></span>
      <span>${esc(w.saved)} <b data-testid="savings-usd">${usd(t.savingsUsd)}</b></span>
    </div>
    <p class="muted" data-testid="price-dates">${t.priceDates.length === 0 ? esc(w.noPrices) : `${esc(w.prices)} ${t.priceDates.map(esc).join(', ')}`} — ${esc(w.electricity)}</p>
    <div class="wide"><table data-testid="cost-rows"><thead><tr><th>${esc(w.provider)}</th><th>${esc(w.requests)}</th><th>${esc(w.uncached)}</th><th>${esc(w.cacheRead)}</th><th>${esc(w.cacheWrite)}</th><th>${esc(w.output)}</th><th>${esc(w.cost)}</th><th>${esc(w.saved)}</th></tr></thead><tbody>${rows}</tbody></table></div>
    <h3>${esc(w.perDay)}</h3>${chart(docs.d30)}
    ${quotas === '' && alertList === '' ? '' : `<h3>${esc(w.quotas)}</h3>${alertList}<div class="wide"><table data-testid="quotas"><thead><tr><th>${esc(w.host)}</th><th>${esc(w.provider)}</th><th>${esc(w.limit)}</th><th></th><th>${esc(w.use)}</th></tr></thead><tbody>${quotas}</tbody></table></div>`}`
}

/**
 * The costs panel: the fleet's requests, tokens, cost and savings for today, 7 and 30 days (from
 * /api/usage, the same document `gpufleet usage` prints), refreshed every 10 s while the page is
 * visible — the ledger has no live event, and an unseen tab asks for nothing. Quota alerts come
 * with the live state (`alerts`); `paint` redraws when they change.
 */
export function mountCosts (el: HTMLElement, lang: () => Lang, alerts: () => readonly Alert[]): { paint: () => void } {
  let period: Period = 'today'
  let docs: Record<Period, UsageDocumentJson> | null = null
  let html = ''
  const paint = (): void => {
    const next = render(lang(), period, docs, alerts())
    if (next !== html) { html = next; el.innerHTML = next }
  }
  const load = async (): Promise<void> => {
    if (document.visibilityState !== 'visible') return
    const token = storedToken()
    const get = async (since: string): Promise<UsageDocumentJson> => {
      const res = await fetch(`/api/usage?by=provider&since=${encodeURIComponent(since)}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` }, cache: 'no-store' })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      return await res.json() as UsageDocumentJson
    }
    try {
      const [today, d7, d30] = await Promise.all([get(new Date().toISOString().slice(0, 10)), get('7d'), get('30d')])
      docs = { today, d7, d30 }
    } catch {
      docs = null
    }
    paint()
  }
  el.addEventListener('click', ev => {
    const button = (ev.target as HTMLElement).closest('[data-costs-period]')
    if (button === null) return
    period = button.getAttribute('data-costs-period') as Period
    paint()
  })
  document.addEventListener('click', ev => { if ((ev.target as HTMLElement).closest('[data-action="lang"]') !== null) paint() })
  document.addEventListener('visibilitychange', () => { void load() })
  window.setInterval(() => { void load() }, 10_000)
  void load()
  return { paint }
}
