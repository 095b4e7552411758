import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { existsSync } from 'node:fs'
import { rename, writeFile } from 'node:fs/promises'
import { hostname as osHostname } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import type { PeerId, PrivateKey, Stream } from '@libp2p/interface'
import {
  GOSSIP_VERSION, INVENTORY_SCHEMA, STATUS_SCHEMA, applyReport, computePlan, decodeGossip, decodeMessageText, initialElection, inventoryHosts, isLeader,
  isHostOnline, peerOllamaUrl, planningFingerprint, renderReport, step, syncResponseSchema,
  type AlertsMessage, type DecodeResult, type ElectionAction, type ElectionEvent, type ElectionState, type FleetConfig, type GossipMessage,
  type HostEntry, type HostReport, type Inventory, type MeasuredSpeed, type ModelPlacement, type InventoryState, type LeaderMessage, type LiveEvent, type LiveSnapshot, type Plan, type PlanMessage, type ReportMessage, type StatusDocument
} from '@gpufleet/core'
import { Alerting, type AlertChanges } from './alerting.js'
import type { PlanApplier } from './apply/applier.js'
import { measureModels, mergeMeasured } from './apply/bench-models.js'
import type { OllamaControl } from '@gpufleet/probe'
import { apiRoutes, gatewayRoutes } from './api-routes.js'
import { Gateway } from './gateway/gateway.js'
import { Spend } from './ledger/spend.js'
import { ReadingsHistory } from './history.js'
import { LiveHub } from './live.js'
import { AgentMetrics } from './metrics.js'
import { findDashboardDir } from './static.js'
import { signMessage, verifyAuthor } from './signing.js'
import { ApiServer } from './http.js'
import { loadOrCreateIdentity, loadSwarmKey, peerIdOf } from './identity.js'
import { createFleetNode, type FleetNode } from './node.js'
import { OwnReport } from './own-report.js'
import { FleetStore } from './store.js'
import { KeyFileError, OllamaUnavailableError } from './errors.js'

export interface AgentInit {
  config: FleetConfig
  /** Directory of the node's own config file: identity.key, swarm.key, dataDir and report.path resolve against it. */
  baseDir: string
  hardwareFile?: string
  nvidiaSmiPath?: string
  logger: Logger
  /** Wall clock in ms; tests may pass their own. */
  clock?: () => number
}

export interface AgentEvents {
  'host:changed': [HostReport]
  'leader:changed': [{ leader: string | null, term: number }]
  'plan:changed': [Plan]
  /** Every change as the dashboard's WebSocket sends it (see LiveEvent). */
  'live': [LiveEvent]
}

type LiveEventBody = LiveEvent extends infer E ? E extends LiveEvent ? Omit<E, 'at'> : never : never

const encoder = new TextEncoder()
const decoder = new TextDecoder()
/** Request/response: on every new connection each side pulls the other's whole inventory and plan. */
export const SYNC_PROTOCOL = '/gpufleet/sync/1.0.0'
const SYNC_MAX_BYTES = 16 * 1024 * 1024
type Unsigned<M> = Omit<M, 'signature'>

/**
 * One gpufleet node: gossips its own report every heartbeat, replicates everyone's into LevelDB,
 * takes part in the election when it is a coordinator, and — while it leads — plans and publishes
 * the plan stamped with its term, and writes the GPU spec document.
 */
export class Agent extends EventEmitter<AgentEvents> {
  private readonly config: FleetConfig
  private readonly log: Logger
  private readonly clock: () => number
  private readonly hostname: string
  private readonly topic: string
  private node: FleetNode | null = null
  private store: FleetStore | null = null
  private api: ApiServer | null = null
  private live: LiveHub | null = null
  private readonly metrics: AgentMetrics
  private readonly gateway: Gateway
  /** Pulls and loads this host's models through Ollama (null when ollama.apply is off). */
  private applier: PlanApplier | null = null
  private ollama: OllamaControl | null = null
  private placement: ModelPlacement[] = []
  private measured: MeasuredSpeed[] = []
  private readonly alerting: Alerting
  private readonly history = new ReadingsHistory()
  /** Online state per host as last announced to live clients: joined/left events fire on changes. */
  private readonly announcedOnline = new Map<string, boolean>()
  private own: OwnReport
  private inventory: InventoryState = new Map()
  private election!: ElectionState
  private plan: Plan | null = null
  /** The signed message the plan in force came in, relayed as is to peers that sync. */
  private planRaw: string | null = null
  private key: PrivateKey | null = null
  private readonly lastSync = new Map<string, number>()
  /** Peers whose state we pulled on the connection we have with them now. */
  private readonly synced = new Set<string>()
  /** At most one dial and one sync per peer at a time: under load, retries must not pile up. */
  private readonly dialing = new Set<string>()
  private readonly syncing = new Set<string>()
  private seq = 0
  private peerId = ''
  private restoredTerm = 0
  private readonly timers: NodeJS.Timeout[] = []
  private readonly dirty = new Set<string>()
  private lastFingerprint = ''
  private planTimer: NodeJS.Timeout | null = null
  private ticks = 0
  private lastReportText = ''
  private reportWrites: Promise<void> = Promise.resolve()
  private stopping = false
  /** Fired by stop(): in-flight dials and syncs end at once instead of at their timeouts. */
  private readonly stopped = new AbortController()
  readonly stats = { received: 0, rejected: 0, ignored: 0, published: 0 }
  /** Payload bytes of fleet messages: unique ones validated (in) and published (out); gossipsub's own framing and forwarding are not counted. */
  readonly bytes = { in: 0, out: 0 }

  constructor (private readonly init: AgentInit) {
    super()
    this.config = init.config
    this.log = init.logger
    this.clock = init.clock ?? Date.now
    this.hostname = init.config.node.name ?? osHostname()
    this.topic = `gpufleet/${init.config.cluster.name}/v${GOSSIP_VERSION}`
    this.own = new OwnReport({ hostname: this.hostname, role: init.config.node.role, hardwareFile: init.hardwareFile, nvidiaSmiPath: init.nvidiaSmiPath, ollamaHost: init.config.ollama.host })
    this.alerting = new Alerting(init.config.alerts)
    this.metrics = new AgentMetrics({
      self: this.hostname,
      hosts: () => this.hosts(),
      plan: () => this.plan,
      alerts: () => this.alerting.active,
      term: () => this.election.term,
      isLeader: () => isLeader(this.election),
      gossip: () => ({ ...this.stats }),
      gossipBytes: () => ({ ...this.bytes })
    })
    this.gateway = new Gateway({ config: init.config, log: this.log.child({ component: 'gateway' }), registry: this.metrics.registry, context: () => this.gatewayContext(), clock: this.clock })
  }

  /** The Ollama client loads with the probe package, only on hosts that apply plans. */
  private async startApplier (): Promise<void> {
    const { OllamaControl } = await import('@gpufleet/probe')
    const { PlanApplier } = await import('./apply/applier.js')
    const control = new OllamaControl(this.config.ollama.host)
    this.ollama = control
    this.applier = new PlanApplier({ control, log: this.log.child({ component: 'apply' }), catalog: () => this.config.models.map(m => m.name), prune: this.config.policy.prune, keepAlive: this.config.ollama.keepAlive })
    this.applier.on('change', placement => { this.placement = placement })
    this.applyPlan()
  }

  /**
   * Measures each model this host has ready through Ollama's own counters (eval_count /
   * eval_duration), one at a time, then gossips the figures in this host's report.
   */
  async benchModels (options: { prompt?: string, numPredict?: number } = {}): Promise<MeasuredSpeed[]> {
    if (this.ollama === null) throw new OllamaUnavailableError('this agent does not drive Ollama (ollama.apply is false)')
    const ready = this.placement.filter(p => p.state === 'ready').map(p => p.model)
    const models = ready.length > 0 ? ready : await this.ollama.installed().catch(() => [])
    if (models.length === 0) throw new OllamaUnavailableError(`no model ready on this host's Ollama (${this.config.ollama.host})`)
    const results = await measureModels(this.ollama, models, { ...options, clock: this.clock, log: this.log })
    this.measured = mergeMeasured(this.measured, results)
    await this.store?.saveMeasured(this.measured)
    return results
  }

  private async serveBenchModels (res: ServerResponse): Promise<void> {
    const send = (status: number, value: unknown): void => { res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }); res.end(JSON.stringify(value)) }
    try {
      send(200, { host: this.hostname, results: await this.benchModels() })
    } catch (err) {
      send(err instanceof OllamaUnavailableError ? 409 : 502, { error: (err as Error).message })
    }
  }

  /** The plan in force gives this host these models: pull and load them, drop the others. */
  private applyPlan (): void {
    if (this.applier === null || this.plan === null) return
    this.applier.setDesired(this.plan.assignments.filter(a => a.host === this.hostname).map(a => a.model))
  }

  /** What the gateway routes by: the plan in force and where online peers' Ollama answers. */
  private gatewayContext (): { self: string, plan: Plan | null, peerOllama: Map<string, string>, ollamaVersions: Map<string, string> } {
    const now = this.clock()
    const peerOllama = new Map<string, string>()
    const ollamaVersions = new Map<string, string>()
    for (const [hostname, entry] of this.inventory) {
      if (typeof entry.report.ollama.version === 'string') ollamaVersions.set(hostname, entry.report.ollama.version)
      if (hostname === this.hostname || !isHostOnline(entry, now, this.config.cluster.offlineAfter) || !entry.report.ollama.reachable) continue
      const url = peerOllamaUrl(entry.report.ollama.host, entry.addrs)
      if (url !== null) peerOllama.set(hostname, url)
    }
    return { self: this.hostname, plan: this.plan, peerOllama, ollamaVersions }
  }

  private path (p: string): string { return isAbsolute(p) ? p : join(this.init.baseDir, p) }
  get apiAddress (): string | null { return this.api?.address ?? null }
  get id (): string { return this.peerId }

  async start (): Promise<void> {
    const { cluster, node } = this.config
    const key = await loadOrCreateIdentity(this.path('identity.key'))
    this.key = key
    this.peerId = peerIdOf(key)
    let psk: Uint8Array | null = null
    if (cluster.pskFile !== null) {
      const pskPath = this.path(cluster.pskFile)
      if (!existsSync(pskPath)) throw new KeyFileError(`cluster.pskFile: ${pskPath}: no such file (gpufleet init writes one; copy it from another node)`)
      psk = await loadSwarmKey(pskPath)
    }
    // The API port is bound first: a port in use fails fast, before anything touches the network.
    this.api = new ApiServer({ listen: this.config.api.listen, token: this.config.api.token, routes: this.routes(), posts: { ...gatewayRoutes(this.gateway), '/api/bench-models': async (_req, res) => { await this.serveBenchModels(res) } }, dashboardDir: findDashboardDir() })
    this.store = await FleetStore.open(this.path(this.config.dataDir), this.clock)
    this.gateway.spend = await Spend.open({ host: this.hostname, config: this.config, dir: `${this.path(this.config.dataDir)}-ledger`, registry: this.metrics.registry, log: this.log.child({ component: 'ledger' }), clock: this.clock })
    if (this.store.recovered !== null) {
      this.log.error({ dataDir: this.path(this.config.dataDir), movedTo: this.store.recovered.movedTo, reason: this.store.recovered.reason }, 'the inventory store was damaged: kept aside, starting empty and resyncing from peers')
    }
    try {
      await this.api.start()
      const api = this.api
      this.live = new LiveHub({ server: api.httpServer!, authorized: (req, protocols) => api.authorized(req, protocols), snapshot: () => this.snapshot(), log: this.log })
      await this.restore()
      this.node = await createFleetNode({ privateKey: key, listen: cluster.listen, bootstrap: cluster.bootstrap, mdns: cluster.mdns, psk, heartbeatMs: cluster.heartbeat })
    } catch (err) {
      this.live?.close()
      await this.api.stop()
      await this.gateway.spend?.close()
      await this.store.close()
      throw err
    }
    this.election = initialElection({ self: { peerId: this.peerId, hostname: this.hostname, priority: node.priority, coordinator: node.role === 'coordinator' }, leaseMs: cluster.leaderLease, startupGraceMs: Math.min(cluster.leaderLease, 2 * cluster.heartbeat) }, this.clock(), this.restoredTerm)
    const pubsub = this.node.services.pubsub
    pubsub.topicValidators.set(this.topic, async (_peer, msg) => await this.validate(msg.type === 'signed' ? msg.from.toString() : undefined, msg.data))
    await this.node.handle(SYNC_PROTOCOL, stream => { void this.serveSync(stream) })
    this.node.addEventListener('connection:open', evt => { if (!this.synced.has(evt.detail.remotePeer.toString())) void this.pullSync(evt.detail.remotePeer) })
    this.node.addEventListener('peer:disconnect', evt => { this.synced.delete(evt.detail.toString()) })
    // Connections opened while starting (bootstrap dials) came before the listener.
    for (const connection of this.node.getConnections()) void this.pullSync(connection.remotePeer)
    pubsub.subscribe(this.topic)
    // A peer joining the topic gets everyone's state at once instead of waiting for heartbeats.
    pubsub.addEventListener('subscription-change', evt => {
      if (evt.detail.subscriptions.some(s => s.topic === this.topic && s.subscribe)) void this.reannounce()
    })
    this.node.addEventListener('peer:discovery', evt => { void this.maybeDial(evt.detail.id.toString(), evt.detail.multiaddrs.map(String)) })
    this.log.info({ peerId: this.peerId, addrs: this.addrs(), api: this.api.address, hostname: this.hostname, role: node.role }, 'agent started')
    if (this.config.ollama.apply) await this.startApplier()
    await this.heartbeat()
    this.timers.push(setInterval(() => { void this.heartbeat() }, cluster.heartbeat))
    this.timers.push(setInterval(() => { this.tick() }, Math.max(50, Math.min(250, Math.floor(cluster.heartbeat / 4)))))
  }

  async stop (): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.stopped.abort()
    for (const t of this.timers) clearInterval(t)
    if (this.planTimer !== null) clearTimeout(this.planTimer)
    this.live?.close()
    await this.applier?.stop()
    await this.api?.stop()
    await this.gateway.close()
    await this.node?.stop()
    await this.flush()
    await this.gateway.spend?.close()
    await this.store?.close()
    this.log.info('agent stopped')
  }

  /** What the node knew before it stopped: shown as not heard from until peers answer. */
  private async restore (): Promise<void> {
    const store = this.store!
    const [hosts, stored, state, measured] = await Promise.all([store.loadHosts(), store.loadPlan(), store.loadState(), store.loadMeasured()])
    this.measured = measured
    this.inventory = new Map(hosts.map(h => [h.report.hostname, { ...h, restored: true }]))
    this.plan = stored?.plan ?? null
    this.planRaw = stored?.raw ?? null
    const plan = this.plan
    this.seq = state.seq
    this.restoredTerm = Math.max(state.term, plan?.term ?? 0)
    if (hosts.length > 0) this.log.info({ hosts: hosts.length, planTerm: plan?.term ?? null }, 'restored inventory from disk')
  }

  private addrs (): string[] {
    return this.node?.getMultiaddrs().map(String) ?? []
  }

  // ---- gossip in ----

  private async validate (from: string | undefined, data: Uint8Array): Promise<TopicValidatorResult> {
    this.bytes.in += data.byteLength
    const verdict = await this.receive(decodeGossip(data, from, decoder), from ?? 'unknown')
    return verdict === 'accepted' ? TopicValidatorResult.Accept : verdict === 'ignored' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
  }

  /** One message from gossip or a sync response: verified, then applied. */
  private async receive (decoded: DecodeResult, via: string): Promise<'accepted' | 'ignored' | 'rejected'> {
    this.stats.received++
    let reason: string | null = decoded.ok ? null : decoded.reason
    if (decoded.ok && decoded.signed !== null && !(await verifyAuthor(decoded.message.peerId, decoded.signed.bytes, decoded.signed.signature))) {
      reason = `bad signature: not written by ${decoded.message.peerId}`
    }
    if (!decoded.ok || reason !== null) {
      this.stats.rejected++
      this.log.warn({ via, reason }, 'message rejected')
      return 'rejected'
    }
    const accepted = this.apply(decoded.message, decoded.text)
    if (!accepted) this.stats.ignored++
    return accepted ? 'accepted' : 'ignored'
  }

  private apply (msg: GossipMessage, raw?: string): boolean {
    const now = this.clock()
    switch (msg.type) {
      case 'report': {
        const outcome = applyReport(this.inventory, msg, now, this.config.cluster.offlineAfter, raw)
        if (!outcome.accepted) { this.log.debug({ host: msg.report.hostname, reason: outcome.reason }, 'report ignored'); return false }
        this.inventory = outcome.state
        this.dirty.add(msg.report.hostname)
        this.log.trace({ host: msg.report.hostname, seq: msg.seq, delayMs: now - Date.parse(msg.sentAt) }, 'report received')
        if (outcome.joined) this.log.info({ host: msg.report.hostname, peerId: msg.peerId }, 'host joined')
        if (msg.report.role === 'coordinator') this.stepElection({ type: 'coordinator-seen', who: { peerId: msg.peerId, hostname: msg.report.hostname, priority: msg.priority } })
        const host = { ...msg.report, online: true, lastSeen: new Date(now).toISOString() }
        this.history.record(msg.report, now)
        this.emit('host:changed', host)
        const wasOnline = this.announcedOnline.get(host.hostname) === true
        this.announcedOnline.set(host.hostname, true)
        this.notify({ type: wasOnline ? 'host:updated' : 'host:joined', host, api: msg.api })
        for (const addr of msg.addrs) void this.maybeDial(msg.peerId, [addr])
        return true
      }
      case 'leader': {
        const before = this.election.term
        this.stepElection({ type: 'leader', from: { peerId: msg.peerId, hostname: msg.hostname, priority: msg.priority }, term: msg.term })
        return msg.term >= before
      }
      case 'plan':
        return this.acceptPlan(msg, raw ?? null)
      case 'alerts':
        return this.acceptAlerts(msg)
      case 'spend':
        return this.gateway.spend?.gossip.adopt(msg, h => this.inventory.get(h)?.peerId) ?? false
    }
  }

  /** Fencing: a plan of a lower term than the highest seen is never applied. */
  private acceptPlan (msg: PlanMessage, raw: string | null): boolean {
    if (msg.term < this.election.term) return false
    const current = this.plan
    if (current !== null && (msg.term < current.term || (msg.term === current.term && msg.plan.generatedAt <= current.generatedAt))) return false
    this.plan = msg.plan
    this.planRaw = raw
    void this.store?.savePlan(msg.plan, raw)
    this.log.info({ term: msg.term, assignments: msg.plan.assignments.length }, 'plan accepted')
    this.applyPlan()
    this.emit('plan:changed', msg.plan)
    this.notify({ type: 'plan:changed', plan: msg.plan })
    return true
  }

  /** The leader's alert list; fenced like plans. The leader itself keeps its own evaluation. */
  private acceptAlerts (msg: AlertsMessage): boolean {
    if (msg.term < this.election.term || msg.peerId === this.peerId) return false
    const changes = this.alerting.adopt(msg.alerts, msg.term)
    if (changes === null) return false
    this.announceAlerts(changes, false)
    return true
  }

  private announceAlerts (changes: AlertChanges, leading: boolean): void {
    for (const alert of changes.raised) {
      // The leader logs at warn (one place for an operator to look); followers only trace.
      if (leading) { this.log.warn({ alert: alert.id, rule: alert.rule, severity: alert.severity }, `alert raised: ${alert.message}`); this.metrics.alertsRaised.inc({ rule: alert.rule }) }
      this.notify({ type: 'alert:raised', alert })
    }
    for (const alert of changes.cleared) {
      if (leading) this.log.info({ alert: alert.id, rule: alert.rule }, `alert cleared: ${alert.message}`)
      this.notify({ type: 'alert:cleared', alert })
    }
  }

  /** Leader: evaluate the alert rules; publish the list when it changed, and every 5 heartbeats. */
  private async evaluateAlerts (): Promise<void> {
    const changes = this.alerting.evaluate(this.hosts(), this.plan, this.clock())
    this.announceAlerts(changes, true)
    if (changes.raised.length + changes.cleared.length === 0 && this.ticks % 5 !== 0) return
    const unsigned: Unsigned<AlertsMessage> = { v: GOSSIP_VERSION, type: 'alerts', peerId: this.peerId, sentAt: new Date(this.clock()).toISOString(), term: this.election.term, alerts: this.alerting.active }
    const { text } = await signMessage(this.key!, unsigned)
    await this.publish(text)
  }

  private notify (event: LiveEventBody): void {
    const full = { ...event, at: new Date(this.clock()).toISOString() } as LiveEvent
    this.emit('live', full)
    this.live?.broadcast(full)
  }

  // ---- election ----

  private stepElection (event: ElectionEvent): void {
    const { state, actions } = step(this.election, event, this.clock())
    this.election = state
    for (const action of actions) this.act(action)
  }

  private act (action: ElectionAction): void {
    switch (action.type) {
      case 'announce': {
        const claim: LeaderMessage = { v: GOSSIP_VERSION, type: 'leader', peerId: this.peerId, sentAt: new Date(this.clock()).toISOString(), hostname: this.hostname, term: action.term, priority: this.config.node.priority }
        void this.publish(JSON.stringify(claim))
        break
      }
      case 'became-leader':
        this.log.info({ term: action.term }, 'leading')
        this.alerting.lead(action.term)
        this.lastFingerprint = ''
        this.schedulePlan(0)
        break
      case 'lost-leadership':
        this.log.info({ term: action.term }, 'no longer leading')
        if (this.planTimer !== null) clearTimeout(this.planTimer)
        this.planTimer = null
        break
      case 'leader-changed':
        this.log.info({ leader: action.leader?.hostname ?? null, term: action.term }, 'leader changed')
        void this.store?.saveState({ term: action.term, seq: this.seq })
        this.emit('leader:changed', { leader: action.leader?.hostname ?? null, term: action.term })
        this.notify({ type: 'leader:changed', leader: action.leader?.hostname ?? null, term: action.term, leaderApi: action.leader === null ? null : this.inventory.get(action.leader.hostname)?.api ?? null })
        break
    }
  }

  private tick (): void {
    if (this.stopping) return
    this.stepElection({ type: 'tick' })
    this.announceDepartures()
    if (isLeader(this.election)) {
      const fingerprint = planningFingerprint(this.hosts())
      if (fingerprint !== this.lastFingerprint) this.schedulePlan(200)
    }
  }

  // ---- leader duties ----

  /** Debounced: several hosts changing within 200 ms give one plan. */
  private schedulePlan (delayMs: number): void {
    if (this.planTimer !== null) return
    this.planTimer = setTimeout(() => { this.planTimer = null; void this.makePlan() }, delayMs)
  }

  private async makePlan (): Promise<void> {
    if (!isLeader(this.election) || this.stopping) return
    const hosts = this.hosts()
    this.lastFingerprint = planningFingerprint(hosts)
    const started = performance.now()
    const plan = computePlan({ hosts, config: this.config, term: this.election.term, generatedAt: new Date(this.clock()).toISOString() })
    const ms = performance.now() - started
    this.metrics.planComputations.inc()
    this.metrics.planDuration.observe(ms / 1000)
    this.log.info({ term: plan.term, assignments: plan.assignments.length, ms: Math.round(ms) }, 'plan computed')
    const unsigned: Unsigned<PlanMessage> = { v: GOSSIP_VERSION, type: 'plan', peerId: this.peerId, sentAt: plan.generatedAt, term: plan.term, plan }
    const { message, text } = await signMessage(this.key!, unsigned)
    this.acceptPlan(message, text)
    await this.publish(text)
    await this.writeReport(hosts, plan)
  }

  /** Writes are chained: two plans in quick succession never interleave their temp-file renames. */
  private writeReport (hosts: HostReport[], plan: Plan): Promise<void> {
    this.reportWrites = this.reportWrites.then(async () => {
      const text = renderReport({ hosts, plan, config: this.config, lang: this.config.report.lang })
      if (text === this.lastReportText) return
      const target = this.path(this.config.report.path)
      try {
        await writeFile(`${target}.tmp`, text)
        await rename(`${target}.tmp`, target)
        this.lastReportText = text
      } catch (err) {
        this.log.error({ path: target, err: (err as Error).message }, 'cannot write the GPU spec document')
      }
    })
    return this.reportWrites
  }

  // ---- heartbeat and gossip out ----

  private async heartbeat (): Promise<void> {
    if (this.stopping) return
    this.ticks++
    await this.publishOwnReport()
    if (this.ticks % 5 === 0) await this.republishOwnPlan()
    if (isLeader(this.election)) await this.evaluateAlerts()
    await this.publishSpend()
    for (const entry of this.inventory.values()) if (entry.peerId !== this.peerId) for (const a of entry.addrs) void this.maybeDial(entry.peerId, [a])
    // Configured bootstrap peers are dialed until connected, whatever the id order: they may
    // start after us, or restart.
    for (const addr of this.config.cluster.bootstrap) void this.dialBootstrap(addr)
    // A pull that failed (the peer was still starting) is retried until it succeeds once.
    for (const peer of this.node?.getPeers() ?? []) if (!this.synced.has(peer.toString())) void this.pullSync(peer)
    // The disk copy only serves restarts: every 5 heartbeats is enough (and always on stop).
    if (this.ticks % 5 === 0) await this.flush()
  }

  /** This host's gateway spending, when it changed (and slowly): peers sum it into fleet totals. */
  private async publishSpend (): Promise<void> {
    const unsigned = this.gateway.spend?.gossip.due(this.clock(), this.peerId) ?? null
    if (unsigned !== null) await this.publish((await signMessage(this.key!, unsigned)).text)
  }

  private async publishOwnReport (): Promise<void> {
    const now = this.clock()
    const own = await this.own.current(now)
    const latency = this.gateway.latency()
    const report = { ...own, ...(this.applier === null ? {} : { placement: this.placement }), ...(this.measured.length === 0 ? {} : { measured: this.measured }), ...(latency.localRequests === 0 ? {} : { gateway: latency }) }
    // Monotonic across restarts: never below the stored sequence, nor below the clock.
    this.seq = Math.max(this.seq + 1, now)
    const unsigned: Unsigned<ReportMessage> = { v: GOSSIP_VERSION, type: 'report', peerId: this.peerId, sentAt: new Date(now).toISOString(), seq: this.seq, report, priority: this.config.node.priority, addrs: this.addrs(), api: this.api?.address ?? null }
    const { message, text } = await signMessage(this.key!, unsigned)
    this.apply(message, text)
    await this.publish(text)
  }

  private async reannounce (): Promise<void> {
    this.gateway.spend?.gossip.force()
    await this.publishOwnReport()
    if (isLeader(this.election)) {
      this.act({ type: 'announce', term: this.election.term })
      await this.republishOwnPlan()
    }
  }

  /**
   * Only a plan of our own term is ours to publish: the plan in force may still be the previous
   * leader's (its signed text names that leader), and gossiping it under our libp2p signature
   * would make every receiver reject it as forged.
   */
  private async republishOwnPlan (): Promise<void> {
    if (isLeader(this.election) && this.planRaw !== null && this.plan?.term === this.election.term) await this.publish(this.planRaw)
  }

  private async publish (text: string): Promise<void> {
    if (this.node === null || this.stopping) return
    try {
      const data = encoder.encode(text)
      await this.node.services.pubsub.publish(this.topic, data)
      this.stats.published++
      this.bytes.out += data.byteLength
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'publish failed')
    }
  }

  // ---- sync: pull a peer's whole state when a connection opens ----

  private async serveSync (stream: Stream): Promise<void> {
    try {
      // Read the request to its end (the asker half-closes): it is tiny, and bounded anyway.
      let size = 0
      for await (const chunk of stream) {
        size += chunk.byteLength
        if (size > 4096) { stream.abort(new Error('sync request too large')); return }
      }
      const reports = [...this.inventory.values()].map(e => e.raw).filter((r): r is string => r !== undefined)
      stream.send(encoder.encode(JSON.stringify({ v: GOSSIP_VERSION, reports, plan: this.planRaw })))
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  /**
   * Asks a newly connected peer for everything it knows: a newcomer, or a node back from a
   * partition, gets every host at once — offline ones included — and the plan in force. Every
   * relayed report and plan is checked against its author's signature, as if gossiped.
   */
  private async pullSync (peer: PeerId): Promise<void> {
    const node = this.node
    const key = peer.toString()
    const now = this.clock()
    if (node === null || this.stopping || this.syncing.has(key) || now - (this.lastSync.get(key) ?? 0) < this.config.cluster.heartbeat * 2) return
    this.lastSync.set(key, now)
    this.syncing.add(key)
    // The whole exchange, reading included, is bounded: a stuck peer costs one stream for 10 s.
    const signal = this.bounded(10_000)
    try {
      const stream = await node.dialProtocol(peer, SYNC_PROTOCOL, { signal })
      signal.addEventListener('abort', () => { stream.abort(new Error('sync timed out')) }, { once: true })
      // Writing first makes libp2p send the protocol header (it negotiates lazily), then half-close.
      stream.send(encoder.encode(JSON.stringify({ v: GOSSIP_VERSION })))
      await stream.close({ signal })
      const chunks: Uint8Array[] = []
      let size = 0
      for await (const chunk of stream) {
        const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        size += bytes.byteLength
        if (size > SYNC_MAX_BYTES) { stream.abort(new Error('sync response too large')); return }
        chunks.push(bytes)
      }
      const parsed = syncResponseSchema.safeParse(JSON.parse(decoder.decode(Buffer.concat(chunks))))
      if (!parsed.success) { this.stats.rejected++; this.log.warn({ peer: key }, 'malformed sync response'); return }
      const texts = [...parsed.data.reports, ...(parsed.data.plan === null ? [] : [parsed.data.plan])]
      for (const text of texts) await this.receive(decodeMessageText(text, undefined, { relayed: true }), `sync:${key}`)
      this.synced.add(key)
      this.log.debug({ peer: key, reports: parsed.data.reports.length }, 'synced')
    } catch (err) {
      this.log.debug({ peer: key, err: (err as Error).message }, 'sync failed')
    } finally {
      this.syncing.delete(key)
    }
  }

  /** Small fleets are full meshes: the smaller peer id dials, so each pair gets one connection. */
  private async maybeDial (peer: string, addrs: string[]): Promise<void> {
    if (!(this.peerId < peer)) return
    await this.dialOnce(peer, () => addrs.map(a => multiaddr(a)).find(a => a.toString().includes(peer)) ?? peerIdFromString(peer))
  }

  private async dialOnce (peer: string, target: () => Parameters<FleetNode['dial']>[0]): Promise<void> {
    const node = this.node
    if (node === null || this.stopping || peer === this.peerId || this.dialing.has(peer)) return
    this.dialing.add(peer)
    try {
      if (node.getConnections(peerIdFromString(peer)).length > 0) return
      await node.dial(target(), { signal: this.bounded(5000) })
    } catch (err) {
      this.log.debug({ peer, err: (err as Error).message }, 'dial failed')
    } finally {
      this.dialing.delete(peer)
    }
  }

  private async dialBootstrap (addr: string): Promise<void> {
    const peer = /\/p2p\/([1-9A-HJ-NP-Za-km-z]+)$/.exec(addr)?.[1]
    if (peer !== undefined) await this.dialOnce(peer, () => multiaddr(addr))
  }

  /** A signal that fires after `ms`, or as soon as the agent stops. */
  private bounded (ms: number): AbortSignal {
    return AbortSignal.any([this.stopped.signal, AbortSignal.timeout(ms)])
  }

  private async flush (): Promise<void> {
    const entries = [...this.dirty].map(h => this.inventory.get(h)).filter((e): e is HostEntry => e !== undefined)
    this.dirty.clear()
    try {
      await this.store?.saveHosts(entries)
      await this.store?.saveState({ term: this.election.term, seq: this.seq })
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cannot write the inventory to disk')
    }
  }

  // ---- views ----

  hosts (): HostReport[] {
    return inventoryHosts(this.inventory, this.clock(), this.config.cluster.offlineAfter, ms => new Date(ms).toISOString())
  }

  inventoryDocument (): Inventory {
    return { schema: INVENTORY_SCHEMA, hosts: this.hosts() }
  }

  status (): StatusDocument {
    const leader = this.election.leader
    return {
      schema: STATUS_SCHEMA,
      generatedAt: new Date(this.clock()).toISOString(),
      self: { hostname: this.hostname, peerId: this.peerId, role: this.config.node.role, priority: this.config.node.priority, addrs: this.addrs(), api: this.api?.address ?? null, isLeader: isLeader(this.election) },
      cluster: this.config.cluster.name,
      leader: leader?.hostname ?? null,
      leaderPeerId: leader?.peerId ?? null,
      term: this.election.term,
      hosts: this.hosts(),
      plan: this.plan,
      alerts: this.alerting.active,
      gateway: this.gateway.usageTable(),
      peers: { connected: this.node?.getPeers().length ?? 0, subscribed: this.node?.services.pubsub.getSubscribers(this.topic).length ?? 0 },
      gossip: { ...this.stats, bytesIn: this.bytes.in, bytesOut: this.bytes.out }
    }
  }

  /** What a dashboard gets first: the status document, the GPUs' recent readings, each host's API address. */
  snapshot (): Omit<LiveSnapshot, 'type'> {
    return { ...this.status(), history: this.history.snapshot(), apis: Object.fromEntries([...this.inventory].map(([h, e]) => [h, e.api])) }
  }

  /** Hosts that went silent past offlineAfter are announced as left (joins come with their reports). */
  private announceDepartures (): void {
    const now = this.clock()
    for (const [hostname, entry] of this.inventory) {
      if (this.announcedOnline.get(hostname) !== true || isHostOnline(entry, now, this.config.cluster.offlineAfter)) continue
      this.announcedOnline.set(hostname, false)
      this.log.info({ host: hostname }, 'host offline')
      this.notify({ type: 'host:left', hostname, lastSeen: new Date(entry.lastSeen).toISOString() })
    }
  }

  private routes (): ConstructorParameters<typeof ApiServer>[0]['routes'] {
    return apiRoutes({
      config: this.config,
      status: () => this.status(),
      alerts: () => this.alerting.active,
      hosts: () => this.hosts(),
      inventory: () => this.inventoryDocument(),
      plan: () => this.plan,
      leader: () => this.election.leader?.hostname ?? null,
      term: () => this.election.term,
      now: () => this.clock(),
      metrics: this.metrics,
      gateway: this.gateway
    })
  }
}
