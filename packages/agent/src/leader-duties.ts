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
  /** Plan computations and their duration in seconds (metrics). */
  planned?: (seconds: number) => void
}

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
  private planTimer: NodeJS.Timeout | null = null

  constructor (private readonly components: LeaderDutiesComponents, private readonly init: LeaderDutiesInit) {}

  get established (): boolean { return this.term !== null }

  establish (term: number): void {
    this.term = term
    this.planSeq = 0
    this.init.alerts.lead(term)
    this.lastFingerprint = ''
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
    if (planningFingerprint(this.init.hosts()) !== this.lastFingerprint) this.schedulePlan(PLAN_DEBOUNCE_MS)
  }

  /** Claims or renews `term` (the election asks every tick while leading). */
  announce (term: number): void {
    const { config, self, gossip } = this.init
    const claim: LeaderMessage = { v: GOSSIP_VERSION, type: 'leader', peerId: self.peerId, sentAt: new Date(this.components.clock.wall()).toISOString(), hostname: self.hostname, term, priority: config.node.priority }
    gossip.send(JSON.stringify(claim))
  }

  /** Every heartbeat while leading: alerts, and every 5th the plan again (for peers that missed it). */
  async heartbeat (beat: number): Promise<void> {
    if (this.term === null) return
    if (beat % 5 === 0) this.republishPlan()
    await this.publishAlerts(beat % 5 === 0)
    await this.init.document.refresh()
  }

  /** A peer joined the topic: it gets the claim and the plan at once instead of at the next heartbeat. */
  reannounce (): void {
    if (this.term === null) return
    this.announce(this.term)
    this.republishPlan()
  }

  /**
   * Only a plan of our own term is ours to publish: the plan in force may still be the previous
   * leader's (its signed text names that leader), and gossiping it under our libp2p signature
   * would make every receiver reject it as forged.
   */
  private republishPlan (): void {
    const { plans, gossip } = this.init
    if (this.term !== null && plans.raw !== null && plans.plan?.term === this.term) gossip.send(plans.raw)
  }

  /** Evaluates the alert rules; publishes the list when it changed, or when `always`. */
  private async publishAlerts (always: boolean): Promise<void> {
    const { alerts, plans, gossip, self, hosts } = this.init
    const term = this.term
    if (term === null) return
    const changed = alerts.evaluate(hosts(), plans.plan, this.components.clock.wall())
    if (!changed && !always) return
    const unsigned: Unsigned<AlertsMessage> = { v: GOSSIP_VERSION, type: 'alerts', peerId: self.peerId, sentAt: new Date(this.components.clock.wall()).toISOString(), term, alerts: alerts.active }
    const { text } = await gossip.sign<AlertsMessage>(unsigned)
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
