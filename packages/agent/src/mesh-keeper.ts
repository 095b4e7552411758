import type { Logger } from 'pino'
import type { AgentNode } from './components.js'
import { boundedSignal } from './signal.js'

export interface MeshKeeperComponents { logger: Logger, node: AgentNode }

export interface MeshKeeperInit {
  /** Configured bootstrap multiaddrs (with /p2p/): kept connected whatever the id order. */
  bootstrap: readonly string[]
  stopped: AbortSignal
}

const DIAL_TIMEOUT_MS = 5000
const PEER_IN_ADDR = /\/p2p\/([1-9A-HJ-NP-Za-km-z]+)$/

/**
 * Small fleets are full meshes. For each pair the smaller peer id dials (bootstrap peers are
 * dialed by everyone), once, and only while not connected; a connection made is tagged
 * keep-alive so libp2p itself redials it when it drops. Only when libp2p gives up (its
 * reconnect retries spent) does the next sweep dial again.
 */
export class MeshKeeper {
  /** Peers libp2p keeps connected for us (tagged keep-alive, reconnect not given up). */
  private readonly kept = new Set<string>()
  /** At most one dial per peer at a time: under load, retries must not pile up. */
  private readonly dialing = new Set<string>()

  constructor (private readonly components: MeshKeeperComponents, private readonly init: MeshKeeperInit) {}

  start (): void {
    const { node } = this.components
    node.on('peer:discovery', (peer, addrs) => { this.offer(peer, addrs) })
    node.on('peer:reconnect-failure', peer => { this.kept.delete(peer) })
  }

  /** A peer heard of (discovery, its report): dialed if it is ours to dial and not connected. */
  offer (peer: string, addrs: readonly string[]): void {
    if (!(this.components.node.peerId < peer)) return
    void this.dial(peer, addrs.find(a => a.includes(peer)) ?? peer)
  }

  /** Each heartbeat: peers known from the inventory, and bootstrap peers, that libp2p does not keep. */
  sweep (known: Iterable<{ peerId: string, addrs: readonly string[] }>): void {
    for (const entry of known) if (!this.kept.has(entry.peerId)) this.offer(entry.peerId, entry.addrs)
    for (const addr of this.init.bootstrap) {
      const peer = PEER_IN_ADDR.exec(addr)?.[1]
      if (peer !== undefined && !this.kept.has(peer)) void this.dial(peer, addr)
    }
  }

  private async dial (peer: string, target: string): Promise<void> {
    const { node, logger } = this.components
    if (this.init.stopped.aborted || peer === node.peerId || this.dialing.has(peer)) return
    this.dialing.add(peer)
    const { signal, release } = boundedSignal(this.init.stopped, DIAL_TIMEOUT_MS)
    try {
      if (!node.isConnected(peer)) await node.dial(target, signal)
      if (!this.kept.has(peer)) await this.keep(peer)
    } catch (err) {
      logger.debug({ peer, err: (err as Error).message }, 'dial failed')
    } finally {
      release()
      this.dialing.delete(peer)
    }
  }

  private async keep (peer: string): Promise<void> {
    this.kept.add(peer)
    try {
      await this.components.node.keepAlive(peer)
    } catch (err) {
      this.kept.delete(peer)
      this.components.logger.debug({ peer, err: (err as Error).message }, 'cannot tag a peer keep-alive')
    }
  }
}
