import { EventEmitter } from 'node:events'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { KEEP_ALIVE, type PrivateKey, type Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import type { AgentNode, AgentNodeEvents, Verdict } from './components.js'
import type { FleetNode } from './node.js'
import { peerIdOf } from './identity.js'
import { signMessage } from './signing.js'
import { PushStreams, readFrames } from './push-streams.js'

const VERDICTS: Record<Verdict, TopicValidatorResult> = { accepted: TopicValidatorResult.Accept, ignored: TopicValidatorResult.Ignore, rejected: TopicValidatorResult.Reject }
/** The tag libp2p's reconnect queue looks for (any tag starting with KEEP_ALIVE). */
const KEEP_TAG = `${KEEP_ALIVE}-gpufleet`

/** The AgentNode contract over a started libp2p node (createFleetNode). */
export function libp2pAgentNode (node: FleetNode, key: PrivateKey, logger: Logger): AgentNode {
  const events = new EventEmitter<AgentNodeEvents>()
  const pubsub = node.services.pubsub
  node.addEventListener('connection:open', evt => { events.emit('connection:open', evt.detail.remotePeer.toString()) })
  node.addEventListener('peer:disconnect', evt => { events.emit('peer:disconnect', evt.detail.toString()) })
  node.addEventListener('peer:discovery', evt => { events.emit('peer:discovery', evt.detail.id.toString(), evt.detail.multiaddrs.map(String)) })
  node.addEventListener('peer:reconnect-failure', evt => { events.emit('peer:reconnect-failure', evt.detail.toString()) })
  pubsub.addEventListener('subscription-change', evt => {
    for (const s of evt.detail.subscriptions) if (s.subscribe) events.emit('topic:joined', evt.detail.peerId.toString(), s.topic)
  })
  const peerId = peerIdOf(key)
  const pushStreams = new Map<string, PushStreams>()
  return {
    peerId,
    addrs: () => node.getMultiaddrs().map(String),
    sign: async message => await signMessage(key, message),
    subscribe: (topic, validate) => {
      pubsub.topicValidators.set(topic, async (_peer, msg) => VERDICTS[await validate(msg.type === 'signed' ? msg.from.toString() : undefined, msg.data)])
      pubsub.subscribe(topic)
    },
    publish: async (topic, data) => { await pubsub.publish(topic, data) },
    subscriberCount: topic => pubsub.getSubscribers(topic).length,
    connectedPeers: () => node.getPeers().map(String),
    isConnected: peer => node.getConnections(peerIdFromString(peer)).length > 0,
    dial: async (target, signal) => {
      await node.dial(target.startsWith('/') ? multiaddr(target) : peerIdFromString(target), { signal })
    },
    hangUp: async (peer, signal) => { await node.hangUp(peerIdFromString(peer), { signal }) },
    keepAlive: async peer => {
      await node.peerStore.merge(peerIdFromString(peer), { tags: { [KEEP_TAG]: { value: 100 } } })
    },
    serve: async (protocol, maxRequestBytes, answer) => {
      await node.handle(protocol, stream => { void serveOne(stream, maxRequestBytes, answer) })
    },
    request: async (peer, protocol, body, { maxBytes, signal }) => {
      const stream = await node.dialProtocol(peerIdFromString(peer), protocol, { signal })
      const onAbort = (): void => { stream.abort(new Error(`${protocol} timed out`)) }
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        // Writing first makes libp2p send the protocol header (it negotiates lazily), then half-close.
        stream.send(body)
        await stream.close({ signal })
        return await readAll(stream, maxBytes, `${protocol} response`)
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    },
    push: (peer, protocol, frame) => {
      let streams = pushStreams.get(protocol)
      if (streams === undefined) pushStreams.set(protocol, streams = new PushStreams(node, logger, protocol))
      streams.push(peer, frame)
    },
    listen: async (protocol, maxFrameBytes, onFrame) => {
      await node.handle(protocol, (stream, connection) => {
        const from = connection.remotePeer.toString()
        readFrames(stream, maxFrameBytes, frame => { onFrame(from, frame) }).catch((err: unknown) => {
          logger.debug({ peer: from, protocol, err: (err as Error).message }, 'push stream ended')
        })
      }, { maxInboundStreams: 4 })
    },
    on: (event, listener) => events.on(event, listener as never),
    stop: async () => { await node.stop() }
  }
}

async function serveOne (stream: Stream, maxRequestBytes: number, answer: (request: Uint8Array) => Promise<Uint8Array>): Promise<void> {
  try {
    // Read the request to its end (the asker half-closes): it is small, and bounded anyway.
    const request = await readAll(stream, maxRequestBytes, 'request')
    stream.send(await answer(request))
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** A stream's bytes to its end; past `maxBytes` the stream is aborted and this throws. */
async function readAll (stream: Stream, maxBytes: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    size += bytes.byteLength
    if (size > maxBytes) {
      const err = new Error(`${what} too large`)
      stream.abort(err)
      throw err
    }
    chunks.push(bytes)
  }
  return Buffer.concat(chunks)
}
