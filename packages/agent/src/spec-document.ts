import { rename, writeFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import { dayOf, renderReport, type FleetConfig, type HostReport, type Plan, type ReportCosts } from '@gpufleet/core'
import type { Clock } from './clock.js'

/** Where the document's "Costs and savings" section comes from: the ledger's fleet view. */
export interface SpecDocumentCosts {
  /** Grows when the fleet's figures changed (this host's requests, peers' gossip). */
  version: () => number
  costs: (now: number) => ReportCosts
  /** The section is refreshed in the file at most this often (peers' figures come no faster). */
  everyMs: number
}

/**
 * The GPU spec document (report.path), rewritten by the leader with each plan when its text
 * changed, and between plans when the fleet's costs moved (at most every `costs.everyMs`, and on
 * a new UTC day, when the section's 30-day period moves).
 */
export class SpecDocument {
  private lastText = ''
  private writes: Promise<void> = Promise.resolve()
  /** The inventory and plan of the last write: what a costs refresh renders again. */
  private last: { hosts: HostReport[], plan: Plan } | null = null
  private costsKey = ''
  private costsAt = Number.NEGATIVE_INFINITY

  constructor (private readonly components: { logger: Logger, clock: Clock }, private readonly config: FleetConfig, private readonly target: string, private readonly costs?: SpecDocumentCosts) {}

  /** Writes are chained: two plans in quick succession never interleave their temp-file renames. */
  write (hosts: HostReport[], plan: Plan): Promise<void> {
    this.last = { hosts, plan }
    this.writes = this.writes.then(async () => {
      const text = this.render(hosts, plan)
      if (text === this.lastText) return
      try {
        await writeFile(`${this.target}.tmp`, text)
        await rename(`${this.target}.tmp`, this.target)
        this.lastText = text
      } catch (err) {
        this.components.logger.error({ path: this.target, err: (err as Error).message }, 'cannot write the GPU spec document')
      }
    })
    return this.writes
  }

  /** The leader's heartbeat: the last plan's document again when the costs moved since it was written. */
  async refresh (): Promise<void> {
    if (this.last === null || this.costs === undefined) return
    const now = this.components.clock.wall()
    if (now - this.costsAt < this.costs.everyMs || this.keyOf(now) === this.costsKey) return
    await this.write(this.last.hosts, this.last.plan)
  }

  private keyOf (now: number): string { return `${this.costs?.version() ?? 0}:${dayOf(now)}` }

  private render (hosts: HostReport[], plan: Plan): string {
    const now = this.components.clock.wall()
    this.costsKey = this.keyOf(now)
    this.costsAt = now
    return renderReport({ hosts, plan, config: this.config, lang: this.config.report.lang, costs: this.costs?.costs(now) })
  }
}
