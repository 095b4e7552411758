import type { Logger } from 'pino'
import { GOSSIP_VERSION, decodeMessageText, syncResponseSchema, type DecodeResult } from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { AgentNode, Verdict } from './components.js'
import { boundedSignal } from './signal.js'

/** Request/response: on every new connection each side pulls the other's whole inventory and plan. */
export const SYNC_PROTOCOL = '/gpufleet/sync/1.0.0'
const SYNC_MAX_BYTES = 16 * 1024 * 1024
const SYNC_REQUEST_MAX_BYTES = 4096
/** The whole exchange, reading included, is bounded: a stuck peer costs one stream this long. */
const SYNC_TIMEOUT_MS = 10_000

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface SyncComponents { clock: Clock, logger: Logger, node: AgentNode }

export interface SyncInit {
  heartbeatMs: number
  /** What this node relays: every host's last signed report, the signed plan in force and the tombstones. */
  state: () => { reports: string[], plan: string | null, tombstones: string[] }
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
  /** At most one pull per peer at a time: under load, retries must not pile up. */
  private readonly pulling = new Set<string>()

  constructor (private readonly components: SyncComponents, private readonly init: SyncInit) {}

  async start (): Promise<void> {
    const { node } = this.components
    await node.serve(SYNC_PROTOCOL, SYNC_REQUEST_MAX_BYTES, async () => encoder.encode(JSON.stringify({ v: GOSSIP_VERSION, ...this.init.state() })))
    node.on('connection:open', peer => { if (!this.synced.has(peer)) void this.pull(peer) })
    node.on('peer:disconnect', peer => {
      this.synced.delete(peer)
      this.lastPull.delete(peer)
    })
    // Connections opened while starting (bootstrap dials) came before the listener.
    for (const peer of node.connectedPeers()) void this.pull(peer)
  }

  /** A pull that failed (the peer was still starting) is retried each heartbeat until one succeeds. */
  retryPending (): void {
    for (const peer of this.components.node.connectedPeers()) if (!this.synced.has(peer)) void this.pull(peer)
  }

  isSynced (peer: string): boolean { return this.synced.has(peer) }

  async pull (peer: string): Promise<void> {
    const { clock, logger, node } = this.components
    const now = clock.now()
    if (this.init.stopped.aborted || this.pulling.has(peer) || now - (this.lastPull.get(peer) ?? -Infinity) < this.init.heartbeatMs * 2) return
    this.lastPull.set(peer, now)
    this.pulling.add(peer)
    const { signal, release } = boundedSignal(this.init.stopped, SYNC_TIMEOUT_MS)
    try {
      const response = await node.request(peer, SYNC_PROTOCOL, encoder.encode(JSON.stringify({ v: GOSSIP_VERSION })), { maxBytes: SYNC_MAX_BYTES, signal })
      const parsed = syncResponseSchema.safeParse(JSON.parse(decoder.decode(response)))
      if (!parsed.success) { this.init.rejected(); logger.warn({ peer }, 'malformed sync response'); return }
      // Tombstones first: a report they bury is then dropped instead of shown for a moment.
      const texts = [...parsed.data.tombstones, ...parsed.data.reports, ...(parsed.data.plan === null ? [] : [parsed.data.plan])]
      for (const text of texts) await this.init.receive(decodeMessageText(text, undefined, { relayed: true }), `sync:${peer}`)
      this.synced.add(peer)
      logger.debug({ peer, reports: parsed.data.reports.length }, 'synced')
    } catch (err) {
      logger.debug({ peer, err: (err as Error).message }, 'sync failed')
    } finally {
      release()
      this.pulling.delete(peer)
    }
  }
}
