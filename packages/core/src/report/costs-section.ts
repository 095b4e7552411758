import { formatNumber, type Lang } from '../units/size.js'
import type { FleetConfig } from '../config/schema.js'
import { priceOf, priceTable, type Price } from '../ledger/prices.js'
import type { UsageDocument } from '../ledger/rollup.js'

/** What the document's "Costs and savings" section is written from: the fleet's usage and the prices in force. */
export interface ReportCosts {
  usage: UsageDocument
  prices: Array<{ provider: string, model: string, price: Price }>
}

/** The prices in force for the config's cloud models (shipped table under the config's overrides), config order. */
export function reportPrices (config: Pick<FleetConfig, 'cloud' | 'routing'>): ReportCosts['prices'] {
  const prices = priceTable(config)
  return config.cloud.flatMap(p => [...new Set(Object.values(p.models))].sort().flatMap(model => {
    const price = priceOf(prices, p.name, model)
    return price === null ? [] : [{ provider: p.name, model, price }]
  }))
}

const TEXT = {
  fr: {
    title: 'Coûts et économies',
    period: (since: string, until: string) => `Période : du ${since} au ${until} (UTC), toute la flotte.`,
    header: ['Fournisseur', 'Requêtes', 'Jetons hors cache', 'Lus en cache', 'Écrits en cache', 'Sortie', 'Coût', 'Économies'],
    total: 'Total',
    savings: 'Économies : jetons servis localement ou par un pair, au prix du modèle cloud de référence du rôle. L’électricité et le matériel locaux ne sont pas comptés.',
    prices: 'Prix utilisés (dollars US par million de jetons)',
    priceHeader: ['Fournisseur', 'Modèle', 'Entrée', 'Lecture cache', 'Écriture cache', 'Sortie', 'Relevé le'],
    none: 'Aucune requête sur la période.'
  },
  en: {
    title: 'Costs and savings',
    period: (since: string, until: string) => `Period: ${since} to ${until} (UTC), whole fleet.`,
    header: ['Provider', 'Requests', 'Uncached tokens', 'Cache read', 'Cache write', 'Output', 'Cost', 'Savings'],
    total: 'Total',
    savings: 'Savings: tokens served locally or by a peer, priced at the role’s reference cloud model. Local electricity and hardware are not counted.',
    prices: 'Prices used (US dollars per million tokens)',
    priceHeader: ['Provider', 'Model', 'Input', 'Cache read', 'Cache write', 'Output', 'Read on'],
    none: 'No request in the period.'
  }
}

const cell = (s: string): string => s.replace(/\|/g, '\\|')
const table = (header: readonly string[], rows: string[][]): string =>
  [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map(r => `| ${r.map(cell).join(' | ')} |`)].join('\n')

/** The "Costs and savings" section of the GPU spec document (fr/en); every cost beside its price date. */
export function costsSection (costs: ReportCosts, lang: Lang): string {
  const t = TEXT[lang]
  const n = (v: number): string => formatNumber(v, lang, 3).replace(/\u00a0/g, ' ')
  const usd = (v: number): string => (lang === 'fr' ? `${v.toFixed(2).replace('.', ',')} $` : `$${v.toFixed(2)}`)
  const { usage } = costs
  const row = (key: string, r: UsageDocument['totals']): string[] => [key, n(r.requests), n(r.tokens.uncached), n(r.tokens.cacheRead), n(r.tokens.cacheWrite), n(r.tokens.output), usd(r.costUsd), usd(r.savingsUsd)]
  const lines = [`## ${t.title}`, '', t.period(usage.since.slice(0, 10), usage.until.slice(0, 10)), '']
  if (usage.totals.requests === 0) lines.push(t.none)
  else lines.push(table(t.header, [...usage.rows.map(r => row(r.key, r)), row(`**${t.total}**`, usage.totals)]))
  lines.push('', t.savings)
  if (costs.prices.length > 0) {
    lines.push('', `### ${t.prices}`, '', table(t.priceHeader, costs.prices.map(({ provider, model, price }) => [provider, model, String(price.input), String(price.cacheRead), String(price.cacheWrite), String(price.output), price.date])))
  }
  return lines.join('\n')
}
