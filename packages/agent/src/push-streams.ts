import type { Libp2p, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from 'pino'

const NEWLINE = 0x0a

interface Pusher { stream: Stream | null, opening: boolean, pending: Uint8Array | null }

/**
 * Long-lived one-way streams, one per peer and protocol, carrying newline-delimited frames (JSON
 * text has no raw newline). Gossipsub keeps such a stream per peer too; a frame on it costs the
 * receiver a decryption and a line split, not gossipsub's pipeline (its RPC decoding, scoring,
 * duplicate cache and forwarding), which measured about a millisecond per delivery here.
 */
export class PushStreams {
  private readonly pushers = new Map<string, Pusher>()

  constructor (private readonly node: Libp2p, private readonly logger: Logger, private readonly protocol: string) {
    // Entries live as long as a connection: bounded by the peers this node is connected to.
    node.addEventListener('peer:disconnect', evt => { this.pushers.delete(evt.detail.toString()) })
    // A peer back (restarted, or healed from a partition) before its old connection was found dead:
    // the stream on that old connection would swallow frames until the dead link was closed.
    node.addEventListener('connection:open', evt => {
      const pusher = this.pushers.get(evt.detail.remotePeer.toString())
      if (pusher?.stream == null) return
      pusher.stream.abort(new Error('the peer opened a newer connection'))
      pusher.stream = null
    })
  }

  /**
   * Writes one frame to `peer`. Best effort, newest first: a frame that finds the stream still
   * opening replaces the one waiting; one that meets backpressure (a peer not reading) is dropped
   * rather than queued, because the next one supersedes it.
   */
  push (peer: string, frame: Uint8Array): void {
    let pusher = this.pushers.get(peer)
    if (pusher === undefined) {
      pusher = { stream: null, opening: false, pending: null }
      this.pushers.set(peer, pusher)
    }
    const { stream } = pusher
    if (stream !== null && stream.writeStatus === 'writable') {
      this.write(stream, frame)
      return
    }
    pusher.stream = null
    pusher.pending = frame
    if (!pusher.opening) this.open(peer, pusher)
  }

  private open (peer: string, pusher: Pusher): void {
    pusher.opening = true
    // On the newest connection: an older one may be a dead link not yet noticed.
    const connection = this.node.getConnections(peerIdFromString(peer)).filter(c => c.status === 'open').sort((a, b) => b.timeline.open - a.timeline.open)[0]
    const opening = connection === undefined
      ? this.node.dialProtocol(peerIdFromString(peer), this.protocol, { signal: AbortSignal.timeout(10_000) })
      : connection.newStream(this.protocol, { signal: AbortSignal.timeout(10_000) })
    opening.then(stream => {
      if (this.pushers.get(peer) !== pusher) { stream.abort(new Error('peer disconnected')); return }
      pusher.stream = stream
      stream.addEventListener('close', () => { if (pusher.stream === stream) pusher.stream = null })
      if (pusher.pending !== null) this.write(stream, pusher.pending)
      pusher.pending = null
    }).catch((err: unknown) => {
      pusher.pending = null
      this.logger.debug({ peer, protocol: this.protocol, err: (err as Error).message }, 'cannot open a push stream')
    }).finally(() => { pusher.opening = false })
  }

  private write (stream: Stream, frame: Uint8Array): void {
    const line = new Uint8Array(frame.byteLength + 1)
    line.set(frame)
    line[frame.byteLength] = NEWLINE
    // false: the stream's buffer is full (the peer is not reading); what was sent is kept by libp2p,
    // and the next frames are dropped until it drains. A stream closing under us throws: it is then
    // aborted, and the next push opens another (a beat is never worth an exception).
    try {
      if (!stream.writableNeedsDrain) stream.send(line)
    } catch (err) {
      stream.abort(err as Error)
    }
  }
}

/**
 * Reads the frames of one inbound push stream until it ends, handing each to `onFrame`. A frame
 * longer than `maxFrameBytes` aborts the stream (a peer sending garbage costs one stream).
 */
export async function readFrames (stream: Stream, maxFrameBytes: number, onFrame: (frame: Uint8Array) => void): Promise<void> {
  let buffered: Uint8Array = new Uint8Array(0)
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    let data = buffered.byteLength === 0 ? bytes : concat(buffered, bytes)
    for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE)) {
      if (nl > maxFrameBytes) break
      onFrame(data.subarray(0, nl))
      data = data.subarray(nl + 1)
    }
    const pending = data.indexOf(NEWLINE)
    if (pending > maxFrameBytes || (pending < 0 && data.byteLength > maxFrameBytes)) {
      stream.abort(new Error(`push frame over ${maxFrameBytes} bytes`))
      return
    }
    buffered = data.byteLength === 0 ? new Uint8Array(0) : data.slice()
  }
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}
