import type { Logger } from 'pino'
import { GOSSIP_MAX_BYTES, decodeMessageText, type LostHostVerdict } from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { AgentNode } from './components.js'
import type { Gossip } from './gossip.js'

/** The push stream beats travel on between connected peers. */
export const BEAT_PROTOCOL = '/gpufleet/beat/1.0.0'
/**
 * …and the one full reports travel on: a stream of its own, so a beat never replaces a report
 * waiting for its stream to open (push streams keep only the newest frame).
 */
export const REPORT_PROTOCOL = '/gpufleet/report/1.0.0'
/** A beat with readings for 64 GPUs (READINGS_PER_BEAT) is ~5 KB. */
const MAX_BEAT_BYTES = 16 * 1024
/** A graceful close of a silent connection waits this long, then aborts it. */
const HANG_UP_MS = 2000

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface BeatChannelComponents { node: AgentNode, logger: Logger, clock: Clock }

export interface BeatChannelInit {
  gossip: Gossip
  /** Peer ids of the hosts this node holds online, itself excluded. */
  onlinePeers: () => Iterable<string>
  /**
   * How long an online host may stay unconnected (since its connection dropped, or since it was
   * first held online unconnected) before beats also go by gossip to reach it: the agent says one
   * beat period less one heartbeat, so the first or second beat after a drop goes by gossip and
   * the host hears one well within offlineAfter. A dial under way is not a reason to flood the
   * topic. Beats that renew a lease go by gossip without waiting: a follower's lease is shorter.
   */
  gossipAfterMs: number
  /** A connection nothing came on for this long is closed (the agent: 2 × offlineAfter). */
  silentAfterMs: number
  /**
   * What the witnesses say of an unreached host (the agent: Witness): beats do not go by gossip
   * for one they judge stopped, lease renewals excepted. Without it every unreached host counts.
   */
  verdict?: (peer: string) => LostHostVerdict
}

/**
 * How beats travel (docs/cluster.md, "Beats on push streams"). The agents keep a full mesh, so a
 * beat goes straight to each connected peer on a long-lived stream: one frame per peer, with no
 * gossipsub pipeline and no forwarded duplicates — gossipsub cost about a millisecond of CPU per
 * delivery, which at one lease renewal a second was most of an idle agent's work. A node that is
 * not connected to every host it holds online (a mesh still forming, a link that cannot be made)
 * for longer than a beat period also gossips its beats, so they reach everyone (unless the witnesses
 * judge that host stopped: see someUnreached); receivers drop the second copy by its sequence.
 * The stream's connection authenticates the sender (Noise, the swarm key), as libp2p's signature
 * does for gossip: beats stay unsigned by their author and are never relayed.
 * Full reports go the same way on a stream of their own (sendReport), and by gossip as well: signed
 * by their author, so sync and gossip can relay them.
 */
export class BeatChannel {
  /** Connected peers, with when a frame last came from each (or it connected), monotonic. */
  private readonly connected = new Map<string, number>()
  /** Online hosts not connected to this node, with since when (monotonic): bounded by the inventory. */
  private readonly unreached = new Map<string, number>()
  /** Those of them whose connection to this node dropped (the others were never connected: a mesh forming). */
  private readonly dropped = new Set<string>()
  readonly stats = { pushed: 0, gossiped: 0, hungUp: 0, reportsPushed: 0, reportsGossiped: 0 }

  constructor (private readonly components: BeatChannelComponents, private readonly init: BeatChannelInit) {}

  /** Peers connected now. */
  get connections (): number { return this.connected.size }

  /** How long ago a frame last came from `peer` (or it connected), in ms; null when not connected. */
  silentFor (peer: string): number | null {
    const heard = this.connected.get(peer)
    return heard === undefined ? null : this.components.clock.now() - heard
  }

  async start (): Promise<void> {
    const { node, logger } = this.components
    // Bounded by the connections this node has.
    node.on('connection:open', peer => { this.connected.set(peer, this.components.clock.now()) })
    node.on('peer:disconnect', peer => {
      if (!this.connected.delete(peer)) return
      this.unreached.set(peer, this.components.clock.now())
      this.dropped.add(peer)
    })
    for (const peer of node.connectedPeers()) this.connected.set(peer, this.components.clock.now())
    await node.listen(BEAT_PROTOCOL, MAX_BEAT_BYTES, (from, frame) => {
      this.received(from, frame, 'beat').catch((err: unknown) => { logger.error({ peer: from, err: (err as Error).message }, 'cannot take a beat') })
    })
    await node.listen(REPORT_PROTOCOL, GOSSIP_MAX_BYTES, (from, frame) => {
      this.received(from, frame, 'report').catch((err: unknown) => { logger.error({ peer: from, err: (err as Error).message }, 'cannot take a report') })
    })
  }

  /**
   * This node's full report (signed JSON text): first to every connected peer on its push stream,
   * then by gossip as well. The pushed copy is the fast one: through gossipsub a change reached
   * every node of 5 in about twice its raw delivery time (each receiver checks libp2p's signature
   * before the author's, and the copies the mesh forwards compete for the same cores). Gossip is
   * the one that reaches every subscriber, known or not: a host just started is connected to its
   * bootstrap peer only, and pushing alone left the others without its report for seconds (until
   * its beats, gossiped for hosts it could not reach, made them pull it). Reports go on change,
   * rarely: the second copy, dropped by its sequence, costs little.
   */
  sendReport (text: string): void {
    this.stats.reportsPushed += this.pushToConnected(REPORT_PROTOCOL, text)
    this.stats.reportsGossiped++
    this.init.gossip.send(text)
  }

  /** This node's beat (its JSON text), to every connected peer, and by gossip too while some online host is not connected (see gossipAfterMs). */
  send (text: string, renewsLease = false): void {
    this.stats.pushed += this.pushToConnected(BEAT_PROTOCOL, text)
    if (this.someUnreached(renewsLease ? 0 : this.init.gossipAfterMs)) {
      this.stats.gossiped++
      this.init.gossip.send(text)
    }
  }

  /** One frame of `text` to every connected peer on `protocol`; returns how many. */
  private pushToConnected (protocol: string, text: string): number {
    const { node } = this.components
    const frame = encoder.encode(text)
    for (const peer of this.connected.keys()) node.push(peer, protocol, frame)
    this.init.gossip.bytes.out += frame.byteLength * this.connected.size
    return this.connected.size
  }

  /**
   * Whether some host held online has not been connected to this node for a whole beat period:
   * its beats would not reach it otherwise. Shorter gaps — a dial under way, a cold start of many
   * agents at once, a peer reconnecting — are not: at 50 agents starting together, every beat went
   * by gossip too while the mesh formed, ~50 × 49 deliveries per beat period on top of the pushes.
   * Nor is a host the witnesses judge stopped (decision 46): at 50 agents, every agent gossiping its
   * beats for a killed leader until it went offline saturated the machine and delayed the next
   * leader's renewals past its followers' leases. A leader's renewal goes by gossip for any
   * unreached host at once, stopped or not: a follower that misses it claims (decision 45).
   */
  private someUnreached (graceMs: number): boolean {
    const now = this.components.clock.now()
    for (const [peer, since] of this.unreachedNow()) {
      if (now - since < graceMs) continue
      if (graceMs === 0 || this.init.verdict?.(peer) !== 'stopped') return true
    }
    return false
  }

  /**
   * The hosts held online that this node is not connected to, each with since when (monotonic:
   * the connection dropped, or the host was first held online unconnected).
   */
  unreachedNow (): ReadonlyMap<string, number> {
    const now = this.components.clock.now()
    const still = new Set<string>()
    for (const peer of this.init.onlinePeers()) {
      if (this.connected.has(peer)) continue
      still.add(peer)
      if (!this.unreached.has(peer)) this.unreached.set(peer, now)
    }
    for (const peer of this.unreached.keys()) {
      if (still.has(peer)) continue
      this.unreached.delete(peer)
      this.dropped.delete(peer)
    }
    return this.unreached
  }

  /**
   * The unreached hosts whose connection to this node dropped, with since when: those the
   * witnesses are asked about. One never connected is a mesh still forming (a cold start): asking
   * about it would add requests when the fleet is busiest, and its beats go by gossip as before.
   */
  droppedNow (): Map<string, number> {
    const out = new Map<string, number>()
    for (const [peer, since] of this.unreachedNow()) if (this.dropped.has(peer)) out.set(peer, since)
    return out
  }

  /**
   * Every heartbeat: closes the connections no frame came on for `silentAfterMs`. Every agent beats
   * to each connected peer three times per offlineAfter, so such a connection is a dead link TCP
   * has not noticed or one wedged mid-handshake (seen at a cold start of 50 agents: both ends
   * established, neither reading). libp2p's ping monitor, off in the agent, used to catch these;
   * closing lets libp2p's keep-alive redial the peer.
   */
  closeSilent (): void {
    const { node, clock, logger } = this.components
    const now = clock.now()
    for (const [peer, heard] of this.connected) {
      if (now - heard < this.init.silentAfterMs) continue
      // Stamped now: a close that hangs gets a whole period before the next try.
      this.connected.set(peer, now)
      this.stats.hungUp++
      logger.info({ peer, silentMs: now - heard }, 'closing a connection nothing came on')
      node.hangUp(peer, AbortSignal.timeout(HANG_UP_MS)).catch((err: unknown) => {
        logger.warn({ peer, err: (err as Error).message }, 'cannot close a silent connection')
      })
    }
  }

  /**
   * A frame from a connected peer: decoded and checked as gossip is (its author must be the peer
   * that pushed it; a report's signature is verified), and only the stream's own kind is taken.
   */
  private async received (from: string, frame: Uint8Array, kind: 'beat' | 'report'): Promise<void> {
    const { gossip } = this.init
    if (this.connected.has(from)) this.connected.set(from, this.components.clock.now())
    gossip.bytes.in += frame.byteLength
    const decoded = decodeMessageText(decoder.decode(frame), from)
    const wrongKind = decoded.ok && decoded.message.type !== kind
    await gossip.receive(wrongKind ? { ok: false, reason: `a ${decoded.message.type} message on the ${kind} stream` } : decoded, `${kind}:${from}`)
  }
}
