import type { Alert } from './schema.js'
import type { Condition } from './rules.js'

/** The alerting state: what is active, and what is firing but still inside its pending period. */
export interface AlertBook {
  active: ReadonlyMap<string, Alert>
  /** id → time (ms) the condition started firing. */
  pending: ReadonlyMap<string, number>
}

export const emptyAlertBook = (): AlertBook => ({ active: new Map(), pending: new Map() })

/** A book that continues another leader's alerts, so a failover does not raise them all again. */
export function alertBookFrom (alerts: readonly Alert[]): AlertBook {
  return { active: new Map(alerts.map(a => [a.id, a])), pending: new Map() }
}

export interface AlertUpdate {
  book: AlertBook
  raised: Alert[]
  cleared: Alert[]
  /** Active alerts whose text, reading or reason changed (a new plan, a new reading in the band). */
  updated: Alert[]
}

function toAlert (c: Condition, since: number, toIso: (ms: number) => string): Alert {
  return { id: c.id, rule: c.rule, severity: c.severity, host: c.host, gpu: c.gpu, model: c.model, value: c.value, threshold: c.threshold, message: c.message, since: toIso(since), ...(c.detail === undefined ? {} : { detail: c.detail }) }
}

/**
 * One evaluation step, time as input: an alert is raised once, when its condition has fired for
 * its pending period; it stays through the hysteresis band (its reading refreshed) and clears
 * when the condition clears or its subject disappears. Raised and cleared lists are sorted by id.
 */
export function updateAlerts (book: AlertBook, conditions: readonly Condition[], now: number, toIso: (ms: number) => string = ms => new Date(ms).toISOString()): AlertUpdate {
  const active = new Map<string, Alert>()
  const pending = new Map<string, number>()
  const raised: Alert[] = []
  const cleared: Alert[] = []
  const updated: Alert[] = []
  const seen = new Set<string>()
  for (const c of conditions) {
    if (seen.has(c.id)) continue
    seen.add(c.id)
    const current = book.active.get(c.id)
    if (current !== undefined) {
      if (c.level === 'clear') cleared.push(current)
      else {
        const { detail: _old, ...rest } = current
        const next: Alert = { ...rest, severity: c.severity, value: c.value, threshold: c.threshold, message: c.message, ...(c.detail === undefined ? {} : { detail: c.detail }) }
        active.set(c.id, next)
        if (!sameAlert(current, next)) updated.push(next)
      }
      continue
    }
    if (c.level !== 'firing') continue
    const since = book.pending.get(c.id) ?? now
    if (now - since >= c.forMs) {
      const alert = toAlert(c, since, toIso)
      active.set(c.id, alert)
      raised.push(alert)
    } else {
      pending.set(c.id, since)
    }
  }
  for (const [id, alert] of book.active) if (!seen.has(id)) cleared.push(alert)
  const byId = (a: Alert, b: Alert): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  return { book: { active, pending }, raised: raised.sort(byId), cleared: cleared.sort(byId), updated: updated.sort(byId) }
}

/** Same facts: what a view shows of an alert (its readings, text and reason) did not change. */
export function sameAlert (a: Alert, b: Alert): boolean {
  return a.severity === b.severity && a.value === b.value && a.threshold === b.threshold && a.message === b.message && JSON.stringify(a.detail) === JSON.stringify(b.detail)
}

/** Active alerts in a stable order: most severe first, then by id. */
export function sortedAlerts (book: AlertBook): Alert[] {
  const rank = { critical: 0, warning: 1, info: 2 }
  return [...book.active.values()].sort((a, b) => rank[a.severity] - rank[b.severity] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
