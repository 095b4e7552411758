import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { initialElection, isLeader, step, type ElectionConfig, type ElectionEvent, type ElectionState, type LeaderInfo, type LeaderMessage, type ReportMessage } from '@gpufleet/core'
import type { Clock } from './clock.js'

export interface ElectionRunnerEvents {
  /** Claim or renew leadership of `term` (every tick while leading). */
  'election:announce': [term: number]
  'leadership:established': [term: number]
  'leadership:revoked': [term: number]
  'leader:changed': [leader: LeaderInfo | null, term: number]
}

export interface ElectionRunnerComponents { clock: Clock, logger: Logger }

/**
 * Runs core's election state machine (step(state, event, now)) on monotonic time: feeds it
 * claims, coordinators' reports and ticks, and turns its actions into events.
 */
export class ElectionRunner extends EventEmitter<ElectionRunnerEvents> {
  private state: ElectionState

  constructor (private readonly components: ElectionRunnerComponents, config: ElectionConfig, restoredTerm: number) {
    super()
    this.state = initialElection(config, components.clock.now(), restoredTerm)
  }

  get term (): number { return this.state.term }
  get leader (): LeaderInfo | null { return this.state.leader }
  get leading (): boolean { return isLeader(this.state) }

  tick (): void { this.step({ type: 'tick' }) }

  /** A leader's claim: true unless it came from a lower term than known (fenced). */
  claim (msg: LeaderMessage): boolean {
    const before = this.state.term
    this.step({ type: 'leader', from: { peerId: msg.peerId, hostname: msg.hostname, priority: msg.priority }, term: msg.term })
    return msg.term >= before
  }

  /** A coordinator's report keeps it a candidate. */
  reportSeen (msg: ReportMessage): void {
    if (msg.report.role === 'coordinator') this.step({ type: 'coordinator-seen', who: { peerId: msg.peerId, hostname: msg.report.hostname, priority: msg.priority } })
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
