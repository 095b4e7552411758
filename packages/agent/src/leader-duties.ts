import type { Logger } from 'pino'
import {
  GOSSIP_VERSION, computePlan, planningFingerprint,
  type AlertsMessage, type FleetConfig, type HostReport, type LeaderMessage, type PlanMessage
} from '@gpufleet/core'
import type { AlertFeed } from './alert-feed.js'
import type { Clock } from './clock.js'
import type { Gossip, Unsigned } from './gossip.js'
import type { PlanInForce } from './plan-in-force.js'
import type { SpecDocument } from './spec-document.js'

export interface LeaderDutiesComponents { clock: Clock, logger: Logger }

export interface LeaderDutiesInit {
  config: FleetConfig
  self: { peerId: string, hostname: string }
  gossip: Gossip
  plans: PlanInForce
  alerts: AlertFeed
  document: SpecDocument
  hosts: () => HostReport[]
  /** Grows when the inventory changes: the planning inputs are only re-read then. */
  inventoryVersion: () => number
  /** Plan computations and their duration in seconds (metrics). */
  planned?: (seconds: number) => void
}

/** Heartbeats after which the alert rules run again even though nothing they read changed. */
const ALERTS_IDLE_BEATS = 10

/** Several hosts changing within this long give one plan. */
const PLAN_DEBOUNCE_MS = 200

/**
 * What only the leader does, started and stopped as one unit (Consul's establishLeadership /
 * revokeLeadership): planning when the inventory's planning inputs change, publishing the plan
 * stamped with its term, evaluating and publishing alerts, writing the GPU spec document (and its
 * costs section again when the fleet's spending moved).
 */
export class LeaderDuties {
  private term: number | null = null
  /** Plans made in this term so far: orders them for every receiver (core's planSupersedes). */
  private planSeq = 0
  private lastFingerprint = ''
  private lastVersion = -1
  private planTimer: NodeJS.Timeout | null = null
  /** This term's alert list went out at least once. */
  private alertsPublished = false
  /** What the alert rules last read: they run again when it changed, or after ALERTS_IDLE_BEATS. */
  private alertInputs: { version: number, plan: unknown, beats: number } = { version: -1, plan: null, beats: 0 }

  constructor (private readonly components: LeaderDutiesComponents, private readonly init: LeaderDutiesInit) {}

  get established (): boolean { return this.term !== null }

  establish (term: number): void {
    this.term = term
    this.planSeq = 0
    this.init.alerts.lead(term)
    this.lastFingerprint = ''
    this.lastVersion = -1
    this.alertsPublished = false
    this.schedulePlan(0)
  }

  revoke (): void {
    this.term = null
    if (this.planTimer !== null) clearTimeout(this.planTimer)
    this.planTimer = null
  }

  /** Every election tick while leading: a plan when what planning depends on changed. */
  tick (): void {
    if (this.term === null) return
    const version = this.init.inventoryVersion()
    if (version === this.lastVersion) return
    this.lastVersion = version
    if (planningFingerprint(this.init.hosts()) !== this.lastFingerprint) this.schedulePlan(PLAN_DEBOUNCE_MS)
  }

  /** Claims `term` (a new claim: renewals ride in this node's beats, once per heartbeat). */
  announce (term: number): void {
    const { config, self, gossip } = this.init
    const claim: LeaderMessage = { v: GOSSIP_VERSION, type: 'leader', peerId: self.peerId, sentAt: new Date(this.components.clock.wall()).toISOString(), hostname: self.hostname, term, priority: config.node.priority }
    gossip.send(JSON.stringify(claim))
  }

  /**
   * Every heartbeat while leading: alerts, published when they changed (and once at the start of
   * the term). Nothing is republished on a timer: the beat that renews the lease names the plan's
   * sequence and the alert list's digest (lease()), and a follower that missed either pulls it.
   */
  async heartbeat (): Promise<void> {
    if (this.term === null) return
    await this.publishAlerts(!this.alertsPublished)
    await this.init.document.refresh()
  }

  /** What this term's leader has published, for its beat (undefined: nothing yet). */
  published (): { plan?: number, alerts?: string } {
    const { plans, alerts } = this.init
    const plan = this.term !== null && plans.plan?.term === this.term ? plans.seq : undefined
    const digest = this.alertsPublished ? alerts.digest ?? undefined : undefined
    return { ...(plan === undefined ? {} : { plan }), ...(digest === undefined ? {} : { alerts: digest }) }
  }

  /** Evaluates the alert rules; publishes the list when it changed, or when `always`. */
  private async publishAlerts (always: boolean): Promise<void> {
    const { alerts, plans, gossip, self, hosts } = this.init
    const term = this.term
    if (term === null) return
    // The rules read the inventory and the plan; only their time-based parts (how long a host has
    // been silent) move without those changing, and a few heartbeats' delay there is harmless.
    const version = this.init.inventoryVersion()
    const inputs = this.alertInputs
    const unchanged = inputs.version === version && inputs.plan === plans.plan && ++inputs.beats < ALERTS_IDLE_BEATS
    if (unchanged && !always) return
    this.alertInputs = { version, plan: plans.plan, beats: 0 }
    const changed = alerts.evaluate(hosts(), plans.plan, this.components.clock.wall())
    if (!changed && !always) return
    const unsigned: Unsigned<AlertsMessage> = { v: GOSSIP_VERSION, type: 'alerts', peerId: self.peerId, sentAt: new Date(this.components.clock.wall()).toISOString(), term, alerts: alerts.active }
    const { text } = await gossip.sign<AlertsMessage>(unsigned)
    if (this.term !== term) return
    alerts.published(unsigned.alerts, text)
    this.alertsPublished = true
    gossip.send(text)
  }

  private schedulePlan (delayMs: number): void {
    if (this.planTimer !== null) return
    this.planTimer = setTimeout(() => {
      this.planTimer = null
      this.makePlan().catch((err: unknown) => { this.components.logger.error({ term: this.term, err: (err as Error).message }, 'cannot make a plan') })
    }, delayMs)
  }

  /** Computes, signs, takes and publishes a plan for the inventory as it is now, then writes the document. */
  async makePlan (): Promise<void> {
    const term = this.term
    if (term === null) return
    const { config, self, gossip, plans, document, hosts: current } = this.init
    const hosts = current()
    this.lastFingerprint = planningFingerprint(hosts)
    const started = performance.now()
    const plan = computePlan({ hosts, config, term, generatedAt: new Date(this.components.clock.wall()).toISOString() })
    const ms = performance.now() - started
    this.init.planned?.(ms / 1000)
    this.components.logger.info({ term: plan.term, assignments: plan.assignments.length, ms: Math.round(ms) }, 'plan computed')
    const unsigned: Unsigned<PlanMessage> = { v: GOSSIP_VERSION, type: 'plan', peerId: self.peerId, sentAt: plan.generatedAt, term: plan.term, seq: ++this.planSeq, plan }
    const { message, text } = await gossip.sign<PlanMessage>(unsigned)
    // Revoked while signing: a plan of a term no longer ours must not go out.
    if (this.term !== term) return
    plans.accept(message, text)
    await gossip.publish(text)
    await document.write(hosts, plan)
  }
}
