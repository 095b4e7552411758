import { mkdirSync } from 'node:fs'
import { Level } from 'level'
import type { LedgerEntry, Rollup } from '@gpufleet/core'
import { DataDirLockedError } from '../errors.js'

/** Raw keys sort by time: a zero-padded ms timestamp, then what makes them unique. */
const rawKey = (at: number, unique: string): string => `${String(Math.max(0, Math.floor(at))).padStart(15, '0')}:${unique}`
const hourKey = (bucket: number, key: string): string => `${String(bucket).padStart(15, '0')}:${key}`

const isRollup = (v: unknown): v is Rollup => {
  const r = v as Rollup
  return typeof r === 'object' && r !== null && Number.isFinite(r.bucket) && typeof r.role === 'string' && typeof r.via === 'string' &&
    typeof r.tokens === 'object' && r.tokens !== null && Number.isInteger(r.costNano) && Number.isInteger(r.savingsNano)
}
const isEntry = (v: unknown): v is LedgerEntry => {
  const e = v as LedgerEntry
  return typeof e === 'object' && e !== null && Number.isFinite(e.at) && typeof e.via === 'string' && typeof e.tokens === 'object' && e.tokens !== null
}

const sublevel = (db: Level<string, unknown>, name: string) => db.sublevel<string, unknown>(name, { valueEncoding: 'json' })

/**
 * The ledger on disk: its own LevelDB beside the inventory's (a damaged inventory store is set
 * aside whole; the ledger is this host's own history, which no peer can resend). Two sublevels:
 * `hours` (one rollup per hour and labels, kept routing.ledger.retention) and `raw` (one entry per
 * request, kept routing.ledger.rawFor). Each request is one atomic batch: its raw entry and its
 * hour's rollup as it stands after it.
 */
export class LedgerStore {
  // Made once: a sublevel per write would cost an object and its prefix encoding every request.
  private readonly hours: ReturnType<typeof sublevel>
  private readonly raw: ReturnType<typeof sublevel>

  private constructor (private readonly db: Level<string, unknown>) {
    this.hours = sublevel(db, 'hours')
    this.raw = sublevel(db, 'raw')
  }

  static async open (dir: string): Promise<LedgerStore> {
    mkdirSync(dir, { recursive: true })
    const db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
    try {
      await db.open()
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new DataDirLockedError(`${dir}: the ledger is in use by another gpufleet agent`)
      throw err
    }
    return new LedgerStore(db)
  }

  /** Every hourly rollup; a damaged record is skipped. */
  async loadRollups (): Promise<Rollup[]> {
    const out: Rollup[] = []
    for await (const [, value] of this.hours.iterator()) if (isRollup(value)) out.push(value)
    return out
  }

  /** Raw entries at or after `since`, oldest first. */
  async loadRaw (since: number): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = []
    for await (const [, value] of this.raw.iterator({ gte: rawKey(since, '') })) if (isEntry(value)) out.push(value)
    return out
  }

  async write (entry: LedgerEntry, unique: string, rollupKey: string, rollup: Rollup): Promise<void> {
    await this.db.batch([
      { type: 'put', sublevel: this.raw, key: rawKey(entry.at, unique), value: entry },
      { type: 'put', sublevel: this.hours, key: hourKey(rollup.bucket, rollupKey), value: rollup }
    ])
  }

  /** Drops rollups of hours before `hoursBefore` and raw entries before `rawBefore`. */
  async prune (hoursBefore: number, rawBefore: number): Promise<void> {
    await this.hours.clear({ lt: hourKey(hoursBefore, '') })
    await this.raw.clear({ lt: rawKey(rawBefore, '') })
  }

  async close (): Promise<void> {
    await this.db.close()
  }
}
