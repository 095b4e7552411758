import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createFleetNode, loadOrCreateIdentity, loadSwarmKey, signMessage, type FleetNode as Libp2pNode } from '@gpufleet/agent'
import { GOSSIP_VERSION, termSlot, type Alert, type Plan } from '@gpufleet/core'
import { repoRoot, sleep, type Fleet } from './harness.js'

/**
 * A member gone bad: it holds the swarm key (so it connects and gossips like any node) and signs
 * with its own identity through the agent's own signing code, but it is not a pinned coordinator.
 * Everything it publishes is well-formed and correctly signed; only its authority is missing.
 */
type PrivateKey = Awaited<ReturnType<typeof loadOrCreateIdentity>>

export class RogueMember {
  private constructor (readonly node: Libp2pNode, private readonly key: PrivateKey, readonly topic: string) {}

  /** 2^40, in the rogue's own term slot: the largest-looking claim it can make that is still "its" term. */
  get hugeTerm (): number { return 2 ** 40 + termSlot(this.peerId) }
  get peerId (): string { return this.node.peerId.toString() }

  /** Joins `fleet` (same swarm key, dialing every node so each one hears it first-hand). */
  static async join (fleet: Fleet, cluster = 'testfleet'): Promise<RogueMember> {
    const first = fleet.nodes[0]!
    const psk = await loadSwarmKey(join(first.dir, 'swarm.key'))
    const key = await loadOrCreateIdentity(join(fleet.root, 'rogue-identity.key'))
    const live = fleet.nodes.filter(n => n.proc !== null)
    // Bootstrap addresses are dialed at start: the rogue connects to every running node.
    const node = await createFleetNode({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: live.map(n => n.multiaddr), mdns: false, psk, heartbeatMs: 250 })
    const rogue = new RogueMember(node, key, `gpufleet/${cluster}/v${GOSSIP_VERSION}`)
    node.services.pubsub.subscribe(rogue.topic)
    const deadline = performance.now() + 10_000
    while (node.services.pubsub.getSubscribers(rogue.topic).length < live.length && performance.now() < deadline) await sleep(50)
    if (node.services.pubsub.getSubscribers(rogue.topic).length < live.length) throw new Error(`the rogue reached ${node.services.pubsub.getSubscribers(rogue.topic).length} of ${live.length} nodes`)
    return rogue
  }

  private async send (message: object): Promise<void> {
    await this.node.services.pubsub.publish(this.topic, new TextEncoder().encode(JSON.stringify(message)))
  }

  private async signed (message: object): Promise<object> {
    return (await signMessage(this.key, message)).message
  }

  /** Its own host report, as a coordinator of the highest priority: it must not block a real failover. */
  async report (seq: number): Promise<void> {
    const hw = JSON.parse(readFileSync(join(repoRoot, 'configs/roosync/myia-po-2024.hardware.json'), 'utf8')) as Record<string, unknown>
    await this.send(await this.signed({ v: GOSSIP_VERSION, type: 'report', peerId: this.peerId, sentAt: new Date().toISOString(), seq, report: { ...hw, hostname: 'rogue', role: 'coordinator' }, priority: 1_000_000, addrs: [], api: null }))
  }

  async claimLeadership (term = this.hugeTerm): Promise<void> {
    await this.send({ v: GOSSIP_VERSION, type: 'leader', peerId: this.peerId, sentAt: new Date().toISOString(), hostname: 'rogue', term, priority: 1_000_000 })
  }

  /** A plan that empties every host and routes everyone's traffic to the rogue. */
  async plan (template: Plan, term = this.hugeTerm): Promise<void> {
    const hosts = [...new Set(template.routes.map(r => r.host))]
    const plan: Plan = { ...template, term, generatedAt: new Date().toISOString(), assignments: [], routes: hosts.map(host => ({ host, role: 'chat', target: { kind: 'peer', host: 'rogue', model: 'trap' } })) }
    await this.send(await this.signed({ v: GOSSIP_VERSION, type: 'plan', peerId: this.peerId, sentAt: plan.generatedAt, term, seq: Number.MAX_SAFE_INTEGER, plan }))
  }

  async alerts (alerts: Alert[], term = this.hugeTerm): Promise<void> {
    await this.send(await this.signed({ v: GOSSIP_VERSION, type: 'alerts', peerId: this.peerId, sentAt: new Date().toISOString(), term, alerts }))
  }

  async forget (hostname: string, hostPeerId: string, term = this.hugeTerm): Promise<void> {
    await this.send(await this.signed({ v: GOSSIP_VERSION, type: 'forget', peerId: this.peerId, sentAt: new Date().toISOString(), term, hostname, host: hostPeerId, upTo: Number.MAX_SAFE_INTEGER, reason: 'manual' }))
  }

  async stop (): Promise<void> { await this.node.stop() }
}
