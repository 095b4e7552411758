import type { Logger } from 'pino'
import type { HostReport } from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { FleetStore } from './store.js'

/** What a gossip validator answers: accepted messages are delivered and forwarded, others not. */
export type Verdict = 'accepted' | 'ignored' | 'rejected'

/** The node's events, with peers named by their id string. */
export interface AgentNodeEvents {
  /** A connection opened (one per connection: a peer may open several). */
  'connection:open': [peer: string]
  /** The last connection to a peer closed. */
  'peer:disconnect': [peer: string]
  /** Discovery (mDNS, bootstrap) found a peer at these addresses. */
  'peer:discovery': [peer: string, addrs: string[]]
  /** A peer subscribed to a topic. */
  'topic:joined': [peer: string, topic: string]
  /** libp2p gave up reconnecting to a kept-alive peer (its keep-alive tag is gone). */
  'peer:reconnect-failure': [peer: string]
}

/**
 * The libp2p node as the agent's components use it: identity, gossip, connections and one
 * request/response exchange. libp2p-node.ts implements it over a real libp2p node; tests pass a
 * fake that connects agents in memory.
 */
export interface AgentNode {
  readonly peerId: string
  /** Listening addresses with /p2p/<id>. */
  addrs: () => string[]
  /** Adds the author's signature (this node's identity key) over the message's JSON. */
  sign: <T extends object>(message: T) => Promise<{ message: T & { signature: string }, text: string }>

  /** Subscribes, with a validator that decides delivery and forwarding of every message. */
  subscribe: (topic: string, validate: (from: string | undefined, data: Uint8Array) => Promise<Verdict>) => void
  publish: (topic: string, data: Uint8Array) => Promise<void>
  subscriberCount: (topic: string) => number

  connectedPeers: () => string[]
  isConnected: (peer: string) => boolean
  /** Dials a multiaddr (with /p2p/) or a peer id whose addresses the node knows. */
  dial: (target: string, signal: AbortSignal) => Promise<void>
  /** Closes every connection to this peer: gracefully until `signal` aborts, then at once. */
  hangUp: (peer: string, signal: AbortSignal) => Promise<void>
  /** Asks libp2p to keep a connection to this peer open: it redials on its own when it drops. */
  keepAlive: (peer: string) => Promise<void>

  /** Answers `protocol`: the whole request (at most `maxRequestBytes`) in, one response out. */
  serve: (protocol: string, maxRequestBytes: number, answer: (request: Uint8Array) => Promise<Uint8Array>) => Promise<void>
  /** Sends one request and reads the whole response (at most `maxBytes`, else it throws). */
  request: (peer: string, protocol: string, body: Uint8Array, options: { maxBytes: number, signal: AbortSignal }) => Promise<Uint8Array>

  /**
   * Pushes one frame (no newline in it) to a connected peer on a long-lived stream of `protocol`,
   * opened on first use: best effort, the newest frame wins while it opens (push-streams.ts).
   */
  push: (peer: string, protocol: string, frame: Uint8Array) => void
  /** Takes the frames peers push on `protocol`, each with the peer whose connection carried it. */
  listen: (protocol: string, maxFrameBytes: number, onFrame: (from: string, frame: Uint8Array) => void) => Promise<void>

  on: <E extends keyof AgentNodeEvents>(event: E, listener: (...args: AgentNodeEvents[E]) => void) => unknown
  stop: () => Promise<void>
}

/** This host's own report, probed or read from a hardware file. */
export interface ReportProbe {
  current: (now: number) => Promise<HostReport>
  /** Ends what the probe keeps running (nvidia-smi's loop). */
  stop?: () => void
}

/**
 * What the agent's components are built from (js-libp2p's components pattern): each component
 * takes the parts it needs and nothing else, so a test builds one with an in-memory store, a
 * fake node and a clock it moves by hand.
 */
export interface AgentComponents {
  clock: Clock
  logger: Logger
  store: FleetStore
  node: AgentNode
  probe: ReportProbe
}
