import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { alertsDigest, isFenced, type Alert, type AlertThresholds, type AlertsMessage, type HostReport, type Plan } from '@gpufleet/core'
import { Alerting, type AlertChanges } from './alerting.js'

export interface AlertFeedEvents {
  'alert:raised': [alert: Alert, leading: boolean]
  'alert:cleared': [alert: Alert, leading: boolean]
  /** Same alert, new text or values (the facts behind it changed). */
  'alert:updated': [alert: Alert, leading: boolean]
}

/**
 * The alerts in force as events: the leader's own evaluation, or the leader's gossiped list on
 * followers (fenced by term like plans). Both report what was raised, refreshed and cleared.
 */
export class AlertFeed extends EventEmitter<AlertFeedEvents> {
  private readonly alerting: Alerting
  /** The signed list last published (leader) or adopted (follower): what sync relays, and its digest, what the leader's beat is compared with. */
  private lastRaw: string | null = null
  private lastDigest: string | null = null

  constructor (private readonly components: { logger: Logger }, thresholds: AlertThresholds) {
    super()
    this.alerting = new Alerting(thresholds)
  }

  get active (): Alert[] { return this.alerting.active }
  get raw (): string | null { return this.lastRaw }
  get digest (): string | null { return this.lastDigest }

  /** The leader published its list (`alerts` as in the message). */
  published (alerts: readonly Alert[], raw: string): void {
    this.lastRaw = raw
    this.lastDigest = alertsDigest(alerts)
  }

  /** This node just became leader of `term`: it continues the alerts it knew. */
  lead (term: number): void { this.alerting.lead(term) }

  /** Leader: evaluates the rules; true when something was raised, refreshed or cleared. */
  evaluate (hosts: readonly HostReport[], plan: Plan | null, now: number): boolean {
    return this.announce(this.alerting.evaluate(hosts, plan, now), true)
  }

  /** The leader's list arrived by gossip; the leader itself keeps its own evaluation. */
  adopt (msg: AlertsMessage, raw: string, self: string, highestTerm: number): boolean {
    if (isFenced(msg.term, highestTerm) || msg.peerId === self) return false
    const changes = this.alerting.adopt(msg.alerts, msg.term)
    if (changes === null) return false
    this.lastRaw = raw
    this.lastDigest = alertsDigest(msg.alerts)
    this.announce(changes, false)
    return true
  }

  private announce (changes: AlertChanges, leading: boolean): boolean {
    const { logger } = this.components
    for (const alert of changes.raised) {
      // The leader logs (one place for an operator to look): informational alerts at info, so a
      // first run's "not placed" list does not fill the terminal at warn; followers only trace.
      if (leading) logger[alert.severity === 'info' ? 'info' : 'warn']({ alert: alert.id, rule: alert.rule, severity: alert.severity }, `alert raised: ${alert.message}`)
      this.emit('alert:raised', alert, leading)
    }
    for (const alert of changes.cleared) {
      if (leading) logger.info({ alert: alert.id, rule: alert.rule }, `alert cleared: ${alert.message}`)
      this.emit('alert:cleared', alert, leading)
    }
    for (const alert of changes.updated) this.emit('alert:updated', alert, leading)
    return changes.raised.length + changes.cleared.length + changes.updated.length > 0
  }
}
