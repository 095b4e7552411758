import type { Logger } from 'pino'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidInputError, judgeLeaderClaim, judgeTermMessage, mayLead, type AuthorityVerdict, type AuthorityView } from '@gpufleet/core'

/** Distinct (peer, reason) pairs logged at warn; past this, rejections are only counted. */
const WARNED_MAX = 256

export interface AuthorityGateInit {
  /** cluster.coordinators, or null. */
  coordinators: readonly string[] | null
  /** The highest term seen and the leader followed (the election's). */
  term: () => number
  leader: () => { peerId: string, term: number } | null
  /** Does this peer's latest report say coordinator (undefined: no report known)? */
  reportsCoordinator: (peerId: string) => boolean | undefined
}

/**
 * Applies core's authority rules (fencing.ts) to what arrives: leader claims, plans, alert lists
 * and tombstones from a member without the right to send them are rejected (Gossip counts them)
 * and logged — once per sender, kind and reason, so a rogue cannot flood the log.
 */
export class AuthorityGate {
  private readonly pinned: ReadonlySet<string> | null
  private readonly warned = new Set<string>()

  constructor (private readonly components: { logger: Logger }, private readonly init: AuthorityGateInit) {
    this.pinned = init.coordinators === null ? null : new Set(init.coordinators)
  }

  get isPinned (): boolean { return this.pinned !== null }

  /** May this peer be counted as a live coordinator (its reports), or lead? */
  mayLead (peerId: string): boolean { return mayLead(this.view(), peerId).accept }

  claim (peerId: string, term: number): AuthorityVerdict {
    return this.count(judgeLeaderClaim(this.view(), peerId, term), 'leader', peerId, term)
  }

  termMessage (peerId: string, term: number, kind: 'plan' | 'alerts' | 'forget'): AuthorityVerdict {
    return this.count(judgeTermMessage(this.view(), peerId, term, kind), kind, peerId, term)
  }

  private view (): AuthorityView {
    return { pinned: this.pinned, reportsCoordinator: this.init.reportsCoordinator, term: this.init.term(), leader: this.init.leader() }
  }

  private count (verdict: AuthorityVerdict, kind: string, peerId: string, term: number): AuthorityVerdict {
    if (verdict.accept || !verdict.reject) return verdict
    const key = `${peerId}:${kind}:${verdict.reason}`
    if (!this.warned.has(key) && this.warned.size < WARNED_MAX) {
      this.warned.add(key)
      this.components.logger.warn({ peer: peerId, type: kind, term, reason: verdict.reason }, `message rejected: ${verdict.reason} (further ones from this peer are only counted)`)
    }
    return verdict
  }
}

/** cluster.coordinators must list peer ids (the config schema cannot decode them: core has no libp2p). */
export function checkCoordinators (coordinators: readonly string[] | null): void {
  coordinators?.forEach((id, i) => {
    try {
      peerIdFromString(id)
    } catch {
      throw new InvalidInputError(`cluster.coordinators.${i}: "${id}" is not a peer id (gpufleet init prints each node's, 12D3KooW…)`)
    }
  })
}
