import {
  HOST_REPORT_SCHEMA, applyBeat, applyReport, initialElection, isHostOnline, isLeader, planSupersedes, step,
  type BeatMessage, type ElectionEvent, type Stamped, type ElectionState, type HostReport, type InventoryState, type ReportMessage
} from '../../src/index.js'

/** Park–Miller generator: the same seed replays the same run, event for event. */
export function rng (seed: number): () => number {
  let s = (seed % 2147483646) + 1
  return () => { s = (s * 48271) % 2147483647; return (s - 1) / 2147483646 }
}

type Payload =
  | { kind: 'report', msg: ReportMessage }
  | { kind: 'beat', msg: BeatMessage }
  | { kind: 'leader', from: { peerId: string, hostname: string, priority: number }, term: number }
  | { kind: 'plan', plan: Stamped }

interface SimNode {
  id: string
  name: string
  coordinator: boolean
  priority: number
  up: boolean
  seq: number
  /** Sequence of its last full report, and the heartbeats counted since it started. */
  reportSeq: number
  beats: number
  report: ReportMessage | null
  election: ElectionState
  inventory: InventoryState
  /** The plan in force (its stamp: term and generation time), null before the first. */
  plan: Stamped | null
  /** The plan this node made while leading, gossiped every heartbeat like the agent's. */
  ownPlan: Stamped | null
  /** The highest term this node has heard of, from any leader message or plan. */
  maxTermSeen: number
}

export interface SimOptions {
  nodes: number
  coordinators: number
  seed: number
  heartbeatMs: number
  leaseMs: number
  offlineAfterMs: number
  /** One-way delay: base + uniform jitter (jitter larger than the heartbeat reorders messages). */
  delayMs: number
  jitterMs: number
  dropRate: number
  /** Heartbeats between full reports when nothing changed (the agent's: 30 s). */
  refreshEvery?: number
}

export interface Violation { at: number, what: string }

/**
 * A deterministic network of virtual gpufleet nodes running the real election and inventory
 * code with virtual time, on the agent's protocol: a full report at start and every
 * `refreshEvery` heartbeats, beats between (every node every offlineAfter / 3; the leader's beat,
 * every heartbeat, renews its lease and names its plan), a pull from the author when a beat shows a
 * missed report or plan; the election ticks every heartbeat and when a lease lapses, a leader
 * announces a new claim and publishes a plan stamped with its term, once.
 * Invariants are checked on every event: at most one leader per term, no plan applied from a
 * term lower than one the node has seen.
 */
export class Simulation {
  readonly nodes: SimNode[]
  now = 0
  private readonly queue = new EventHeap()
  private order = 0
  private readonly random: () => number
  private groups: Map<string, number> | null = null
  readonly leadersByTerm = new Map<number, Set<string>>()
  readonly violations: Violation[] = []
  delivered = 0
  dropped = 0
  private readonly byId: Map<string, SimNode>

  constructor (readonly options: SimOptions) {
    this.random = rng(options.seed)
    this.nodes = Array.from({ length: options.nodes }, (_, i) => {
      const id = `12D3KooW${String(i).padStart(44, 'x')}`
      const coordinator = i < options.coordinators
      const priority = coordinator ? 100 - i : 0
      return {
        id, name: `node-${String(i).padStart(3, '0')}`, coordinator, priority, up: true, seq: 0, reportSeq: 0, beats: 0, report: null, inventory: new Map(), plan: null, ownPlan: null, maxTermSeen: 0,
        election: initialElection({ self: { peerId: id, hostname: `node-${String(i).padStart(3, '0')}`, priority, coordinator }, leaseMs: options.leaseMs, candidateWindowMs: Math.max(options.leaseMs, options.offlineAfterMs), startupGraceMs: 2 * options.heartbeatMs }, 0)
      }
    })
    this.byId = new Map(this.nodes.map(n => [n.id, n]))
    for (const node of this.nodes) this.startTimers(node, this.random() * options.heartbeatMs)
  }

  private schedule (at: number, run: () => void): void {
    this.queue.push({ at, order: this.order++, run })
  }

  private startTimers (node: SimNode, offset: number): void {
    // One timer, as the agent: the election's check, then what goes out.
    const beat = (): void => { if (node.up) { this.elect(node, { type: 'tick' }); this.heartbeat(node); this.schedule(this.now + this.options.heartbeatMs, beat) } }
    this.schedule(this.now + offset, beat)
  }

  private heartbeat (node: SimNode): void {
    const { heartbeatMs, offlineAfterMs } = this.options
    const refreshEvery = this.options.refreshEvery ?? Math.round(600_000 / heartbeatMs)
    const beatEvery = Math.max(1, Math.floor(offlineAfterMs / (3 * heartbeatMs)))
    const own = node.ownPlan?.term === node.election.term ? node.ownPlan : null
    const lease = isLeader(node.election) ? { term: node.election.term, priority: node.priority, ...(own === null ? {} : { plan: own.seq }) } : undefined
    node.beats++
    if (node.report === null || node.beats % refreshEvery === 0) {
      node.seq++
      node.reportSeq = node.seq
      const report: HostReport = {
        schema: HOST_REPORT_SCHEMA, hostname: node.name, role: node.coordinator ? 'coordinator' : 'worker', simulated: true, collectedAt: '2026-11-22T10:00:00.000Z',
        os: { platform: 'linux', distro: 'sim', release: '1', arch: 'x64' }, cpu: { brand: 'sim', cores: 1, threads: 1 }, memory: { totalBytes: 0 }, gpus: [], displays: [], ollama: { reachable: false, models: [] }
      }
      const msg: ReportMessage = { v: 1, type: 'report', peerId: node.id, sentAt: '2026-11-22T10:00:00.000Z', seq: node.seq, report, priority: node.priority, addrs: [], api: null, signature: 'unchecked-in-simulation-'.padEnd(44, 'x') }
      node.report = msg
      this.receive(node, { kind: 'report', msg })
      this.broadcast(node, { kind: 'report', msg })
      if (lease === undefined) return
    } else if (lease === undefined && node.beats % beatEvery !== 0) {
      return
    }
    node.seq++
    const beat: BeatMessage = { v: 1, type: 'beat', peerId: node.id, sentAt: '2026-11-22T10:00:00.000Z', hostname: node.name, seq: node.seq, of: node.reportSeq, ...(lease === undefined ? {} : { lease }) }
    this.receive(node, { kind: 'beat', msg: beat })
    this.broadcast(node, { kind: 'beat', msg: beat })
  }

  /** Sync from `from` to `to`: the author's current report, if the network lets the pull through. */
  private pull (to: SimNode, from: SimNode): void {
    if (from.report === null || !this.reachable(to, from)) return
    const msg = from.report
    this.schedule(this.now + 2 * (this.options.delayMs + this.random() * this.options.jitterMs), () => { if (to.up && from.up) this.receive(to, { kind: 'report', msg }) })
  }

  /** The plan `from` made in its term, pulled by `to` (sync), if the network lets the pull through. */
  private pullPlan (to: SimNode, from: SimNode): void {
    const plan = from.ownPlan
    if (plan === null || !this.reachable(to, from)) return
    this.schedule(this.now + 2 * (this.options.delayMs + this.random() * this.options.jitterMs), () => {
      if (!to.up || !from.up) return
      this.applyPlan(to, plan)
      to.maxTermSeen = Math.max(to.maxTermSeen, plan.term)
    })
  }

  /** The agent's lapse timer: a follower checks its election the moment the lease it just saw renewed would lapse. */
  private watchLease (node: SimNode): void {
    if (node.election.leader === null || isLeader(node.election)) return
    this.schedule(this.now + this.options.leaseMs + 1, () => { if (node.up) this.elect(node, { type: 'tick' }) })
  }

  private reachable (a: SimNode, b: SimNode): boolean {
    return this.groups === null || this.groups.get(a.id) === this.groups.get(b.id)
  }

  private elect (node: SimNode, event: ElectionEvent): void {
    const before = node.election.term
    const { state, actions } = step(node.election, event, this.now)
    node.election = state
    if (state.term < before) this.violations.push({ at: this.now, what: `${node.name} went back from term ${before} to ${state.term}` })
    node.maxTermSeen = Math.max(node.maxTermSeen, state.term)
    for (const action of actions) {
      if (action.type === 'announce') this.broadcast(node, { kind: 'leader', from: { peerId: node.id, hostname: node.name, priority: node.priority }, term: action.term })
      if (action.type === 'became-leader') {
        const set = this.leadersByTerm.get(action.term) ?? new Set()
        set.add(node.id)
        this.leadersByTerm.set(action.term, set)
        if (set.size > 1) this.violations.push({ at: this.now, what: `two leaders in term ${action.term}: ${[...set].join(', ')}` })
        node.ownPlan = { term: action.term, seq: this.now }
        this.applyPlan(node, node.ownPlan)
        this.broadcast(node, { kind: 'plan', plan: node.ownPlan })
      }
    }
  }

  /** The agent's fencing rule (core's planSupersedes); the check below is what must never happen whatever the messages did. */
  private applyPlan (node: SimNode, plan: Stamped): void {
    if (!planSupersedes(plan, node.plan, node.election.term)) return
    if (plan.term < node.maxTermSeen) this.violations.push({ at: this.now, what: `${node.name} applied a plan of term ${plan.term} after seeing term ${node.maxTermSeen}` })
    node.plan = plan
  }

  private broadcast (from: SimNode, payload: Payload): void {
    for (const to of this.nodes) {
      if (to === from) continue
      if (this.groups !== null && this.groups.get(from.id) !== this.groups.get(to.id)) { this.dropped++; continue }
      if (this.random() < this.options.dropRate) { this.dropped++; continue }
      this.schedule(this.now + this.options.delayMs + this.random() * this.options.jitterMs, () => { if (to.up) this.receive(to, payload) })
    }
  }

  private receive (node: SimNode, payload: Payload): void {
    this.delivered++
    switch (payload.kind) {
      case 'report': {
        const out = applyReport(node.inventory, payload.msg, this.now, this.options.offlineAfterMs)
        if (out.accepted) {
          node.inventory = out.state
          if (payload.msg.report.role === 'coordinator') this.elect(node, { type: 'coordinator-seen', who: { peerId: payload.msg.peerId, hostname: payload.msg.report.hostname, priority: payload.msg.priority } })
        }
        break
      }
      case 'beat': {
        const beat = payload.msg
        if (beat.lease !== undefined) {
          this.elect(node, { type: 'leader', from: { peerId: beat.peerId, hostname: beat.hostname, priority: beat.lease.priority }, term: beat.lease.term })
          this.watchLease(node)
          // The beat names the leader's plan: a node that missed it pulls it from the leader.
          const leader = this.byId.get(beat.peerId)
          const { plan } = beat.lease
          if (leader !== undefined && plan !== undefined && node.election.leader?.peerId === beat.peerId && !(node.plan?.term === beat.lease.term && node.plan.seq >= plan)) this.pullPlan(node, leader)
        }
        const out = applyBeat(node.inventory, beat, this.now, this.options.offlineAfterMs)
        if (out.accepted) {
          node.inventory = out.state
          const author = out.entry.report
          if (author.role === 'coordinator') this.elect(node, { type: 'coordinator-seen', who: { peerId: beat.peerId, hostname: author.hostname, priority: this.byId.get(beat.peerId)?.priority ?? 0 } })
        } else if (out.reason !== 'stale') {
          const author = this.byId.get(beat.peerId)
          if (author !== undefined && author !== node) this.pull(node, author)
        }
        break
      }
      case 'leader':
        this.elect(node, { type: 'leader', from: payload.from, term: payload.term })
        this.watchLease(node)
        break
      case 'plan':
        this.applyPlan(node, payload.plan)
        node.maxTermSeen = Math.max(node.maxTermSeen, payload.plan.term)
        break
    }
  }

  run (untilMs: number): void {
    for (let next = this.queue.peek(); next !== undefined && next.at <= untilMs; next = this.queue.peek()) {
      this.queue.pop()
      this.now = next.at
      next.run()
    }
    this.now = untilMs
  }

  crash (index: number): void { this.nodes[index]!.up = false }
  restart (index: number): void {
    const node = this.nodes[index]!
    node.up = true
    // A restarted node keeps its disk (inventory, term) but starts its election afresh.
    node.election = initialElection(node.election.config, this.now, node.election.term)
    node.report = null
    node.beats = 0
    this.startTimers(node, 0)
  }

  partition (groups: number[][]): void {
    this.groups = new Map(groups.flatMap((g, k) => g.map(i => [this.nodes[i]!.id, k] as [string, number])))
  }

  heal (): void { this.groups = null }

  /** Leader as each live node sees it. */
  leaders (): Array<string | null> { return this.nodes.filter(n => n.up).map(n => n.election.leader?.hostname ?? null) }
  onlineCounts (): number[] { return this.nodes.filter(n => n.up).map(n => [...n.inventory.values()].filter(e => isHostOnline(e, this.now, this.options.offlineAfterMs)).length) }
}

interface QueuedEvent { at: number, order: number, run: () => void }

/** Min-heap on (time, insertion order): ties run in the order they were scheduled. */
class EventHeap {
  private readonly items: QueuedEvent[] = []
  get size (): number { return this.items.length }
  peek (): QueuedEvent | undefined { return this.items[0] }
  private less (a: QueuedEvent, b: QueuedEvent): boolean { return a.at < b.at || (a.at === b.at && a.order < b.order) }
  push (e: QueuedEvent): void {
    const h = this.items
    h.push(e)
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1
      if (!this.less(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }
  pop (): QueuedEvent | undefined {
    const h = this.items
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      for (let i = 0; ;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }
}
