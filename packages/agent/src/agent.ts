import { setMaxListeners } from 'node:events'
import { existsSync } from 'node:fs'
import { hostname as osHostname } from 'node:os'
import { isAbsolute, join } from 'node:path'
import type { Logger } from 'pino'
import type { AuthorityVerdict, BeatMessage, FleetConfig, LeaderInfo, SpendMessage } from '@gpufleet/core'
import { AlertFeed } from './alert-feed.js'
import { BeatChannel } from './beat-channel.js'
import { SecondNotice } from './second-notice.js'
import { Witness } from './witness.js'
import { AuthorityGate, checkCoordinators } from './authority-gate.js'
import { apiRoutes, gatewayRoutes } from './api-routes.js'
import { systemClock, type Clock } from './clock.js'
import type { AgentComponents, AgentNode } from './components.js'
import { DiskGuard } from './disk-guard.js'
import { ElectionRunner } from './election-runner.js'
import { KeyFileError } from './errors.js'
import { forgetRoute } from './forget-route.js'
import { Forgetting } from './forgetting.js'
import { Gateway } from './gateway/gateway.js'
import { Spend } from './ledger/spend.js'
import { Gossip } from './gossip.js'
import { HostModels } from './host-models.js'
import { ApiServer } from './http.js'
import { mcpEndpoint } from './mcp/http-endpoint.js'
import { loadOrCreateIdentity, loadSwarmKey } from './identity.js'
import { InventoryReplica } from './inventory-replica.js'
import { LeaderDuties } from './leader-duties.js'
import { LevelStore } from './level-store.js'
import { libp2pAgentNode } from './libp2p-node.js'
import { LiveHub } from './live.js'
import { Loop } from './loop.js'
import { MeshKeeper } from './mesh-keeper.js'
import { AgentMetrics } from './metrics.js'
import { createFleetNode } from './node.js'
import { OwnReport } from './own-report.js'
import { PlanInForce } from './plan-in-force.js'
import { ReportPublisher, cadence } from './report-publisher.js'
import { SpecDocument } from './spec-document.js'
import { findDashboardDir } from './static.js'
import { Sync } from './sync.js'
import { AgentViews } from './views.js'

/** The slow retry of dials to known peers libp2p does not keep connected. */
const MESH_RETRY_MS = 10_000
/** Anti-entropy: one peer's digest exchange every this many heartbeats (30 s at the default: memberlist's push-pull period). */
const DIGEST_EXCHANGE_BEATS = 30

/**
 * Resolves after the I/O that is ready now has been read. A timer that comes due while the process
 * is busy runs before the sockets are read (libuv runs timers, then polls): after a stall of a
 * second or two — a cold start of many agents on few cores — the heartbeat would judge hosts silent,
 * and the lapse timer a leader's lease lapsed, whose beats are waiting in the socket buffers.
 */
async function afterPendingIo (): Promise<void> {
  await new Promise<void>(resolve => { setImmediate(resolve) })
}

export interface AgentInit {
  config: FleetConfig
  /** Directory of the node's own config file: identity.key, swarm.key, dataDir and report.path resolve against it. */
  baseDir: string
  hardwareFile?: string
  nvidiaSmiPath?: string
  logger: Logger
  /** Monotonic and calendar time; tests may pass their own. */
  clock?: Clock
}

/** The components of a started agent, wired to each other. */
interface Parts {
  components: AgentComponents
  gossip: Gossip
  gate: AuthorityGate
  replica: InventoryReplica
  election: ElectionRunner
  plans: PlanInForce
  alerts: AlertFeed
  leader: LeaderDuties
  forgetting: Forgetting
  publisher: ReportPublisher
  beats: BeatChannel
  witness: Witness
  sync: Sync
  mesh: MeshKeeper
  models: HostModels
  views: AgentViews
  loops: Loop[]
  /** Clears the one-shot timers run() arms. */
  stopTimers: Array<() => void>
  /** Writes the inventory's changes and the node state when it changed (every 5 heartbeats, and on stop). */
  flush: () => Promise<void>
}

/**
 * One gpufleet node. This class only wires: it opens the store, the HTTP server and the libp2p
 * node, builds the components (docs/architecture.md says which owns what), connects their
 * events, runs the heartbeat loop, and stops everything in order.
 */
export class Agent {
  private readonly config: FleetConfig
  private readonly log: Logger
  private readonly clock: Clock
  private readonly hostname: string
  private readonly metrics: AgentMetrics
  private readonly gateway: Gateway
  private api: ApiServer | null = null
  private live: LiveHub | null = null
  private store: DiskGuard | null = null
  private node: AgentNode | null = null
  private parts: Parts | null = null
  private stopping = false
  /** Fired by stop(): in-flight dials and syncs end at once instead of at their timeouts. */
  private readonly stopped = new AbortController()

  constructor (private readonly init: AgentInit) {
    // Each dial and sync in flight listens on it (and lets go when done): at a cold start of a big
    // fleet that is one per peer at once, past Node's warning threshold of 10, not a leak.
    setMaxListeners(0, this.stopped.signal)
    this.config = init.config
    this.log = init.logger
    this.clock = init.clock ?? systemClock
    this.hostname = init.config.node.name ?? osHostname()
    this.metrics = new AgentMetrics({
      self: this.hostname,
      hosts: () => this.parts?.replica.hosts() ?? [],
      plan: () => this.parts?.plans.plan ?? null,
      alerts: () => this.parts?.alerts.active ?? [],
      term: () => this.parts?.election.term ?? 0,
      isLeader: () => this.parts?.election.leading ?? false,
      gossip: () => ({ ...(this.parts?.gossip.stats ?? { received: 0, rejected: 0, ignored: 0, published: 0 }) }),
      gossipBytes: () => ({ ...(this.parts?.gossip.bytes ?? { in: 0, out: 0 }) })
    })
    this.gateway = new Gateway({ config: init.config, log: this.log.child({ component: 'gateway' }), registry: this.metrics.registry, context: () => this.gatewayContext(), clock: this.clock.wall })
  }

  /** What the gateway routes by: the plan in force and where online peers' Ollama answers. */
  private gatewayContext (): ReturnType<AgentViews['gatewayContext']> {
    return this.parts?.views.gatewayContext() ?? { self: this.hostname, plan: null, peerOllama: new Map(), ollamaVersions: new Map() }
  }

  private path (p: string): string { return isAbsolute(p) ? p : join(this.init.baseDir, p) }
  get apiAddress (): string | null { return this.api?.address ?? null }

  /** Starts everything, or — on any failure — stops what was started and rejects. */
  async start (): Promise<void> {
    const { cluster } = this.config
    checkCoordinators(cluster.coordinators)
    const key = await loadOrCreateIdentity(this.path('identity.key'))
    let psk: Uint8Array | null = null
    if (cluster.pskFile !== null) {
      const pskPath = this.path(cluster.pskFile)
      if (!existsSync(pskPath)) throw new KeyFileError(`cluster.pskFile: ${pskPath}: no such file (gpufleet init writes one; copy it from another node)`)
      psk = await loadSwarmKey(pskPath)
    }
    // The API port is bound first: a port in use fails fast, before anything touches the network.
    const routes = this.routes()
    this.api = new ApiServer({ listen: this.config.api.listen, token: this.config.api.token, routes, posts: { ...gatewayRoutes(this.gateway), '/mcp': mcpEndpoint({ routes, log: this.log.child({ component: 'mcp' }) }), '/api/bench-models': async (_req, res) => { await this.parts?.models.serveBenchModels(res) }, '/api/forget': forgetRoute({ forget: async host => await (this.parts?.forgetting.forget(host) ?? { ok: false, status: 503, error: 'the agent is starting' }) }) }, dashboardDir: findDashboardDir() })
    const disk = await LevelStore.open(this.path(this.config.dataDir), this.clock.wall)
    if (disk.recovered !== null) {
      this.log.error({ dataDir: this.path(this.config.dataDir), movedTo: disk.recovered.movedTo, reason: disk.recovered.reason }, 'the inventory store was damaged: kept aside, starting empty and resyncing from peers')
    }
    // A full or read-only disk never stops the agent: failed writes wait in memory (docs/reliability.md).
    const store = new DiskGuard({ clock: this.clock, logger: this.log }, disk, this.path(this.config.dataDir))
    this.store = store
    try {
      // The cost ledger, in its own LevelDB beside the inventory's (docs/costs.md).
      this.gateway.spend = await Spend.open({ host: this.hostname, config: this.config, dir: `${this.path(this.config.dataDir)}-ledger`, registry: this.metrics.registry, log: this.log.child({ component: 'ledger' }), clock: this.clock.wall })
      await this.api.start()
      const api = this.api
      this.live = new LiveHub({ server: api.httpServer!, authorized: (req, protocols) => api.authorized(req, protocols), snapshot: () => this.parts!.views.snapshot(), log: this.log })
      // No libp2p connection monitor: the beats are the liveness probe (docs/cluster.md, "Liveness").
      const fleetNode = await createFleetNode({ privateKey: key, listen: cluster.listen, bootstrap: cluster.bootstrap, mdns: cluster.mdns, psk, heartbeatMs: cluster.heartbeat, connectionMonitor: false })
      const node = libp2pAgentNode(fleetNode, key, this.log)
      this.node = node
      const probe = new OwnReport({ hostname: this.hostname, role: this.config.node.role, hardwareFile: this.init.hardwareFile, nvidiaSmiPath: this.init.nvidiaSmiPath, ollamaHost: this.config.ollama.host })
      this.parts = await this.wire({ clock: this.clock, logger: this.log, store, node, probe })
      await this.run(this.parts)
    } catch (err) {
      await this.shutdown()
      throw err
    }
  }

  /** Builds the components from what was stored, and connects their events. */
  private async wire (components: AgentComponents): Promise<Parts> {
    const { config, hostname } = this
    const { cluster, node: nodeConfig } = config
    const { store, node, logger } = components
    const [hosts, storedPlan, state, measured, tombstones] = await Promise.all([store.loadHosts(), store.loadPlan(), store.loadState(), store.loadMeasured(), store.loadTombstones()])
    if (hosts.length > 0) logger.info({ hosts: hosts.length, planTerm: storedPlan?.plan.term ?? null }, 'restored inventory from disk')

    const gossip = new Gossip(components, cluster.name)
    const replica = new InventoryReplica(components, cluster.offlineAfter)
    replica.restore(hosts)
    // Pinned coordinators: a node configured as coordinator but not listed never claims (every node would reject it).
    const pinned = cluster.coordinators
    const coordinator = nodeConfig.role === 'coordinator' && (pinned === null || pinned.includes(node.peerId))
    if (pinned === null) logger.warn('cluster.coordinators is not set: any swarm member that says it is a coordinator can lead and publish plans (list the coordinators\' peer ids in the shared config)')
    else if (nodeConfig.role === 'coordinator' && !coordinator) logger.warn({ peerId: node.peerId }, 'node.role is coordinator but this peer id is not in cluster.coordinators: running as a worker')
    const election = new ElectionRunner(components, { self: { peerId: node.peerId, hostname, priority: nodeConfig.priority, coordinator }, leaseMs: cluster.leaderLease, candidateWindowMs: Math.max(cluster.leaderLease, cluster.offlineAfter), startupGraceMs: Math.min(cluster.leaderLease, 2 * cluster.heartbeat) }, Math.max(state.term, storedPlan?.plan.term ?? 0))
    // Restored coordinators are candidates again as soon as they beat (priority from their signed report).
    for (const e of replica.entries.values()) {
      if (e.report.role !== 'coordinator' || e.raw === undefined || e.peerId === node.peerId) continue
      const priority = (JSON.parse(e.raw) as { priority?: unknown }).priority
      if (typeof priority === 'number' && (pinned === null || pinned.includes(e.peerId))) election.remember({ peerId: e.peerId, hostname: e.report.hostname, priority })
    }
    const gate = new AuthorityGate(components, {
      coordinators: pinned,
      term: () => election.term,
      leader: () => election.leader,
      reportsCoordinator: peerId => { for (const e of replica.entries.values()) if (e.peerId === peerId) return e.report.role === 'coordinator'; return undefined }
    })
    const plans = new PlanInForce(components, () => election.term)
    plans.restore(storedPlan)
    const alerts = new AlertFeed(components, config.alerts)
    const models = new HostModels(components, config, hostname)
    models.restore(measured)
    const leader = new LeaderDuties(components, {
      config, self: { peerId: node.peerId, hostname }, gossip, plans, alerts,
      document: new SpecDocument(components, config, this.path(config.report.path), this.gateway.spend === null ? undefined : { version: () => this.gateway.spend?.fleetVersion ?? 0, costs: now => this.gateway.spend!.reportCosts(now), everyMs: config.routing.ledger.gossipEvery }),
      hosts: () => replica.hosts(),
      inventoryVersion: () => replica.version,
      planned: seconds => { this.metrics.planComputations.inc(); this.metrics.planDuration.observe(seconds) }
    })
    // A beat period: every host beats three times per offlineAfter (cadence()).
    const beatPeriodMs = cluster.offlineAfter / 3
    const beats: BeatChannel = new BeatChannel(components, {
      gossip,
      onlinePeers: function * () { for (const e of replica.entries.values()) if (e.peerId !== node.peerId && replica.isOnline(e)) yield e.peerId },
      gossipAfterMs: Math.max(0, beatPeriodMs - cluster.heartbeat),
      silentAfterMs: 2 * cluster.offlineAfter,
      verdict: peer => witness.verdict(peer)
    })
    const witness = new Witness(components, {
      heartbeatMs: cluster.heartbeat,
      recheckMs: beatPeriodMs,
      // By any path: a pushed or gossiped message taken into the inventory, or a frame on a connection.
      heardMs: peer => {
        let heard: number | null = beats.silentFor(peer)
        for (const e of replica.entries.values()) {
          if (e.peerId !== peer) continue
          const ago = components.clock.now() - e.lastSeen
          if (heard === null || ago < heard) heard = ago
        }
        return heard
      }
    })
    const publisher = new ReportPublisher(components, {
      gossip, priority: nodeConfig.priority,
      extras: () => { const latency = this.gateway.latency(); return { ...models.reportFields(), ...(latency.localRequests === 0 ? {} : { gateway: latency }), ...(this.store?.condition == null ? {} : { dataDir: this.store.condition }), ...this.gateway.spend?.reportFields(this.clock.wall()) } },
      addrs: () => node.addrs(),
      api: () => this.apiAddress,
      apply: (message, text) => { replica.accept(message, text) },
      applyBeat: message => { replica.acceptBeat(message) },
      sendBeat: (text, lease) => { beats.send(text, lease) },
      sendReport: text => { beats.sendReport(text) },
      lease: () => { const lease = election.lease; return lease === null ? null : { ...lease, ...leader.published() } },
      subscribers: () => node.subscriberCount(gossip.topic),
      cadence: cadence(cluster.heartbeat, cluster.offlineAfter)
    })
    publisher.restore(state.seq)
    const forgetting = new Forgetting(components, {
      self: { peerId: node.peerId, hostname }, offlineAfterMs: cluster.offlineAfter, forgetAfterMs: cluster.forgetAfter, gossip, replica,
      leadingTerm: () => (election.leading ? election.term : null),
      leader: () => { const info = election.leader; return info === null ? null : { hostname: info.hostname, api: replica.get(info.hostname)?.api ?? null } }
    })
    forgetting.restore(tombstones)
    const sync = new Sync(components, {
      heartbeatMs: cluster.heartbeat,
      // What the asker lacks: reports newer than its digest, the plan if newer than its own, the alert list if it differs.
      state: asked => {
        const mine = plans.plan === null ? null : { term: plans.plan.term, seq: plans.seq }
        const hasPlan = asked?.plan !== undefined && mine !== null && (asked.plan.term > mine.term || (asked.plan.term === mine.term && asked.plan.seq >= mine.seq))
        return { reports: replica.relayable(asked?.have), plan: hasPlan ? null : plans.raw, tombstones: forgetting.relayed, alerts: asked?.alerts !== undefined && asked.alerts === alerts.digest ? null : alerts.raw }
      },
      digest: () => ({ have: replica.digest(), ...(plans.plan === null ? {} : { plan: { term: plans.plan.term, seq: plans.seq } }), ...(alerts.digest === null ? {} : { alerts: alerts.digest }) }),
      receive: async (decoded, via) => await gossip.receive(decoded, via),
      stopped: this.stopped.signal,
      rejected: () => { gossip.stats.rejected++ }
    })
    const mesh = new MeshKeeper(components, { bootstrap: cluster.bootstrap, stopped: this.stopped.signal })
    const views = new AgentViews(components, { config, hostname, node, api: () => this.apiAddress, election, replica, plans, alerts, gossip, gateway: this.gateway, reportPath: this.path(config.report.path) })
    views.attach(this.live)

    const failed = (what: string, context: Record<string, unknown> = {}) => (err: unknown): void => { logger.error({ ...context, err: (err as Error).message }, what) }
    replica.on('host:report', (msg, host, live) => {
      if (gate.mayLead(msg.peerId)) election.reportSeen(msg)
      views.history.record(msg.report, components.clock.wall())
      views.notify({ type: live, host, api: msg.api })
      mesh.offer(msg.peerId, msg.addrs)
    })
    replica.on('host:beat', (entry, host, live, readings) => {
      election.beatSeen(entry.peerId)
      if (readings) views.history.record(host, components.clock.wall())
      if (readings || live === 'host:joined') views.notify({ type: live, host, api: entry.api })
    })
    replica.on('host:left', (hostname, lastSeen) => { views.notify({ type: 'host:left', hostname, lastSeen }) })
    forgetting.on('host:forgotten', hostname => {
      views.history.forget(hostname)
      views.notify({ type: 'host:forgotten', hostname })
    })
    election.on('election:announce', term => { leader.announce(term) })
    election.on('leadership:established', term => { leader.establish(term) })
    election.on('leadership:revoked', () => { leader.revoke() })
    let lastLeader: LeaderInfo | null = null
    election.on('leader:changed', (info, term) => {
      // A lease that lapsed: say what the link to that leader looked like (a dead leader, or beats
      // that stopped reaching this node over a live connection, or by gossip).
      if (info === null && lastLeader !== null && lastLeader.peerId !== node.peerId) {
        logger.info({ leader: lastLeader.hostname, term, connected: node.isConnected(lastLeader.peerId), silentMs: beats.silentFor(lastLeader.peerId) }, 'the leader\'s lease lapsed')
      }
      lastLeader = info
      store.saveState({ term, seq: publisher.seq }).catch(failed('cannot write the node state to disk', { term }))
      views.notify({ type: 'leader:changed', leader: info?.hostname ?? null, term, leaderApi: info === null ? null : replica.get(info.hostname)?.api ?? null })
    })
    plans.on('plan:changed', plan => {
      models.follow(plan)
      views.notify({ type: 'plan:changed', plan })
    })
    alerts.on('alert:raised', (alert, leading) => {
      if (leading) this.metrics.alertsRaised.inc({ rule: alert.rule })
      views.notify({ type: 'alert:raised', alert })
    })
    alerts.on('alert:cleared', alert => { views.notify({ type: 'alert:cleared', alert }) })
    alerts.on('alert:updated', alert => { views.notify({ type: 'alert:updated', alert }) })
    // A peer joining the topic has pulled everyone's reports and the plan (sync on connect); the
    // leader's claim is not relayed, so the leader tells it at once instead of at its next beat.
    node.on('topic:joined', (peer, topic) => {
      if (topic !== gossip.topic) return
      this.gateway.spend?.gossip.force()
      if (election.leading) leader.announce(election.term)
      publisher.joined().catch(failed('cannot publish the report to a peer that joined the topic', { peer }))
    })

    // One write at a time, chained: the last one (on stop) waits for any still going.
    let writes = Promise.resolve()
    let saved = { term: state.term, seq: state.seq }
    const flush = async (): Promise<void> => {
      writes = writes.then(async () => {
        await replica.flush()
        // Only what changed is written: the term and the report sequence change rarely.
        const now = { term: election.term, seq: publisher.seq }
        if (now.term === saved.term && now.seq === saved.seq) return
        await store.saveState(now)
        saved = now
      }).catch((err: unknown) => { logger.error({ err: (err as Error).message }, 'cannot write the inventory to disk') })
      await writes
    }
    const every = (ms: number): number => Math.max(1, Math.round(ms / cluster.heartbeat))
    // One timer for everything periodic: an idle agent wakes once per heartbeat. The election's
    // checks run here too; a lapsing lease does not wait for it (see the lapse timer in run()).
    const heartbeat = new Loop(logger, 'heartbeat', cluster.heartbeat, async beat => {
      await afterPendingIo()
      if (this.stopping) return
      election.tick()
      replica.checkDepartures()
      leader.tick()
      forgetting.tick()
      await publisher.heartbeat(beat)
      await leader.heartbeat()
      // This host's gateway spending, when it changed (and slowly): peers sum it into fleet totals.
      const spend = this.gateway.spend?.gossip.due(components.clock.wall(), node.peerId) ?? null
      if (spend !== null) gossip.send((await gossip.sign<SpendMessage>(spend)).text)
      // Dials go out on membership changes (a report, discovery); this sweep is only the slow retry,
      // from the first heartbeat on, and every heartbeat while no peer is connected (a bootstrap
      // node that was not listening yet when this one started).
      if ((beat - 1) % every(MESH_RETRY_MS) === 0 || beats.connections === 0) mesh.sweep([...replica.entries.values()].filter(e => e.peerId !== node.peerId))
      sync.retryPending()
      beats.closeSilent()
      witness.tick(beats.droppedNow())
      if (beat % DIGEST_EXCHANGE_BEATS === 0) sync.exchangeDigest()
      // The disk copy only serves restarts: every 5 heartbeats is enough (and always on stop).
      if (beat % 5 === 0) void flush()
      await this.store?.tick()
    })
    return { components, gossip, gate, replica, election, plans, alerts, leader, forgetting, publisher, beats, witness, sync, mesh, models, views, loops: [heartbeat], stopTimers: [() => { witness.stop() }], flush }
  }

  /** Joins the fleet: gossip, sync and mesh first, then the first heartbeat (its failure fails start). */
  private async run (parts: Parts): Promise<void> {
    const { gossip, gate, replica, election, plans, alerts, forgetting, sync, mesh, models, publisher, components, leader } = parts
    // A follower's lease lapses leaseMs after the last renewal: one timer, pushed back by each
    // renewal, runs the election's check at that moment instead of waiting for the next heartbeat.
    const lapse = setTimeout(() => { setImmediate(() => { if (!this.stopping) { election.tick(); leader.tick() } }) }, this.config.cluster.leaderLease + 1)
    lapse.unref()
    parts.stopTimers.push(() => { clearTimeout(lapse) })
    const renewed = (taken: boolean): boolean => {
      if (taken && election.leader !== null && !election.leading) lapse.refresh()
      return taken
    }
    const missedFromLeader = (lease: NonNullable<BeatMessage['lease']>): boolean =>
      (lease.plan !== undefined && !(plans.plan?.term === lease.term && plans.seq >= lease.plan)) ||
      (lease.alerts !== undefined && lease.alerts !== alerts.digest)
    const missed = new SecondNotice()
    const stillMissed = (lease: NonNullable<BeatMessage['lease']>): boolean =>
      missed.check(missedFromLeader(lease) ? `${lease.term}:${lease.plan ?? ''}:${lease.alerts ?? ''}` : null)
    // Authority first (who may send this?), then each component's own rules (fencing, order).
    const authorized = (verdict: AuthorityVerdict, take: () => boolean): boolean | 'rejected' => verdict.accept ? take() : verdict.reject ? 'rejected' : false
    gossip.start({
      report: (msg, raw) => {
        if (forgetting.buries(msg)) return false
        // A host gossips what it also pushes to its connected peers; the first hop of that gossip
        // is one of those peers, which took the pushed copy already. The copy is valid and must be
        // carried on (gossipsub forwards only what its validator accepts), not ignored as stale:
        // a host that joined a settled fleet, connected to its bootstrap peer only, stayed unknown
        // to the others for 25 s (until a digest exchange). Beats below, the same.
        return replica.accept(msg, raw) || replica.holds(msg.peerId, msg.report.hostname, msg.seq)
      },
      leader: msg => authorized(gate.claim(msg.peerId, msg.term), () => renewed(election.claim(msg))),
      plan: (msg, raw) => authorized(gate.termMessage(msg.peerId, msg.term, 'plan'), () => plans.accept(msg, raw)),
      alerts: (msg, raw) => authorized(gate.termMessage(msg.peerId, msg.term, 'alerts'), () => alerts.adopt(msg, raw, components.node.peerId, election.term)),
      forget: (msg, raw) => authorized(gate.termMessage(msg.peerId, msg.term, 'forget'), () => forgetting.accept(msg, raw)),
      beat: msg => {
        // The lease is a renewal of the author's claim: judged as one (who may lead, whose term).
        let lease: boolean | 'rejected' = false
        if (msg.lease !== undefined) {
          const { term, priority } = msg.lease
          lease = authorized(gate.claim(msg.peerId, term), () => renewed(election.claim({ v: msg.v, type: 'leader', peerId: msg.peerId, sentAt: msg.sentAt, hostname: msg.hostname, term, priority })))
          if (lease === 'rejected') return 'rejected'
          // The leader's beat names what it published this term: a follower that missed it pulls it (stillMissed).
          if (lease && election.leader?.peerId === msg.peerId && stillMissed(msg.lease)) sync.repair(msg.peerId)
        }
        const outcome = replica.acceptBeat(msg)
        // This node missed the author's full report: pull it (from the author when connected).
        if (outcome === 'unknown' || outcome === 'behind') sync.repair(msg.peerId)
        return outcome !== 'stale' || lease || replica.holds(msg.peerId, msg.hostname, msg.seq)
      },
      spend: msg => this.gateway.spend?.gossip.adopt(msg, h => replica.entries.get(h)?.peerId) ?? false
    })
    // The mesh listens first: libp2p tells of a discovered peer once (its first entry in the peer
    // store), and a peer found while the first report was being made would never be dialed.
    mesh.start()
    // This host's own report is in its inventory before any peer pulls it (sync on connect; the
    // connections opened meanwhile are pulled when sync starts).
    await parts.beats.start()
    await parts.witness.start()
    await publisher.publish()
    await sync.start()
    this.log.info({ peerId: components.node.peerId, addrs: components.node.addrs(), api: this.apiAddress, hostname: this.hostname, role: this.config.node.role }, 'agent started')
    if (this.config.ollama.apply) await models.start(plans.plan)
    for (const loop of parts.loops) await loop.start()
  }

  async stop (): Promise<void> {
    if (this.stopping) return
    await this.shutdown()
    this.log.info('agent stopped')
  }

  /** Stops what was started, in order; also what start() runs when it fails midway. */
  private async shutdown (): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.stopped.abort()
    const parts = this.parts
    for (const loop of parts?.loops ?? []) loop.stop()
    for (const clear of parts?.stopTimers ?? []) clear()
    parts?.leader.revoke()
    parts?.gossip.stop()
    parts?.components.probe.stop?.()
    this.live?.close()
    await parts?.models.stop()
    await this.api?.stop()
    await this.gateway.close()
    await this.node?.stop()
    await parts?.flush()
    await this.gateway.spend?.close()
    await this.store?.close()
  }

  private routes (): ConstructorParameters<typeof ApiServer>[0]['routes'] {
    const views = (): AgentViews => this.parts!.views
    const routes = apiRoutes({
      config: this.config,
      status: () => views().status(),
      alerts: () => this.parts!.alerts.active,
      hosts: () => this.parts!.replica.hosts(),
      inventory: () => views().inventoryDocument(),
      plan: () => this.parts!.plans.plan,
      leader: () => this.parts!.election.leader?.hostname ?? null,
      term: () => this.parts!.election.term,
      now: () => this.clock.wall(),
      metrics: this.metrics,
      gateway: this.gateway
    })
    // The API port is bound before the components exist (a taken port fails fast): until they do,
    // routes that read them answer 503, not a 500 from a missing component.
    const always = new Set(['/healthz', '/metrics'])
    return Object.fromEntries(Object.entries(routes).map(([path, handler]) => [path, always.has(path)
      ? handler
      : async (req, url) => this.parts === null ? { status: 503, type: 'application/json; charset=utf-8', body: JSON.stringify({ error: 'the agent is starting' }) } : await handler(req, url)]))
  }
}
