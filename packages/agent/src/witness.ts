import type { Logger } from 'pino'
import { GOSSIP_VERSION, WITNESS_MAX_HOSTS, judgeLostHost, witnessFrameSchema, type LostHostVerdict, type WitnessAnswer, type WitnessFrame } from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { AgentNode } from './components.js'

/** The push stream questions and answers travel on (core's witness.ts says what they are for). */
export const WITNESS_PROTOCOL = '/gpufleet/witness/1.0.0'
/** Peers asked each round: SWIM's k. One alone could be a peer whose own loss is still in flight. */
const WITNESSES = 2
/** 64 peer ids of ~52 characters, or 64 answers, with the JSON around them. */
const MAX_FRAME_BYTES = 8 * 1024

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface WitnessComponents { node: AgentNode, clock: Clock, logger: Logger }

export interface WitnessInit {
  heartbeatMs: number
  /** A verdict is asked again after this long (the agent: a beat period): a host may stop, or be heard again. */
  recheckMs: number
  /** How long ago this node last heard from the host with this peer id, by any path (ms); null: never. */
  heardMs: (peer: string) => number | null
}

/** A host this node holds online but is not connected to, and what was last concluded of it. */
interface Lost { since: number, verdict: LostHostVerdict, judgedAt: number }

/** The round in flight: the question, the witnesses yet to answer, the answers so far. */
interface Round { id: number, peers: string[], waiting: Set<string>, answers: WitnessAnswer[][], timer: ReturnType<typeof setTimeout> }

/**
 * Asks connected peers about the hosts this node lost (SWIM's indirect probe; core's witness.ts
 * says why), and answers their questions. Questions and answers go as frames on push streams (one
 * long-lived stream per peer, as beats), not as a request on a new stream each: a request cost a
 * stream negotiation and close, several more segments each way on links that, under packet loss,
 * also carry the leader's lease renewals. One round at a time (see due()): two frames out and two
 * back, whatever the number of hosts.
 */
export class Witness {
  /** Bounded by the hosts held online (the caller's `dropped`). */
  private readonly lost = new Map<string, Lost>()
  private round: Round | null = null
  private lastId = 0
  readonly stats = { rounds: 0, unanswered: 0, malformed: 0 }

  constructor (private readonly components: WitnessComponents, private readonly init: WitnessInit) {}

  async start (): Promise<void> {
    await this.components.node.listen(WITNESS_PROTOCOL, MAX_FRAME_BYTES, (from, frame) => { this.received(from, frame) })
  }

  /** Ends the round in flight (its timer). */
  stop (): void {
    if (this.round !== null) clearTimeout(this.round.timer)
    this.round = null
  }

  /** What was last concluded of a host this node is not connected to ('unknown' until a round answers). */
  verdict (peer: string): LostHostVerdict {
    return this.lost.get(peer)?.verdict ?? 'unknown'
  }

  /**
   * Every heartbeat, with the hosts this node lost (held online, connection dropped), each with
   * since when (monotonic): starts a round when one of them is due.
   */
  tick (dropped: ReadonlyMap<string, number>): void {
    for (const peer of this.lost.keys()) if (!dropped.has(peer)) this.lost.delete(peer)
    for (const [peer, since] of dropped) {
      const known = this.lost.get(peer)
      // A host lost again after a reconnection is judged afresh.
      if (known === undefined || known.since !== since) this.lost.set(peer, { since, verdict: 'unknown', judgedAt: -Infinity })
    }
    if (this.round !== null) return
    const now = this.components.clock.now()
    const peers = [...this.lost].filter(([, l]) => this.due(l, now)).map(([peer]) => peer).slice(0, WITNESS_MAX_HOSTS)
    if (peers.length === 0) return
    const witnesses = pick(this.components.node.connectedPeers().filter(p => !dropped.has(p)), WITNESSES)
    if (witnesses.length === 0) return
    this.stats.rounds++
    const id = ++this.lastId
    // Answers that do not come within a heartbeat are not waited for: the round ends with what came.
    const timer = setTimeout(() => { this.conclude(id) }, this.init.heartbeatMs)
    timer.unref()
    this.round = { id, peers, waiting: new Set(witnesses), answers: [], timer }
    const question = encoder.encode(JSON.stringify({ v: GOSSIP_VERSION, type: 'ask', id, peers } satisfies WitnessFrame))
    for (const w of witnesses) this.components.node.push(w, WITNESS_PROTOCOL, question)
  }

  /**
   * Each heartbeat while a host lost less than a beat period ago is unjudged (beats start going by
   * gossip for it a heartbeat before that), every beat period otherwise.
   */
  private due (lost: Lost, now: number): boolean {
    const every = lost.verdict === 'unknown' && now - lost.since < this.init.recheckMs ? this.init.heartbeatMs : this.init.recheckMs
    return now - lost.judgedAt >= every
  }

  /** A question (answered on this node's own stream to the asker) or answers to this node's round. */
  private received (from: string, frame: Uint8Array): void {
    const { node, logger } = this.components
    let parsed: ReturnType<typeof witnessFrameSchema.safeParse>
    try {
      parsed = witnessFrameSchema.safeParse(JSON.parse(decoder.decode(frame)))
    } catch {
      parsed = { success: false } as typeof parsed
    }
    if (!parsed.success) {
      this.stats.malformed++
      logger.debug({ peer: from }, 'a malformed witness frame')
      return
    }
    const msg = parsed.data
    if (msg.type === 'ask') {
      const answers = msg.peers.map((peer): WitnessAnswer => ({ connected: node.isConnected(peer), heardMs: this.init.heardMs(peer) }))
      node.push(from, WITNESS_PROTOCOL, encoder.encode(JSON.stringify({ v: GOSSIP_VERSION, type: 'answers', id: msg.id, answers } satisfies WitnessFrame)))
      return
    }
    const round = this.round
    // Late (a round that ended), unasked, or not one answer per host asked: not taken.
    if (round === null || round.id !== msg.id || !round.waiting.has(from) || msg.answers.length !== round.peers.length) return
    round.waiting.delete(from)
    round.answers.push(msg.answers)
    if (round.waiting.size === 0) this.conclude(round.id)
  }

  /** Judges every host of round `id` from the answers it got. */
  private conclude (id: number): void {
    const round = this.round
    if (round === null || round.id !== id) return
    clearTimeout(round.timer)
    this.round = null
    this.stats.unanswered += round.waiting.size
    const now = this.components.clock.now()
    for (const [i, peer] of round.peers.entries()) {
      const lost = this.lost.get(peer)
      if (lost === undefined) continue
      const answers = round.answers.map(a => a[i]!)
      const verdict = judgeLostHost(answers, now - lost.since, this.init.heartbeatMs, this.init.heardMs(peer))
      if (verdict !== lost.verdict) this.components.logger.debug({ peer, verdict, lostMs: now - lost.since, answers }, 'judged a host this node lost')
      lost.verdict = verdict
      lost.judgedAt = now
    }
  }
}

/** Up to `n` of `from`, at random: a different pair each round, so one slow peer does not decide every time. */
function pick (from: string[], n: number): string[] {
  const pool = [...from]
  for (let i = 0; i < Math.min(n, pool.length); i++) {
    const j = i + Math.floor(Math.random() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
  }
  return pool.slice(0, n)
}
