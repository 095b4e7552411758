import { GOSSIP_VERSION, dailyRollups, rollupsFromRows, spendRows, type SpendMessage } from '@gpufleet/core'
import type { Spend } from './spend.js'

/**
 * Gossip of this host's spending: its daily rollups and quota use, published only when the ledger
 * or the quota use moved since the last one and at most every routing.ledger.gossipEvery (or when a peer joined),
 * never per request. What peers send replaces what we had from them (newest sentAt wins).
 */
export class SpendGossip {
  private sentVersion = -1
  private lastSent = Number.NEGATIVE_INFINITY
  private forced = false
  /** The quota use last sent: it moves without requests too (a window passing), and peers show it. */
  private sentQuotas = ''
  private readonly latest = new Map<string, string>()

  constructor (private readonly spend: Spend, private readonly host: string, private readonly every: number) {}

  /** A peer joined: it gets our figures at the next due time even if nothing changed. */
  force (): void { this.forced = true }

  /** The message to sign and publish now, or null. */
  due (now: number, peerId: string): Omit<SpendMessage, 'signature'> | null {
    if (now - this.lastSent < this.every) return null
    const quotas = this.spend.quotaRows(now).map(({ provider, limit, used, max, ratio }) => ({ provider, limit, used, max, ratio }))
    const quotaText = JSON.stringify(quotas)
    if (this.spend.version === this.sentVersion && !this.forced && quotaText === this.sentQuotas) return null
    this.sentVersion = this.spend.version
    this.sentQuotas = quotaText
    this.lastSent = now
    this.forced = false
    return { v: GOSSIP_VERSION, type: 'spend', peerId, sentAt: new Date(now).toISOString(), hostname: this.host, rows: spendRows(dailyRollups(this.spend.ownRollups()), now), quotas }
  }

  /** A peer's spending, taken when its sender is the host it names (per the inventory) and it is newer. */
  adopt (msg: SpendMessage, peerOf: (hostname: string) => string | undefined): boolean {
    if (msg.hostname === this.host || peerOf(msg.hostname) !== msg.peerId) return false
    const before = this.latest.get(msg.hostname)
    if (before !== undefined && before >= msg.sentAt) return false
    this.latest.set(msg.hostname, msg.sentAt)
    this.spend.adoptPeer(msg.hostname, { days: rollupsFromRows(msg.hostname, msg.rows), quotas: msg.quotas.map(q => ({ host: msg.hostname, ...q })) })
    return true
  }
}
