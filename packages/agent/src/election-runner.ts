import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { initialElection, isLeader, step, type ElectionCandidate, type ElectionConfig, type ElectionEvent, type ElectionState, type LeaderInfo, type LeaderMessage, type ReportMessage } from '@gpufleet/core'
import type { Clock } from './clock.js'

export interface ElectionRunnerEvents {
  /** Claim leadership of `term` (a new claim; renewals ride in the leader's beats). */
  'election:announce': [term: number]
  'leadership:established': [term: number]
  'leadership:revoked': [term: number]
  'leader:changed': [leader: LeaderInfo | null, term: number]
}

export interface ElectionRunnerComponents { clock: Clock, logger: Logger }

/** Coordinators remembered for their beats (a fleet has a few; reinstalls add more). */
const CANDIDATES_KEPT = 256

/**
 * Runs core's election state machine (step(state, event, now)) on monotonic time: feeds it
 * claims, coordinators' reports and ticks, and turns its actions into events.
 */
export class ElectionRunner extends EventEmitter<ElectionRunnerEvents> {
  private state: ElectionState
  /** Coordinators by peer id, from their reports: their beats carry no rank. */
  private readonly candidates = new Map<string, ElectionCandidate>()

  constructor (private readonly components: ElectionRunnerComponents, config: ElectionConfig, restoredTerm: number) {
    super()
    this.state = initialElection(config, components.clock.now(), restoredTerm)
  }

  get term (): number { return this.state.term }
  get leader (): LeaderInfo | null { return this.state.leader }
  get leading (): boolean { return isLeader(this.state) }
  /** While leading: what this node's beat carries to renew its lease (once per heartbeat). */
  get lease (): { term: number, priority: number } | null {
    return this.leading ? { term: this.state.term, priority: this.state.config.self.priority } : null
  }

  tick (): void { this.step({ type: 'tick' }) }

  /** A leader's claim: true unless it came from a lower term than known (fenced). */
  claim (msg: LeaderMessage): boolean {
    const before = this.state.term
    this.step({ type: 'leader', from: { peerId: msg.peerId, hostname: msg.hostname, priority: msg.priority }, term: msg.term })
    return msg.term >= before
  }

  /** A coordinator's report keeps it a candidate. */
  reportSeen (msg: ReportMessage): void {
    this.candidates.delete(msg.peerId)
    if (msg.report.role !== 'coordinator') return
    const who = { peerId: msg.peerId, hostname: msg.report.hostname, priority: msg.priority }
    this.candidates.set(msg.peerId, who)
    if (this.candidates.size > CANDIDATES_KEPT) this.candidates.delete(this.candidates.keys().next().value!)
    this.step({ type: 'coordinator-seen', who })
  }

  /**
   * A coordinator this node knew before it restarted (its inventory on disk): remembered so that its
   * beats count, without counting it live until one arrives — its full report may not come again
   * for minutes (reports go out on change).
   */
  remember (who: ElectionCandidate): void {
    if (this.candidates.has(who.peerId)) return
    this.candidates.set(who.peerId, who)
    if (this.candidates.size > CANDIDATES_KEPT) this.candidates.delete(this.candidates.keys().next().value!)
  }

  /** …and so do its beats between reports (the election counts a coordinator live within a lease). */
  beatSeen (peerId: string): void {
    // The leader's beat renewed its lease already (claim); counting it again as a sighting would
    // stamp it a moment after the renewal, and a leader that then dies would look heard from since
    // its last renewal, a candidate for a whole offlineAfter instead of dropping out when its lease lapses.
    if (this.state.leader?.peerId === peerId) return
    const who = this.candidates.get(peerId)
    if (who !== undefined) this.step({ type: 'coordinator-seen', who })
  }

  private step (event: ElectionEvent): void {
    const { logger } = this.components
    const { state, actions } = step(this.state, event, this.components.clock.now())
    this.state = state
    for (const action of actions) {
      switch (action.type) {
        case 'announce':
          this.emit('election:announce', action.term)
          break
        case 'became-leader':
          logger.info({ term: action.term }, 'leading')
          this.emit('leadership:established', action.term)
          break
        case 'lost-leadership':
          logger.info({ term: action.term }, 'no longer leading')
          this.emit('leadership:revoked', action.term)
          break
        case 'leader-changed':
          logger.info({ leader: action.leader?.hostname ?? null, term: action.term }, 'leader changed')
          this.emit('leader:changed', action.leader, action.term)
          break
      }
    }
  }
}
