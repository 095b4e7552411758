import type { Alert } from '../alerts/schema.js'
import type { Holder, Reason } from '../schemas/reason.js'
import { formatBytes, formatNumber, type Lang } from '../units/size.js'

/*
 * Reasons and alerts as people read them, in French or English, with that language's number and
 * unit formats ("29,9 W", "1,5 Gio"). Pure and free of zod, so the dashboard bundles it as is
 * (`@gpufleet/core/text`); the CLI and the document use the same sentences.
 */

export { formatBytes, formatNumber, type Lang }

const bytes = (lang: Lang, n: number): string => formatBytes(n, { lang })
const num = (lang: Lang, n: number, digits = 1): string => formatNumber(n, lang, digits)
const list = (items: readonly string[]): string => items.join(', ')

/** "1 machine", "2 machines"; French counts 0 and 1 as singular, English only 1. */
export function plural (lang: Lang, n: number, one: string, many: string): string {
  const single = lang === 'fr' ? n < 2 : n === 1
  return `${formatNumber(n, lang, 0)} ${single ? one : many}`
}

function holder (lang: Lang, h: Holder): string {
  const roles = h.roles.map(r => r.model === null
    ? (lang === 'fr' ? `${r.role} sans modèle` : `${r.role} unserved`)
    : (lang === 'fr' ? `${r.role} → ${r.model} (qualité ${num(lang, r.quality ?? 0)})` : `${r.role} → ${r.model} (quality ${num(lang, r.quality ?? 0)})`))
  const taken = h.vramTakenBy.length === 0
    ? ''
    : lang === 'fr' ? ` ; VRAM prise par ${list(h.vramTakenBy)}` : `; VRAM taken by ${list(h.vramTakenBy)}`
  return `${h.host}${lang === 'fr' ? ' :' : ':'} ${list(roles)}${taken}`
}

/** One reason as a sentence (no leading capital: it follows a model or GPU name). */
export function renderReason (reason: Reason, lang: Lang): string {
  const fr = lang === 'fr'
  switch (reason.code) {
    case 'no-eligible-gpu': {
      const need = bytes(lang, reason.params.needBytes)
      return fr
        ? `nécessite ${need} ; aucune machine en ligne n'a de GPU éligible (CPU seulement, exclu ou hors ligne)`
        : `needs ${need}; no online host has an eligible GPU (all CPU-only, excluded or offline)`
    }
    case 'too-large': {
      const p = reason.params
      const where = `${p.host} GPU ${p.gpu}`
      let text = fr
        ? `nécessite ${bytes(lang, p.needBytes)} sur un seul GPU ; le plus grand GPU éligible a ${bytes(lang, p.largestFreeBytes)} libres (${where})`
        : `needs ${bytes(lang, p.needBytes)} on one GPU; largest eligible GPU has ${bytes(lang, p.largestFreeBytes)} free (${where})`
      if (p.largestHostTotalBytes !== null) {
        text += fr
          ? ` ; le plus qu'une machine offre sur tous ses GPU est ${bytes(lang, p.largestHostTotalBytes)}`
          : `; the most any host has across its GPUs is ${bytes(lang, p.largestHostTotalBytes)}`
      }
      if (p.offloadedTokensPerSecond !== null) {
        const tps = num(lang, p.offloadedTokensPerSecond)
        text += fr
          ? ` ; en partie en RAM système sur ${where}, il décoderait environ ${tps} tokens/s`
          : `; run partly from system RAM on ${where} it would decode about ${tps} tokens/s`
      }
      return text
    }
    case 'not-chosen': {
      const p = reason.params
      const hosts = p.hosts.map(h => h.host)
      if (p.otherHosts > 0) hosts.push(fr ? plural(lang, p.otherHosts, 'autre machine', 'autres machines') : plural(lang, p.otherHosts, 'other host', 'other hosts'))
      const weights = Object.entries(p.roleWeights).map(([role, w]) => `${role} ×${num(lang, w, 2)}`)
      if (p.hosts.length === 0) {
        return fr
          ? `ne tient que réparti sur plusieurs GPU, et l'objectif (poids des rôles : ${list(weights)}) a préféré d'autres modèles`
          : `fits only split across GPUs, and the objective (role weights: ${list(weights)}) preferred other models`
      }
      return fr
        ? `tient sur ${list(hosts)} mais n'a pas été retenu (qualité ${num(lang, p.quality)} ; poids des rôles : ${list(weights)}) — ${p.hosts.map(h => holder(lang, h)).join(' · ')}`
        : `fits on ${list(hosts)} but was not chosen (quality ${num(lang, p.quality)}; role weights: ${list(weights)}) — ${p.hosts.map(h => holder(lang, h)).join(' · ')}`
    }
    case 'policy-rule': return reason.params.translations?.[lang] ?? reason.params.text
    case 'ollama-unreachable': {
      const at = reason.params.ollamaHost === null ? '' : (fr ? ` à ${reason.params.ollamaHost}` : ` at ${reason.params.ollamaHost}`)
      return fr
        ? `Ollama ne répond pas sur cette machine${at} (installez-le ou démarrez-le ; l'agent revérifie chaque minute)`
        : `Ollama is not reachable on this host${at} (install or start it; the agent re-checks every minute)`
    }
    case 'vram-unknown': return fr ? 'taille de VRAM inconnue' : 'VRAM size unknown'
    case 'vram-capped': {
      const cap = bytes(lang, reason.params.cappedBytes)
      return fr
        ? `VRAM inconnue : ${cap} est le plafond 32 bits de Windows WMI, pas la taille de la carte`
        : `VRAM unknown: ${cap} is the 32-bit cap of Windows WMI, not the card's size`
    }
    case 'quota': return quotaText(reason.params, lang)
    case 'no-provider': return fr
      ? `aucun modèle local ne sert « ${reason.params.role} » et aucun fournisseur cloud de la configuration n'a de modèle pour ce rôle`
      : `no local model serves "${reason.params.role}" and no cloud provider in the config has a model for it`
  }
}

const QUOTA_UNITS = {
  fr: { requests: 'requêtes', tokensPerMinute: 'jetons dans la dernière minute', usdPerDay: 'aujourd’hui', usdPerMonth: 'ce mois-ci' },
  en: { requests: 'requests', tokensPerMinute: 'tokens in the last minute', usdPerDay: 'today', usdPerMonth: 'this month' }
}

/** A span of time as the quota config writes it: "5 h", "30 min", "20 s". */
const span = (ms: number, lang: Lang): string => ms % 3_600_000 === 0 ? `${num(lang, ms / 3_600_000, 0)} h` : ms % 60_000 === 0 ? `${num(lang, ms / 60_000, 0)} min` : `${num(lang, ms / 1000, 0)} s`
const usd = (lang: Lang, v: number): string => (lang === 'fr' ? `${v.toFixed(2).replace('.', ',')} $` : `$${v.toFixed(2)}`)

/** "zai : 100/120 requêtes en 5 h (83 %, alerte à 80 %)", or the limit reached and until when. */
function quotaText (q: Extract<Reason, { code: 'quota' }>['params'], lang: Lang): string {
  const fr = lang === 'fr'
  const money = q.limit === 'usdPerDay' || q.limit === 'usdPerMonth'
  const used = money ? `${usd(lang, q.used)}/${usd(lang, q.max)}` : `${num(lang, q.used, 0)}/${num(lang, q.max, 0)}`
  const window = q.windowMs === null ? '' : fr ? ` en ${span(q.windowMs, lang)}` : ` in ${span(q.windowMs, lang)}`
  const use = `${used} ${QUOTA_UNITS[lang][q.limit]}${window}`
  if (q.until !== null) {
    const until = `${q.until.slice(0, 16).replace('T', ' ')} UTC`
    return fr ? `${q.provider} a atteint sa limite (${use}) : ignoré jusqu’à ${until}` : `${q.provider} reached its limit (${use}): skipped until ${until}`
  }
  // Floored (with room for float error): 99.6 % is not yet the limit.
  const pct = (r: number): string => `${num(lang, Math.floor(r * 100 + 1e-9), 0)} %`
  const ratio = q.max === 0 ? 1 : q.used / q.max
  return fr ? `${q.provider} à ${pct(ratio)} de sa limite (${use} ; alerte à ${pct(q.alertAt)})` : `${q.provider} at ${pct(ratio)} of its limit (${use}; alert at ${pct(q.alertAt)})`
}

/** An alert as one line in the page's language, from its fields (its `message` is English, for logs). */
export function renderAlert (a: Alert, lang: Lang): string {
  const fr = lang === 'fr'
  const where = a.gpu === null ? (a.host ?? '') : `${a.host ?? ''} GPU ${a.gpu}`
  const sep = fr ? ' :' : ':'
  const value = a.value ?? 0
  const threshold = a.threshold ?? 0
  const detail = a.detail === undefined ? '' : ` — ${renderReason(a.detail, lang)}`
  switch (a.rule) {
    case 'vram-high': return fr
      ? `${where} : VRAM utilisée ${bytes(lang, value)} (seuil ${bytes(lang, threshold)})`
      : `${where}: VRAM used ${bytes(lang, value)} (threshold ${bytes(lang, threshold)})`
    case 'temperature-high': return `${where}${sep} ${num(lang, value)} °C (${fr ? 'seuil' : 'threshold'} ${num(lang, threshold)} °C)`
    case 'gpu-idle': return fr
      ? `${where} : ${num(lang, value)} % d'utilisation avec des modèles affectés (seuil ${num(lang, threshold)} %)`
      : `${where}: ${num(lang, value)} % utilization with models assigned (threshold ${num(lang, threshold)} %)`
    case 'latency-high': return fr
      ? `${where} : inférence locale en ${num(lang, value, 0)} ms jusqu'au premier octet au p95 (seuil ${num(lang, threshold, 0)} ms)`
      : `${where}: local inference ${num(lang, value, 0)} ms to first byte at p95 (threshold ${num(lang, threshold, 0)} ms)`
    case 'host-offline': return fr ? `${where} est hors ligne` : `${where} is offline`
    // The probe's error is the tool's own words (English from the OS); the log line and `message` keep it.
    case 'probe-failed': return fr
      ? `${where} ne peut plus lire son matériel : ses mesures sont les dernières bonnes`
      : `${where} cannot probe its hardware: its readings are the last good ones`
    case 'disk-unwritable': return fr
      ? `${where} ne peut plus écrire dans son dossier de données (disque plein ou en lecture seule) : il continue en mémoire`
      : `${where} cannot write its data directory (full or read-only disk): running from memory`
    case 'gpu-excluded': return (fr ? `${where} exclu du placement` : `${where} excluded from placement`) + detail
    case 'model-unplaced': return (fr ? `${a.model ?? ''} n'est pas placé` : `${a.model ?? ''} is not placed`) + detail
    // The host's own words are its figures: the detail is the whole sentence.
    case 'quota-near': return a.detail === undefined ? a.message : `${where}${sep} ${renderReason(a.detail, lang)}`
  }
}

/** The one line that stands for several informational alerts of one rule ("8 models not placed"). */
export function renderAlertGroup (rule: Alert['rule'], count: number, lang: Lang): string {
  const fr = lang === 'fr'
  switch (rule) {
    case 'model-unplaced': return fr ? `${plural(lang, count, 'modèle non placé', 'modèles non placés')} — voir le Plan` : `${plural(lang, count, 'model', 'models')} not placed — see Plan`
    case 'gpu-excluded': return fr ? `${plural(lang, count, 'GPU exclu', 'GPU exclus')} du placement — voir le Plan` : `${plural(lang, count, 'GPU', 'GPUs')} excluded from placement — see Plan`
    case 'gpu-idle': return fr ? `${plural(lang, count, 'GPU inactif', 'GPU inactifs')} avec des modèles affectés` : `${plural(lang, count, 'GPU', 'GPUs')} idle with models assigned`
    default: return fr ? `${plural(lang, count, 'alerte', 'alertes')} ${rule}` : `${plural(lang, count, 'alert', 'alerts')} ${rule}`
  }
}
