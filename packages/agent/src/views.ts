import {
  INVENTORY_SCHEMA, STATUS_SCHEMA, peerOllamaUrl,
  type FleetConfig, type Inventory, type LiveEvent, type LiveSnapshot, type Plan, type StatusDocument
} from '@gpufleet/core'
import type { AlertFeed } from './alert-feed.js'
import type { Clock } from './clock.js'
import type { AgentNode } from './components.js'
import type { ElectionRunner } from './election-runner.js'
import type { Gateway } from './gateway/gateway.js'
import type { Gossip } from './gossip.js'
import { ReadingsHistory } from './history.js'
import type { InventoryReplica } from './inventory-replica.js'
import type { LiveHub } from './live.js'
import type { PlanInForce } from './plan-in-force.js'

export type LiveEventBody = LiveEvent extends infer E ? E extends LiveEvent ? Omit<E, 'at'> : never : never

export interface ViewSources {
  config: FleetConfig
  hostname: string
  node: AgentNode
  api: () => string | null
  election: ElectionRunner
  replica: InventoryReplica
  plans: PlanInForce
  alerts: AlertFeed
  gossip: Gossip
  gateway: Gateway
  /** Where this node writes the GPU spec document while it leads (report.path, resolved). */
  reportPath: string
}

/**
 * What the agent shows: the status and inventory documents, the dashboard's snapshot and live
 * events (with the GPUs' recent readings), and what the gateway routes by.
 */
export class AgentViews {
  readonly history = new ReadingsHistory()
  private live: LiveHub | null = null

  constructor (private readonly components: { clock: Clock }, private readonly src: ViewSources) {}

  /** The dashboards' WebSocket hub, once the HTTP server is up. */
  attach (live: LiveHub | null): void { this.live = live }

  notify (event: LiveEventBody): void {
    this.live?.broadcast({ ...event, at: new Date(this.components.clock.wall()).toISOString() } as LiveEvent)
  }

  inventoryDocument (): Inventory {
    return { schema: INVENTORY_SCHEMA, hosts: this.src.replica.hosts() }
  }

  status (): StatusDocument {
    const { config, hostname, node, election, replica, plans, alerts, gossip, gateway } = this.src
    const leader = election.leader
    return {
      schema: STATUS_SCHEMA,
      generatedAt: new Date(this.components.clock.wall()).toISOString(),
      self: { hostname, peerId: node.peerId, role: config.node.role, priority: config.node.priority, addrs: node.addrs(), api: this.src.api(), isLeader: election.leading },
      cluster: config.cluster.name,
      leader: leader?.hostname ?? null,
      leaderPeerId: leader?.peerId ?? null,
      term: election.term,
      hosts: replica.hosts(),
      plan: plans.plan,
      alerts: alerts.active,
      gateway: gateway.usageTable(),
      peers: { connected: node.connectedPeers().length, subscribed: node.subscriberCount(gossip.topic) },
      gossip: { ...gossip.stats, bytesIn: gossip.bytes.in, bytesOut: gossip.bytes.out },
      reportPath: this.src.reportPath
    }
  }

  /** What a dashboard gets first: the status document, the GPUs' recent readings, each host's API address. */
  snapshot (): Omit<LiveSnapshot, 'type'> {
    return { ...this.status(), history: this.history.snapshot(), history24h: this.history.snapshot24h(), apis: Object.fromEntries([...this.src.replica.entries].map(([h, e]) => [h, e.api])) }
  }

  /** What the gateway routes by: the plan in force and where online peers' Ollama answers. */
  gatewayContext (): { self: string, plan: Plan | null, peerOllama: Map<string, string>, ollamaVersions: Map<string, string> } {
    const { hostname, replica, plans } = this.src
    const peerOllama = new Map<string, string>()
    // Which Ollama speaks Anthropic Messages natively (>= 0.14) is read from each host's report.
    const ollamaVersions = new Map<string, string>()
    for (const [host, entry] of replica.entries) {
      if (typeof entry.report.ollama.version === 'string') ollamaVersions.set(host, entry.report.ollama.version)
      if (host === hostname || !replica.isOnline(entry) || !entry.report.ollama.reachable) continue
      const url = peerOllamaUrl(entry.report.ollama.host, entry.addrs)
      if (url !== null) peerOllama.set(host, url)
    }
    return { self: hostname, plan: plans.plan, peerOllama, ollamaVersions }
  }
}
