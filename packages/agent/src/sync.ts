import type { Logger } from 'pino'
import { GOSSIP_VERSION, decodeMessageText, syncRequestSchema, syncResponseSchema, type DecodeResult, type SyncRequest } from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { AgentNode, Verdict } from './components.js'
import { boundedSignal } from './signal.js'

/** Request/response: on every new connection each side pulls what it lacks of the other's inventory, and its plan. */
export const SYNC_PROTOCOL = '/gpufleet/sync/1.0.0'
const SYNC_MAX_BYTES = 16 * 1024 * 1024
/** A digest of ~5,000 hosts; a larger one is not sent (the answer is then everything). */
const SYNC_REQUEST_MAX_BYTES = 256 * 1024
/** The whole exchange, reading included, is bounded: a stuck peer costs one stream this long. */
const SYNC_TIMEOUT_MS = 10_000
/**
 * Pulls in flight at once. A node joining a fleet of 50 opens ~50 connections within a second; pulled
 * all at once, each peer would send it the whole inventory. One after another, the first answer
 * fills it and the next requests carry a digest that leaves almost nothing to send.
 */
const MAX_PULLS = 2

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface SyncComponents { clock: Clock, logger: Logger, node: AgentNode }

export interface SyncInit {
  heartbeatMs: number
  /**
   * What this node relays: every host's last signed report — only those newer than the asker's
   * digest `have` (hostname → report sequence) when it sent one — the signed plan in force, the
   * leader's signed alert list and the tombstones.
   */
  state: (asked: Omit<SyncRequest, 'v'> | undefined) => { reports: string[], plan: string | null, tombstones: string[], alerts: string | null }
  /** This node's digest, sent with each pull: its reports' sequences, its plan, its alert list's digest. */
  digest: () => Omit<SyncRequest, 'v'>
  /** Where relayed messages go: the same checks as gossip (Gossip.receive). */
  receive: (decoded: DecodeResult, via: string) => Promise<Verdict>
  /** Aborted when the agent stops: pulls in flight end at once. */
  stopped: AbortSignal
  /** A malformed response counts as a rejected message. */
  rejected: () => void
}

/**
 * Pull a peer's whole state when a connection opens: a newcomer, or a node back from a
 * partition, gets every host at once — offline ones included — and the plan in force. Every
 * relayed report and plan is checked against its author's signature, as if gossiped.
 */
export class Sync {
  private readonly lastPull = new Map<string, number>()
  /** Peers whose state we pulled on the connection we have with them now. */
  private readonly synced = new Set<string>()
  /** Connected peers not pulled yet (bounded by the connections): what the heartbeat retries, instead of listing every connection. */
  private readonly unsynced = new Set<string>()
  /** At most one pull per peer at a time: under load, retries must not pile up. */
  private readonly pulling = new Set<string>()
  private turn = 0
  private lastRepair = -Infinity

  constructor (private readonly components: SyncComponents, private readonly init: SyncInit) {}

  async start (): Promise<void> {
    const { node } = this.components
    await node.serve(SYNC_PROTOCOL, SYNC_REQUEST_MAX_BYTES, async request => {
      let asked: SyncRequest | undefined
      try {
        // A request this node cannot read (another version) gets everything, as before digests existed.
        const parsed = syncRequestSchema.safeParse(JSON.parse(decoder.decode(request)))
        if (parsed.success) asked = parsed.data
      } catch { /* not JSON: answered in full */ }
      return encoder.encode(JSON.stringify({ v: GOSSIP_VERSION, ...this.init.state(asked) }))
    })
    const opened = (peer: string): void => {
      if (this.synced.has(peer)) return
      this.unsynced.add(peer)
      void this.pull(peer)
    }
    node.on('connection:open', opened)
    node.on('peer:disconnect', peer => {
      this.synced.delete(peer)
      this.unsynced.delete(peer)
      this.lastPull.delete(peer)
    })
    // Connections opened while starting (bootstrap dials) came before the listener.
    for (const peer of node.connectedPeers()) opened(peer)
  }

  /** A pull that failed (the peer was still starting) is retried each heartbeat until one succeeds. */
  retryPending (): void {
    for (const peer of this.unsynced) void this.pull(peer)
  }

  isSynced (peer: string): boolean { return this.synced.has(peer) }

  /**
   * Anti-entropy, every few heartbeats: one connected peer, in turn, is asked for what this node
   * lacks (its digest goes with the request), so an update missed by gossip is repaired without
   * anyone resending everything.
   */
  exchangeDigest (): void {
    const peers = this.components.node.connectedPeers()
    if (peers.length === 0) return
    void this.pull(peers[this.turn++ % peers.length]!)
  }

  /**
   * A beat told this node it missed `author`'s report: pull from the author when connected to it,
   * else from the next connected peer (the one that relayed the beat is likely to hold the
   * report); at most one such pull per heartbeat.
   */
  repair (author: string): void {
    const { clock, node } = this.components
    if (node.isConnected(author)) { void this.pull(author); return }
    const now = clock.now()
    if (now - this.lastRepair < this.init.heartbeatMs) return
    this.lastRepair = now
    this.exchangeDigest()
  }

  async pull (peer: string): Promise<void> {
    const { clock, logger, node } = this.components
    const now = clock.now()
    if (this.init.stopped.aborted || this.pulling.has(peer) || now - (this.lastPull.get(peer) ?? -Infinity) < this.init.heartbeatMs * 2) return
    // Left in `unsynced` when too many are in flight: the next pull to end, or the heartbeat, starts it.
    if (this.pulling.size >= MAX_PULLS) return
    this.lastPull.set(peer, now)
    this.pulling.add(peer)
    const { signal, release } = boundedSignal(this.init.stopped, SYNC_TIMEOUT_MS)
    try {
      let request = encoder.encode(JSON.stringify({ v: GOSSIP_VERSION, ...this.init.digest() }))
      if (request.byteLength > SYNC_REQUEST_MAX_BYTES) request = encoder.encode(JSON.stringify({ v: GOSSIP_VERSION }))
      const response = await node.request(peer, SYNC_PROTOCOL, request, { maxBytes: SYNC_MAX_BYTES, signal })
      const parsed = syncResponseSchema.safeParse(JSON.parse(decoder.decode(response)))
      if (!parsed.success) { this.init.rejected(); logger.warn({ peer }, 'malformed sync response'); return }
      // Tombstones first: a report they bury is then dropped instead of shown for a moment.
      const texts = [...parsed.data.tombstones, ...parsed.data.reports, ...[parsed.data.plan, parsed.data.alerts].filter(t => t !== null)]
      for (const text of texts) await this.init.receive(decodeMessageText(text, undefined, { relayed: true }), `sync:${peer}`)
      this.synced.add(peer)
      this.unsynced.delete(peer)
      logger.debug({ peer, reports: parsed.data.reports.length }, 'synced')
    } catch (err) {
      logger.debug({ peer, err: (err as Error).message }, 'sync failed')
    } finally {
      release()
      this.pulling.delete(peer)
      this.pullNext()
    }
  }

  /** The next connected peer not pulled yet, if any (the pulls of a join run one after another). */
  private pullNext (): void {
    for (const next of this.unsynced) {
      if (this.pulling.has(next)) continue
      void this.pull(next)
      return
    }
  }
}
