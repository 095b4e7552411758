import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import {
  addToRollups, DAY_MS, dayOf, hourOf, nanoToUsd, priceTable, reportPrices, providerOf, quotaPressure, quotaStatus, requestMoney, rollupKey, totalTokens, usageDocument,
  type FleetConfig, type LedgerEntry, type PriceTable, type ProviderUse, type QuotaPressure, type QuotaStatus, type ReportCosts, type Rollup, type UsageDocument, type UsageGrouping
} from '@gpufleet/core'
import { LedgerStore } from './ledger-store.js'
import { SpendGossip } from './spend-gossip.js'

/** One provider's use of one of its limits on one host, as the dashboard and `gpufleet usage` show it. */
export interface QuotaRow { host: string, provider: string, limit: string, used: number, max: number, ratio: number }

/** What another host gossiped: its daily rollups and its quota use. */
export interface PeerSpend { days: Rollup[], quotas: QuotaRow[] }

export interface SpendInit {
  host: string
  config: FleetConfig
  /** The ledger's LevelDB directory. */
  dir: string
  registry: Registry
  log: Logger
  clock: () => number
}

/** Requests and token counts kept per provider for quota windows: the longest window, at most this many. */
const MAX_RECENT = 100_000
const MAX_PEERS = 1000

/**
 * This agent's spending: every gateway request goes into the ledger (LevelDB, hourly rollups and
 * raw entries), the Prometheus counters, and the per-provider use its quotas are checked against.
 * Keys are per machine, so each agent counts only its own use; peers' rollups arrive by gossip
 * and are only ever summed for the fleet view.
 */
export class Spend {
  private readonly rollups = new Map<string, Rollup>()
  private readonly peers = new Map<string, PeerSpend>()
  private readonly requestTimes = new Map<string, number[]>()
  private readonly tokenTimes = new Map<string, Array<[number, number]>>()
  private readonly rateLimitedUntil = new Map<string, number>()
  /**
   * Cloud cost per provider and UTC day, the last 32 days: what day and month budgets read at every
   * heartbeat (the quota alert's report), without walking 90 days of rollups each time.
   */
  private readonly dailyCost = new Map<string, Map<number, number>>()
  private readonly prices: PriceTable
  private readonly unique = randomBytes(4).toString('hex')
  private seq = 0
  private writes: Promise<void> = Promise.resolve()
  private lastPruneHour = 0
  /** Bumped on every recorded request: gossip only when it moved. */
  version = 0
  private peerChanges = 0
  private readonly cost: Counter<'role' | 'provider' | 'model'>
  private readonly savings: Counter<'role' | 'provider' | 'model'>
  private readonly tokens: Counter<'role' | 'provider' | 'model' | 'kind'>
  private readonly warned = new Set<string>()
  readonly gossip: SpendGossip

  private constructor (private readonly init: SpendInit, private readonly store: LedgerStore) {
    this.prices = priceTable(init.config)
    this.gossip = new SpendGossip(this, init.host, init.config.routing.ledger.gossipEvery)
    const registers = [init.registry]
    this.cost = new Counter({ name: 'gpufleet_cost_usd_total', help: 'Money spent on cloud providers through this gateway (tokens × the provider\'s dated price), US dollars.', labelNames: ['role', 'provider', 'model'], registers })
    this.savings = new Counter({ name: 'gpufleet_savings_usd_total', help: 'Local and peer tokens priced at the role\'s reference cloud model, US dollars (electricity not counted).', labelNames: ['role', 'provider', 'model'], registers })
    this.tokens = new Counter({ name: 'gpufleet_tokens_total', help: 'Tokens through this gateway by bucket: uncached input, cache read, cache write, output.', labelNames: ['role', 'provider', 'model', 'kind'], registers })
    const rows = (): QuotaRow[] => this.quotaRows(this.init.clock())
    // Registered in the agent's registry and read at scrape time.
    new Gauge({
      name: 'gpufleet_quota_use_ratio', help: 'Use of each provider limit by this host (1 = at the limit).', labelNames: ['provider', 'limit'], registers,
      collect () { this.reset(); for (const q of rows()) this.set({ provider: q.provider, limit: q.limit }, q.ratio) }
    })
  }

  static async open (init: SpendInit): Promise<Spend> {
    const store = await LedgerStore.open(init.dir)
    const spend = new Spend(init, store)
    await spend.restore()
    return spend
  }

  private get routing (): FleetConfig['routing'] { return this.init.config.routing }

  /** Rollups from disk; quota windows rebuilt from the raw entries they span. */
  private async restore (): Promise<void> {
    const now = this.init.clock()
    await this.prune(now)
    for (const r of await this.store.loadRollups()) {
      this.rollups.set(rollupKey(r), r)
      if (r.kind === 'cloud' && r.bucket >= now - 32 * DAY_MS) this.addDailyCost(r.via, r.bucket, r.costNano)
    }
    const window = Math.max(60_000, ...Object.values(this.routing.quotas).map(q => q.window))
    for (const e of await this.store.loadRaw(now - Math.min(window, this.routing.ledger.rawFor))) this.countForQuota(e)
  }

  private async prune (now: number): Promise<void> {
    this.lastPruneHour = hourOf(now)
    const hoursBefore = hourOf(now - this.routing.ledger.retention)
    for (const [key, r] of this.rollups) if (r.bucket < hoursBefore) this.rollups.delete(key)
    for (const days of this.dailyCost.values()) for (const day of days.keys()) if (day < now - 32 * DAY_MS) days.delete(day)
    await this.store.prune(hoursBefore, now - this.routing.ledger.rawFor)
  }

  private addDailyCost (provider: string, at: number, nano: number): void {
    const days = this.dailyCost.get(provider) ?? new Map<number, number>()
    days.set(dayOf(at), (days.get(dayOf(at)) ?? 0) + nano)
    this.dailyCost.set(provider, days)
  }

  private countForQuota (e: LedgerEntry): void {
    if (e.kind !== 'cloud') return
    const times = this.requestTimes.get(e.via) ?? []
    times.push(e.at)
    if (times.length > MAX_RECENT) times.shift()
    this.requestTimes.set(e.via, times)
    const n = totalTokens(e.tokens)
    if (n > 0) {
      const tokens = this.tokenTimes.get(e.via) ?? []
      tokens.push([e.at, n])
      while (tokens.length > 0 && (tokens.length > MAX_RECENT || tokens[0]![0] < e.at - 60_000)) tokens.shift()
      this.tokenTimes.set(e.via, tokens)
    }
    const window = this.routing.quotas[e.via]?.window ?? 0
    while (times.length > 0 && times[0]! <= e.at - window) times.shift()
  }

  /** Records one gateway request: priced, summed into its hour, written to disk (in order), counted. */
  record (request: Omit<LedgerEntry, 'costNano' | 'savingsNano' | 'priceDate'>): LedgerEntry {
    const money = request.kind === 'none' ? { costNano: 0, savingsNano: 0, priceDate: null } : requestMoney({ ...request, kind: request.kind }, this.init.config, this.prices)
    const entry: LedgerEntry = { ...request, ...money }
    const rollup = addToRollups(this.rollups, this.init.host, entry)
    const snapshot = structuredClone(rollup)
    const key = rollupKey(rollup)
    const unique = `${this.unique}:${this.seq++}`
    const pruneDue = hourOf(entry.at) > this.lastPruneHour
    this.writes = this.writes.then(async () => {
      await this.store.write(entry, unique, key, snapshot)
      if (pruneDue) await this.prune(entry.at)
    }).catch(err => { this.init.log.error({ err: (err as Error).message, target: entry.target }, 'could not write a ledger entry') })
    this.countForQuota(entry)
    if (entry.kind === 'cloud') this.addDailyCost(entry.via, entry.at, entry.costNano)
    this.version++
    const labels = { role: entry.role, provider: providerOf(entry), model: entry.model }
    if (entry.costNano > 0) this.cost.inc(labels, nanoToUsd(entry.costNano))
    if (entry.savingsNano > 0) this.savings.inc(labels, nanoToUsd(entry.savingsNano))
    for (const [kind, n] of [['uncached', entry.tokens.uncached], ['cache_read', entry.tokens.cacheRead], ['cache_write', entry.tokens.cacheWrite], ['output', entry.tokens.output]] as const) {
      if (n > 0) this.tokens.inc({ ...labels, kind }, n)
    }
    this.warnNearLimits(entry.at)
    return entry
  }

  /** A provider answered 429: skipped until `until`. */
  rateLimited (provider: string, until: number): void {
    this.rateLimitedUntil.set(provider, until)
    this.init.log.warn({ provider, until: new Date(until).toISOString() }, 'provider answered 429: skipped until its retry-after')
  }

  private use (provider: string, now: number): ProviderUse {
    let today = 0
    let month = 0
    const day = dayOf(now)
    const d = new Date(now)
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    for (const [at, nano] of this.dailyCost.get(provider) ?? []) {
      if (at < monthStart) continue
      month += nano
      if (at >= day) today += nano
    }
    return { requestTimes: this.requestTimes.get(provider) ?? [], tokenTimes: this.tokenTimes.get(provider) ?? [], costTodayNano: today, costMonthNano: month }
  }

  private statuses (now: number): Array<[string, QuotaStatus]> {
    return Object.entries(this.routing.quotas).map(([provider, quota]) => [provider, quotaStatus(quota, this.use(provider, now), now, this.routing.alertAt)])
  }

  /** What routing must skip now: providers in a 429 window, and providers over a quota or budget. */
  limits (now: number): { rateLimited: Map<string, number>, overQuota: Map<string, { reason: string, until: number }> } {
    for (const [p, until] of this.rateLimitedUntil) if (until <= now) this.rateLimitedUntil.delete(p)
    const overQuota = new Map<string, { reason: string, until: number }>()
    for (const [provider, s] of this.statuses(now)) if (s.over !== null) overQuota.set(provider, s.over)
    return { rateLimited: new Map(this.rateLimitedUntil), overQuota }
  }

  quotaRows (now: number): QuotaRow[] {
    return this.statuses(now).flatMap(([provider, s]) => s.uses.map(u => ({ host: this.init.host, provider, limit: u.limit, used: u.used, max: u.max, ratio: Math.round(u.ratio * 10_000) / 10_000 })))
  }

  /**
   * What this host's report carries for the leader's quota alert: each provider whose use of a
   * limit is at routing.alertAt or past it. Recomputed at every report, so a window that passes
   * (or a new UTC day) drops the entry without a request, and the leader clears the alert.
   */
  reportFields (now: number): { quotas?: QuotaPressure[] } {
    const quotas = this.statuses(now).flatMap(([provider, s]) => {
      const p = quotaPressure(provider, this.routing.quotas[provider]!, s, this.routing.alertAt)
      return p === null ? [] : [{ ...p, used: Math.round(p.used * 10_000) / 10_000 }]
    })
    return quotas.length === 0 ? {} : { quotas }
  }

  /** Near a limit (routing.alertAt): one warning per provider, limit and window crossing. */
  private warnNearLimits (now: number): void {
    for (const [provider, s] of this.statuses(now)) {
      for (const u of s.uses) {
        const key = `${provider}:${u.limit}`
        if (u.ratio >= this.routing.alertAt && !this.warned.has(key)) {
          this.warned.add(key)
          this.init.log.warn({ provider, limit: u.limit, used: u.used, max: u.max }, `provider ${provider} at ${Math.round(u.ratio * 100)} % of its ${u.limit} limit`)
        } else if (u.ratio < this.routing.alertAt) this.warned.delete(key)
      }
    }
  }

  /** This host's hourly rollups and the peers' daily ones, as `gpufleet usage` reads them. */
  usage (query: { since: number, until: number, by: UsageGrouping, host?: string | null }): UsageDocument & { quotas: QuotaRow[] } {
    const rollups = [...this.rollups.values(), ...[...this.peers.values()].flatMap(p => p.days)]
    const now = this.init.clock()
    const quotas = [...this.quotaRows(now), ...[...this.peers.values()].flatMap(p => p.quotas)].filter(q => query.host == null || q.host === query.host)
    return { ...usageDocument(rollups, query), quotas }
  }

  /** The GPU spec document's "Costs and savings": the fleet's last 30 days and the prices of the configured models. */
  reportCosts (now: number): ReportCosts {
    const prices = reportPrices(this.init.config)
    return { usage: usageDocument([...this.rollups.values(), ...[...this.peers.values()].flatMap(p => p.days)], { since: dayOf(now) - 29 * 86_400_000, until: now + 1, by: 'provider' }), prices }
  }

  /** Grows with every change to the fleet's figures: this host's requests and peers' gossip (the spec document's refresh). */
  get fleetVersion (): number { return this.version + this.peerChanges }

  /** Own hourly rollups (for this host's metrics and the gossip payload). */
  ownRollups (): Rollup[] { return [...this.rollups.values()] }

  /** A peer's latest gossiped spending replaces what we had from it. */
  adoptPeer (host: string, spend: PeerSpend): void {
    if (!this.peers.has(host) && this.peers.size >= MAX_PEERS) return
    this.peers.set(host, spend)
    this.peerChanges++
  }

  forgetPeer (host: string): void { if (this.peers.delete(host)) this.peerChanges++ }

  /** Waits for every queued write (stop: no entry lost), then closes the store. */
  async close (): Promise<void> {
    await this.writes
    await this.store.close()
  }
}
