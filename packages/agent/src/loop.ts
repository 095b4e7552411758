import type { Logger } from 'pino'

/**
 * A timer-driven job that never overlaps itself: a run that comes due while one is going starts
 * as soon as that one ends — once, however many came due (a slow probe must not stack
 * heartbeats, nor halve their rate). Failures are logged with the job's name; the first run,
 * awaited by start(), lets them through instead.
 */
export class Loop {
  private timer: NodeJS.Timeout | null = null
  private running = false
  private due = false
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
    if (this.running) { this.due = true; return }
    this.running = true
    try {
      await this.run(++this.count)
    } finally {
      this.running = false
    }
    if (this.due && this.timer !== null) {
      this.due = false
      this.logger.debug({ loop: this.name }, `${this.name} ran late: the previous run outlasted the interval`)
      await this.once()
    }
  }
}
