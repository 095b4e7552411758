import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { planSupersedes, type Plan, type PlanMessage } from '@gpufleet/core'
import type { FleetStore } from './store.js'

export interface PlanInForceComponents { logger: Logger, store: FleetStore }

/**
 * The plan this node follows, and the signed message it came in (relayed as is to peers that
 * sync). Fencing (core's planSupersedes) decides whether a plan replaces it.
 */
export class PlanInForce extends EventEmitter<{ 'plan:changed': [Plan] }> {
  private current: Plan | null = null
  private currentRaw: string | null = null
  /** The plan's sequence within its term (from its message; 0 for plans of earlier versions). */
  private currentSeq = 0

  /** @param highestTerm the highest term this node has seen (the election's) */
  constructor (private readonly components: PlanInForceComponents, private readonly highestTerm: () => number) {
    super()
  }

  get plan (): Plan | null { return this.current }
  get raw (): string | null { return this.currentRaw }
  /** The plan's sequence within its term: what the leader's beat is compared with. */
  get seq (): number { return this.currentSeq }

  restore (stored: { plan: Plan, raw: string | null } | null): void {
    this.current = stored?.plan ?? null
    this.currentRaw = stored?.raw ?? null
    this.currentSeq = seqOf(this.currentRaw)
  }

  accept (msg: PlanMessage, raw: string | null): boolean {
    const current = this.current === null ? null : { term: this.current.term, seq: this.currentSeq }
    if (!planSupersedes({ term: msg.term, seq: msg.seq ?? 0 }, current, this.highestTerm())) return false
    this.current = msg.plan
    this.currentRaw = raw
    this.currentSeq = msg.seq ?? 0
    this.components.store.savePlan(msg.plan, raw).catch((err: unknown) => {
      this.components.logger.error({ term: msg.term, err: (err as Error).message }, 'cannot write the plan to disk')
    })
    this.components.logger.info({ term: msg.term, assignments: msg.plan.assignments.length }, 'plan accepted')
    this.emit('plan:changed', msg.plan)
    return true
  }
}

/** The sequence a stored plan came with, read from its signed message. */
function seqOf (raw: string | null): number {
  if (raw === null) return 0
  try {
    const seq = (JSON.parse(raw) as { seq?: unknown }).seq
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : 0
  } catch {
    return 0
  }
}
