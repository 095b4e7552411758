import { rename, writeFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import { renderReport, type FleetConfig, type HostReport, type Plan } from '@gpufleet/core'

/** The GPU spec document (report.path), rewritten by the leader with each plan when its text changed. */
export class SpecDocument {
  private lastText = ''
  private writes: Promise<void> = Promise.resolve()

  constructor (private readonly components: { logger: Logger }, private readonly config: FleetConfig, private readonly target: string) {}

  /** Writes are chained: two plans in quick succession never interleave their temp-file renames. */
  write (hosts: HostReport[], plan: Plan): Promise<void> {
    this.writes = this.writes.then(async () => {
      const text = renderReport({ hosts, plan, config: this.config, lang: this.config.report.lang })
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
}
