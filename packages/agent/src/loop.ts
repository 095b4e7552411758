import type { Logger } from 'pino'

/**
 * A timer-driven job that never overlaps itself: a run still going when the next is due makes
 * that one skip (a slow probe must not stack heartbeats). Failures are logged with the job's
 * name; the first run, awaited by start(), lets them through instead.
 */
export class Loop {
  private timer: NodeJS.Timeout | null = null
  private running = false
  private count = 0

  constructor (private readonly logger: Logger, readonly name: string, private readonly everyMs: number, private readonly run: (count: number) => Promise<void> | void) {}

  /** Runs once now (failures propagate), then every `everyMs`. */
  async start (): Promise<void> {
    await this.once()
    this.timer ??= setInterval(() => {
      this.once().catch((err: unknown) => { this.logger.error({ loop: this.name, err: (err as Error).message }, `${this.name} failed`) })
    }, this.everyMs)
  }

  stop (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  private async once (): Promise<void> {
    if (this.running) { this.logger.debug({ loop: this.name }, `${this.name} still running: skipped`); return }
    this.running = true
    try {
      await this.run(++this.count)
    } finally {
      this.running = false
    }
  }
}
