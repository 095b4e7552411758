import type { Logger } from 'pino'
import {
  GOSSIP_VERSION, decodeGossip,
  type AlertsMessage, type BeatMessage, type DecodeResult, type ForgetMessage, type GossipMessage, type LeaderMessage, type PlanMessage, type ReportMessage, type SpendMessage
} from '@gpufleet/core'
import type { AgentNode, Verdict } from './components.js'
import { verifyAuthor } from './signing.js'

export type Unsigned<M> = Omit<M, 'signature'>

/**
 * Where each kind of message goes once verified; each says whether it changed anything, or
 * 'rejected' when its author had no right to send it (not forwarded, counted as rejected).
 */
export interface GossipHandlers {
  report: (msg: ReportMessage, raw: string) => boolean
  leader: (msg: LeaderMessage) => boolean | 'rejected'
  plan: (msg: PlanMessage, raw: string) => boolean | 'rejected'
  alerts: (msg: AlertsMessage, raw: string) => boolean | 'rejected'
  /** Tombstones; absent where a test wires no forgetting (they are then ignored). */
  forget?: (msg: ForgetMessage, raw: string) => boolean | 'rejected'
  /** Peers' gateway spending (the cost ledger's fleet totals); absent where a test wires no ledger. */
  spend?: (msg: SpendMessage) => boolean
  /** A host's beat between full reports: liveness, readings, the leader's lease (judged as a claim); absent where a test wires none (ignored). */
  beat?: (msg: BeatMessage) => boolean | 'rejected'
}

export interface GossipComponents { node: AgentNode, logger: Logger }

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The fleet's topic. In: decode (size, JSON, schema, who vouches) → verify the author's
 * signature → dispatch to the component that owns that kind of message. Out: sign and publish.
 * Messages relayed by sync, and beats pushed on their own streams (beat-channel.ts), come in
 * through receive() and pass the same checks.
 *
 * Gossipsub drops duplicates before this validator (fastMsgIdFn in node.ts), so each unique
 * message is verified once. Leader claims carry only libp2p's signature, beats only what vouches
 * for their path (libp2p's signature, or the push stream's authenticated connection); reports,
 * plans, alerts, tombstones and spend totals also their author's (sync relays the first four).
 */
export class Gossip {
  readonly topic: string
  /** `unauthorized`: of the rejected, those whose author had no right to send them (docs/reliability.md, "Who may lead"). */
  readonly stats = { received: 0, rejected: 0, ignored: 0, published: 0, unauthorized: 0 }
  /** Payload bytes of fleet messages: unique ones validated (in) and published (out); gossipsub's own framing and forwarding are not counted. */
  readonly bytes = { in: 0, out: 0 }
  private handlers: GossipHandlers | null = null
  private stopped = false

  constructor (private readonly components: GossipComponents, cluster: string) {
    this.topic = `gpufleet/${cluster}/v${GOSSIP_VERSION}`
  }

  /** This node's peer id: the author of what it publishes. */
  get self (): string { return this.components.node.peerId }

  start (handlers: GossipHandlers): void {
    this.handlers = handlers
    this.components.node.subscribe(this.topic, async (from, data) => {
      this.bytes.in += data.byteLength
      return await this.receive(decodeGossip(data, from, decoder), from ?? 'unknown')
    })
  }

  stop (): void { this.stopped = true }

  /**
   * One message from gossip, a push stream or a sync response: verified, then dispatched. The
   * author signature of what sync relays (reports, plans, alerts, tombstones, spend) is checked on
   * every path, gossip too: a node must never keep what it could not relay. Those kinds are rare
   * (sent on change); the frequent ones, beats and claims, carry none.
   */
  async receive (decoded: DecodeResult, via: string): Promise<Verdict> {
    this.stats.received++
    let reason: string | null = decoded.ok ? null : decoded.reason
    if (decoded.ok && decoded.signed !== null && !(await verifyAuthor(decoded.message.peerId, decoded.signed.bytes, decoded.signed.signature))) {
      reason = `bad signature: not written by ${decoded.message.peerId}`
    }
    if (!decoded.ok || reason !== null) {
      this.stats.rejected++
      this.components.logger.warn({ via, reason }, 'message rejected')
      return 'rejected'
    }
    const outcome = this.dispatch(decoded.message, decoded.text)
    if (outcome === 'rejected') { this.stats.rejected++; this.stats.unauthorized++; return 'rejected' }
    if (!outcome) this.stats.ignored++
    return outcome ? 'accepted' : 'ignored'
  }

  private dispatch (msg: GossipMessage, raw: string): boolean | 'rejected' {
    const handlers = this.handlers
    if (handlers === null) return false
    switch (msg.type) {
      case 'report': return handlers.report(msg, raw)
      case 'leader': return handlers.leader(msg)
      case 'plan': return handlers.plan(msg, raw)
      case 'alerts': return handlers.alerts(msg, raw)
      case 'forget': return handlers.forget?.(msg, raw) ?? false
      case 'spend': return handlers.spend?.(msg) ?? false
      case 'beat': return handlers.beat?.(msg) ?? false
    }
  }

  /** Signs with this node's identity key; the caller applies the message locally and publishes `text`. */
  async sign<M extends { signature: string }> (unsigned: Unsigned<M>): Promise<{ message: M, text: string }> {
    return await this.components.node.sign(unsigned) as unknown as { message: M, text: string }
  }

  /**
   * Publishes without waiting for the peers' streams: a heartbeat must not wait on a slow
   * peer's backpressure (it would delay this host's next report, and others would see it go
   * offline).
   */
  send (text: string): void { void this.publish(text) }

  /** Publishing is best effort (it never throws): gossip is repeated every heartbeat, and sync fills gaps. */
  async publish (text: string): Promise<void> {
    if (this.stopped) return
    try {
      const data = encoder.encode(text)
      await this.components.node.publish(this.topic, data)
      this.stats.published++
      this.bytes.out += data.byteLength
    } catch (err) {
      this.components.logger.debug({ err: (err as Error).message }, 'publish failed')
    }
  }
}
