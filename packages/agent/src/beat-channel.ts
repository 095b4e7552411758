import type { Logger } from 'pino'
import { decodeMessageText } from '@gpufleet/core'
import type { AgentNode } from './components.js'
import type { Gossip } from './gossip.js'

/** The push stream beats travel on between connected peers. */
export const BEAT_PROTOCOL = '/gpufleet/beat/1.0.0'
/** A beat with readings for 64 GPUs (READINGS_PER_BEAT) is ~5 KB. */
const MAX_BEAT_BYTES = 16 * 1024

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface BeatChannelComponents { node: AgentNode, logger: Logger }

export interface BeatChannelInit {
  gossip: Gossip
  /** Peer ids of the hosts this node holds online, itself excluded. */
  onlinePeers: () => Iterable<string>
}

/**
 * How beats travel (docs/cluster.md, "Beats on push streams"). The agents keep a full mesh, so a
 * beat goes straight to each connected peer on a long-lived stream: one frame per peer, with no
 * gossipsub pipeline and no forwarded duplicates — gossipsub cost about a millisecond of CPU per
 * delivery, which at one lease renewal a second was most of an idle agent's work. A node that is
 * not connected to every host it holds online (a mesh still forming, a link that cannot be made)
 * also gossips its beats, so they reach everyone; receivers drop the second copy by its sequence.
 * The stream's connection authenticates the sender (Noise, the swarm key), as libp2p's signature
 * does for gossip: beats stay unsigned by their author and are never relayed.
 */
export class BeatChannel {
  private readonly connected = new Set<string>()
  readonly stats = { pushed: 0, gossiped: 0 }

  constructor (private readonly components: BeatChannelComponents, private readonly init: BeatChannelInit) {}

  async start (): Promise<void> {
    const { node, logger } = this.components
    // Bounded by the connections this node has.
    node.on('connection:open', peer => { this.connected.add(peer) })
    node.on('peer:disconnect', peer => { this.connected.delete(peer) })
    for (const peer of node.connectedPeers()) this.connected.add(peer)
    await node.listen(BEAT_PROTOCOL, MAX_BEAT_BYTES, (from, frame) => {
      this.received(from, frame).catch((err: unknown) => { logger.error({ peer: from, err: (err as Error).message }, 'cannot take a beat') })
    })
  }

  /** This node's beat (its JSON text), to every connected peer, and by gossip too while some online host is not connected. */
  send (text: string): void {
    const { node } = this.components
    const frame = encoder.encode(text)
    for (const peer of this.connected) node.push(peer, BEAT_PROTOCOL, frame)
    this.stats.pushed += this.connected.size
    this.init.gossip.bytes.out += frame.byteLength * this.connected.size
    if (this.someUnreached()) {
      this.stats.gossiped++
      this.init.gossip.send(text)
    }
  }

  private someUnreached (): boolean {
    for (const peer of this.init.onlinePeers()) if (!this.connected.has(peer)) return true
    return false
  }

  /** A frame from a connected peer: decoded and checked as gossip is, and only a beat is taken. */
  private async received (from: string, frame: Uint8Array): Promise<void> {
    const { gossip } = this.init
    gossip.bytes.in += frame.byteLength
    const decoded = decodeMessageText(decoder.decode(frame), from)
    const notBeat = decoded.ok && decoded.message.type !== 'beat'
    await gossip.receive(notBeat ? { ok: false, reason: `a ${decoded.message.type} message on the beat stream` } : decoded, `beat:${from}`)
  }
}
