import {
  ALERTS_PER_MESSAGE, alertBookFrom, emptyAlertBook, evaluateConditions, sameAlert, sortedAlerts, updateAlerts,
  type Alert, type AlertBook, type AlertThresholds, type HostReport, type Plan
} from '@gpufleet/core'

export interface AlertChanges {
  raised: Alert[]
  cleared: Alert[]
  /** Still active, with a new reading, text or reason: views refresh them in place. */
  updated: Alert[]
}

/**
 * The alerts in force on this node. The leader evaluates the rules (pure, in core) on its
 * inventory and plan; followers take the leader's list as gossiped, and both report the
 * differences as raised/cleared so every dashboard gets the same events.
 */
export class Alerting {
  private book: AlertBook = emptyAlertBook()
  private current: Alert[] = []
  /** Term of the leader whose list is in force: an older leader's list is never taken. */
  term = 0

  constructor (private readonly thresholds: AlertThresholds) {}

  get active (): Alert[] { return this.current }

  /** This node just became leader: continue the alerts it knew, so none is raised twice. */
  lead (term: number): void {
    this.book = alertBookFrom(this.current)
    this.term = term
  }

  evaluate (hosts: readonly HostReport[], plan: Plan | null, now: number): AlertChanges {
    const update = updateAlerts(this.book, evaluateConditions({ hosts, plan, thresholds: this.thresholds }), now)
    this.book = update.book
    this.current = sortedAlerts(update.book).slice(0, ALERTS_PER_MESSAGE)
    return { raised: update.raised, cleared: update.cleared, updated: update.updated }
  }

  /** A leader's list arrived: taken when its term is not older than the one in force. */
  adopt (alerts: readonly Alert[], term: number): AlertChanges | null {
    if (term < this.term) return null
    this.term = term
    const before = new Map(this.current.map(a => [a.id, a]))
    const after = new Map(alerts.map(a => [a.id, a]))
    this.current = [...alerts]
    return {
      raised: alerts.filter(a => !before.has(a.id)),
      cleared: [...before.values()].filter(a => !after.has(a.id)),
      updated: alerts.filter(a => { const old = before.get(a.id); return old !== undefined && !sameAlert(old, a) })
    }
  }
}
