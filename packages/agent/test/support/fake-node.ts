import { EventEmitter } from 'node:events'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import type { AgentNode, AgentNodeEvents, Verdict } from '../../src/components.js'
import { peerIdOf } from '../../src/identity.js'
import { signMessage } from '../../src/signing.js'

/**
 * Agents' nodes connected in memory. Identities are real Ed25519 keys (the agent's signature
 * checks run for real); gossip is delivered to connected subscribers through their validators,
 * as gossipsub does, and a request reaches the peer's served handler.
 */
export class FakeNetwork {
  readonly nodes = new Map<string, FakeNode>()

  async node (): Promise<FakeNode> {
    const node = new FakeNode(this, await generateKeyPair('Ed25519'))
    this.nodes.set(node.peerId, node)
    return node
  }

  /** Opens a connection between two nodes, as a dial that succeeded would. */
  connect (a: FakeNode, b: FakeNode): void {
    if (a.connections.has(b.peerId)) return
    a.connections.add(b.peerId)
    b.connections.add(a.peerId)
    a.emit('connection:open', b.peerId)
    b.emit('connection:open', a.peerId)
  }

  disconnect (a: FakeNode, b: FakeNode): void {
    if (!a.connections.delete(b.peerId)) return
    b.connections.delete(a.peerId)
    a.emit('peer:disconnect', b.peerId)
    b.emit('peer:disconnect', a.peerId)
  }
}

export class FakeNode implements AgentNode {
  readonly peerId: string
  readonly connections = new Set<string>()
  /** Every message this node published, as text. */
  readonly published: string[] = []
  /** Every dial target, in order. */
  readonly dials: string[] = []
  readonly kept = new Set<string>()
  /** Verdicts its validator gave, per message text. */
  readonly verdicts: Array<{ text: string, verdict: Verdict }> = []
  /** Down, or partitioned away: every dial to it fails. */
  unreachable = false
  private readonly validators = new Map<string, (from: string | undefined, data: Uint8Array) => Promise<Verdict>>()
  private readonly handlers = new Map<string, { max: number, answer: (request: Uint8Array) => Promise<Uint8Array> }>()

  private readonly events = new EventEmitter()

  constructor (private readonly network: FakeNetwork, readonly key: PrivateKey) {
    this.peerId = peerIdOf(key)
  }

  on<E extends keyof AgentNodeEvents> (event: E, listener: (...args: AgentNodeEvents[E]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void)
    return this
  }

  /** What libp2p would emit (a test plays the network's part). */
  emit<E extends keyof AgentNodeEvents> (event: E, ...args: AgentNodeEvents[E]): void {
    this.events.emit(event, ...args)
  }

  addrs (): string[] { return [`/ip4/127.0.0.1/tcp/4001/p2p/${this.peerId}`] }
  async sign<T extends object> (message: T): Promise<{ message: T & { signature: string }, text: string }> { return await signMessage(this.key, message) }

  subscribe (topic: string, validate: (from: string | undefined, data: Uint8Array) => Promise<Verdict>): void {
    this.validators.set(topic, validate)
  }

  /** Delivers to every connected subscriber and resolves once each has given its verdict. */
  async publish (topic: string, data: Uint8Array): Promise<void> {
    this.published.push(new TextDecoder().decode(data))
    await Promise.all([...this.connections].map(async peer => { await this.network.nodes.get(peer)?.deliver(topic, this.peerId, data) }))
  }

  /** A message arriving on `topic`, libp2p-signed by `from`. */
  async deliver (topic: string, from: string | undefined, data: Uint8Array): Promise<Verdict | null> {
    const validate = this.validators.get(topic)
    if (validate === undefined) return null
    const verdict = await validate(from, data)
    this.verdicts.push({ text: new TextDecoder().decode(data), verdict })
    return verdict
  }

  subscriberCount (topic: string): number {
    return [...this.connections].filter(p => this.network.nodes.get(p)?.validators.has(topic) === true).length
  }

  connectedPeers (): string[] { return [...this.connections] }
  isConnected (peer: string): boolean { return this.connections.has(peer) }

  async dial (target: string, signal: AbortSignal): Promise<void> {
    this.dials.push(target)
    signal.throwIfAborted()
    const peer = target.startsWith('/') ? target.slice(target.lastIndexOf('/') + 1) : target
    const other = this.network.nodes.get(peer)
    if (other === undefined || other.unreachable) throw new Error(`no route to ${peer}`)
    this.network.connect(this, other)
  }

  async keepAlive (peer: string): Promise<void> { this.kept.add(peer) }

  readonly hungUp: string[] = []
  async hangUp (peer: string, _signal: AbortSignal): Promise<void> {
    this.hungUp.push(peer)
    const other = this.network.nodes.get(peer)
    if (other !== undefined) this.network.disconnect(this, other)
  }

  async serve (protocol: string, maxRequestBytes: number, answer: (request: Uint8Array) => Promise<Uint8Array>): Promise<void> {
    this.handlers.set(protocol, { max: maxRequestBytes, answer })
  }

  async request (peer: string, protocol: string, body: Uint8Array, options: { maxBytes: number, signal: AbortSignal }): Promise<Uint8Array> {
    options.signal.throwIfAborted()
    const handler = this.network.nodes.get(peer)?.handlers.get(protocol)
    if (!this.connections.has(peer) || handler === undefined) throw new Error(`${peer} does not speak ${protocol}`)
    if (body.byteLength > handler.max) throw new Error('request too large')
    const response = await handler.answer(body)
    if (response.byteLength > options.maxBytes) throw new Error(`${protocol} response too large`)
    return response
  }

  /** Frames pushed to this node, by protocol, as the peer's listener would get them. */
  private readonly listeners = new Map<string, { max: number, onFrame: (from: string, frame: Uint8Array) => void }>()
  readonly pushed: Array<{ to: string, protocol: string, text: string }> = []

  push (peer: string, protocol: string, frame: Uint8Array): void {
    this.pushed.push({ to: peer, protocol, text: new TextDecoder().decode(frame) })
    const listener = this.network.nodes.get(peer)?.listeners.get(protocol)
    // Delivered later, as a stream would: never inside the sender's call.
    if (this.connections.has(peer) && listener !== undefined && frame.byteLength <= listener.max) queueMicrotask(() => { listener.onFrame(this.peerId, frame) })
  }

  async listen (protocol: string, maxFrameBytes: number, onFrame: (from: string, frame: Uint8Array) => void): Promise<void> {
    this.listeners.set(protocol, { max: maxFrameBytes, onFrame })
  }

  async stop (): Promise<void> {
    for (const peer of [...this.connections]) {
      const other = this.network.nodes.get(peer)
      if (other !== undefined) this.network.disconnect(this, other)
    }
    this.network.nodes.delete(this.peerId)
  }
}
