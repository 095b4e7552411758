import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import {
  GOSSIP_VERSION, checkForget, hostsToForget, isBuried, recordTombstone, tombstoneOf,
  type ForgetMessage, type HostEntry, type ReportMessage, type Tombstone, type TombstoneBook
} from '@gpufleet/core'
import type { Clock } from './clock.js'
import type { ForgetOutcome } from './forget-route.js'
import type { Gossip, Unsigned } from './gossip.js'
import type { InventoryReplica } from './inventory-replica.js'
import type { FleetStore } from './store.js'

export interface ForgettingComponents { clock: Clock, logger: Logger, store: FleetStore }

export interface ForgettingInit {
  self: { peerId: string, hostname: string }
  offlineAfterMs: number
  /** cluster.forgetAfter: the leader forgets a host offline this long (null: never by itself). */
  forgetAfterMs: number | null
  gossip: Gossip
  replica: InventoryReplica
  /** The term this node leads now, or null. */
  leadingTerm: () => number | null
  /** Who leads, for the answer a follower gives `gpufleet forget`. */
  leader: () => { hostname: string, api: string | null } | null
}

/**
 * Forgetting hosts: the leader signs and publishes tombstones (asked by `gpufleet forget`, or for
 * hosts offline past cluster.forgetAfter); every node takes them (after the authority check),
 * drops the host, keeps the tombstone on disk and relays it in sync. Core's tombstones.ts says
 * what a tombstone buries.
 */
export class Forgetting extends EventEmitter<{ 'host:forgotten': [hostname: string] }> {
  private book: TombstoneBook = new Map()
  /** Hosts whose tombstone is being signed: one tombstone per host, however many ticks pass. */
  private readonly signing = new Set<string>()

  constructor (private readonly components: ForgettingComponents, private readonly init: ForgettingInit) {
    super()
  }

  restore (tombs: readonly Tombstone[]): void {
    for (const tomb of tombs) this.book = recordTombstone(this.book, tomb) ?? this.book
  }

  /** A report that a tombstone already forgot: dropped (the host itself coming back is not). */
  buries (msg: ReportMessage): boolean { return isBuried(this.book, msg) }

  /** The signed tombstones, relayed to peers that sync. */
  get relayed (): string[] { return [...this.book.values()].map(t => t.raw).filter((r): r is string => r !== undefined) }

  /** A tombstone whose author was already checked (authority). True when it changed anything. */
  accept (msg: ForgetMessage, raw: string | null): boolean {
    const tomb = tombstoneOf(msg, raw ?? undefined)
    const book = recordTombstone(this.book, tomb)
    const buried = this.init.replica.bury(tomb)
    if (book === null && !buried) return false
    if (book !== null) {
      this.book = book
      this.components.store.saveTombstones([...book.values()]).catch((err: unknown) => {
        this.components.logger.debug({ err: (err as Error).message }, 'cannot write the tombstones to disk')
      })
    }
    if (buried) {
      this.components.logger.info({ host: msg.hostname, peerId: msg.host, upTo: msg.upTo, reason: msg.reason, by: msg.peerId, term: msg.term }, 'host forgotten')
      this.emit('host:forgotten', msg.hostname)
    }
    return true
  }

  /** `gpufleet forget HOST` (POST /api/forget): only the leader signs tombstones. */
  async forget (hostname: string): Promise<ForgetOutcome> {
    const term = this.init.leadingTerm()
    if (term === null) {
      const leader = this.init.leader()
      const where = leader === null ? 'no node leads right now: try again once a coordinator leads' : `ask the leader, ${leader.hostname}${leader.api === null ? '' : ` (gpufleet forget ${hostname} --api http://${leader.api})`}`
      return { ok: false, status: leader === null ? 503 : 409, error: `${this.init.self.hostname} does not lead: ${where}` }
    }
    if (hostname === this.init.self.hostname) return { ok: false, status: 409, error: `${hostname} is this node, the leader: stop it and forget it from the next leader` }
    const check = checkForget(this.init.replica.entries, hostname, this.components.clock.now(), this.init.offlineAfterMs)
    if (!check.ok) return check
    await this.publish(check.entry, term, 'manual')
    return { ok: true, hostname, term, upTo: check.entry.seq }
  }

  /** Leader, every election tick: hosts offline past forgetAfter are forgotten. */
  tick (): void {
    const term = this.init.leadingTerm()
    if (term === null) return
    for (const entry of hostsToForget(this.init.replica.entries, this.components.clock.now(), this.init.offlineAfterMs, this.init.forgetAfterMs, this.init.self.hostname)) {
      if (this.signing.has(entry.report.hostname)) continue
      this.publish(entry, term, 'offline').catch((err: unknown) => {
        this.components.logger.error({ host: entry.report.hostname, err: (err as Error).message }, 'cannot publish a tombstone')
      })
    }
  }

  private async publish (entry: HostEntry, term: number, reason: ForgetMessage['reason']): Promise<void> {
    const { gossip, self } = this.init
    const hostname = entry.report.hostname
    this.signing.add(hostname)
    try {
      const unsigned: Unsigned<ForgetMessage> = { v: GOSSIP_VERSION, type: 'forget', peerId: self.peerId, sentAt: new Date(this.components.clock.wall()).toISOString(), term, hostname, host: entry.peerId, upTo: entry.seq, reason }
      const { message, text } = await gossip.sign<ForgetMessage>(unsigned)
      this.accept(message, text)
      await gossip.publish(text)
    } finally {
      this.signing.delete(hostname)
    }
  }
}
