import { formatBytes, formatNumber, renderReason, type Lang, type Plan } from '@gpufleet/core'
import { renderTable } from './table.js'

const WORDS = {
  en: {
    title: (term: number, at: string) => `Plan (term ${term}, ${at})`, assignments: 'Assignments', none: 'none', routes: 'Routes', excluded: 'Excluded GPUs', unplaced: 'Not placed',
    assignmentHeader: ['host', 'GPU', 'model', 'VRAM', 'est. tokens/s'], routeHeader: ['host', 'role', 'target'],
    local: 'local', peer: 'peer', cloud: 'cloud', unavailable: 'none', sep: ':'
  },
  fr: {
    title: (term: number, at: string) => `Plan (mandat ${term}, ${at})`, assignments: 'Affectations', none: 'aucune', routes: 'Routes', excluded: 'GPU exclus', unplaced: 'Non placés',
    assignmentHeader: ['machine', 'GPU', 'modèle', 'VRAM', 'tokens/s est.'], routeHeader: ['machine', 'rôle', 'cible'],
    local: 'local', peer: 'pair', cloud: 'cloud', unavailable: 'aucune', sep: ' :'
  }
} as const

/** A plan as text for people, in French or English; reasons come from their code and parameters. */
export function renderPlan (plan: Plan, lang: Lang = 'en'): string {
  const w = WORDS[lang]
  const target = (t: Plan['routes'][number]['target']): string => {
    switch (t.kind) {
      case 'local': return `${w.local} ${t.model}`
      case 'peer': return `${w.peer} ${t.host} ${t.model}`
      case 'cloud': return `${w.cloud} ${t.provider} ${t.model}`
      case 'none': return `${w.unavailable} (${t.detail === undefined ? t.reason : renderReason(t.detail, lang)})`
    }
  }
  const out = [w.title(plan.term, plan.generatedAt), '', w.assignments]
  out.push(plan.assignments.length === 0
    ? `  ${w.none}`
    : renderTable([...w.assignmentHeader], plan.assignments.map(a => [a.host, a.gpus.join('+'), a.model, formatBytes(a.vramBytes, { lang }), a.decodeTokensPerSecond == null ? '-' : formatNumber(a.decodeTokensPerSecond, lang)])))
  out.push('', w.routes, renderTable([...w.routeHeader], plan.routes.map(r => [r.host, r.role, target(r.target)])))
  if (plan.excluded.length > 0) out.push('', w.excluded, ...plan.excluded.map(e => `  ${e.host} GPU ${e.gpu}${w.sep} ${e.detail === undefined ? e.reason : renderReason(e.detail, lang)}`))
  if (plan.unplaced.length > 0) out.push('', w.unplaced, ...plan.unplaced.map(u => `  ${u.model}${w.sep} ${u.detail === undefined ? u.reason : renderReason(u.detail, lang)}`))
  return out.join('\n')
}
