import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { byName, ollamaTag as tag, type ModelPlacement } from '@gpufleet/core'
import type { OllamaControl, PullHandle } from '@gpufleet/probe'

export interface ApplierInit {
  control: OllamaControl
  log: Logger
  /** Catalog model names: only these are ever unloaded or deleted (the user's own models are left alone). */
  catalog: () => readonly string[]
  prune: boolean
  keepAlive: string | number
  clock?: () => number
  /** Retry delays: base × 2^(attempt−1), capped. */
  backoff?: { baseMs: number, maxMs: number }
  /** How often the state is re-checked when nothing changes (a model unloaded behind our back). */
  recheckMs?: number
}


/**
 * Makes the plan happen on this host, one model at a time: pull what is missing (progress in bytes,
 * percentage and rate; Ollama resumes partial downloads), preload it with keep_alive, unload catalog
 * models the plan dropped (delete them only with policy.prune). Failures are retried with backoff;
 * a newer plan that drops the model being pulled cancels the pull.
 */
/** Progress events at most this often. */
const THROTTLE_MS = 500

export class PlanApplier extends EventEmitter<{ change: [ModelPlacement[]] }> {
  private desired: string[] = []
  private readonly states = new Map<string, ModelPlacement>()
  private readonly retryAt = new Map<string, number>()
  private current: { model: string, handle: PullHandle | null } | null = null
  private wake: (() => void) | null = null
  private running: Promise<void> | null = null
  private stopped = false
  private lastEmit = 0
  /** The progress held back by the throttle, sent when its window ends (a stalled pull still shows where it stopped). */
  private trailing: NodeJS.Timeout | null = null
  private readonly clock: () => number
  private readonly backoff: { baseMs: number, maxMs: number }

  constructor (private readonly init: ApplierInit) {
    super()
    this.clock = init.clock ?? Date.now
    this.backoff = init.backoff ?? { baseMs: 1000, maxMs: 60_000 }
  }

  /** The models the plan in force gives this host (Ollama tags). */
  setDesired (models: readonly string[]): void {
    const next = [...new Set(models.map(tag))].sort()
    if (next.join('\n') === this.desired.join('\n')) return
    this.desired = next
    for (const model of [...this.states.keys()]) if (!next.includes(model)) this.states.delete(model)
    for (const model of next) if (!this.states.has(model)) this.set(model, { state: 'queued', attempts: 0 })
    for (const model of [...this.retryAt.keys()]) if (!next.includes(model)) this.retryAt.delete(model)
    if (this.current !== null && !next.includes(this.current.model)) {
      this.init.log.info({ model: this.current.model }, 'pull cancelled: the new plan dropped this model')
      this.current.handle?.abort()
    }
    this.emitNow()
    this.start()
    this.wake?.()
  }

  placements (): ModelPlacement[] {
    return [...this.states.values()].map(p => ({ ...p })).sort((a, b) => byName(a.model, b.model))
  }

  start (): void {
    if (this.running === null && !this.stopped) this.running = this.loop().finally(() => { this.running = null })
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.trailing !== null) { clearTimeout(this.trailing); this.trailing = null }
    this.current?.handle?.abort()
    this.wake?.()
    await this.running
  }

  private set (model: string, patch: Partial<ModelPlacement>): void {
    const before = this.states.get(model)
    this.states.set(model, { model, state: 'queued', attempts: 0, ...before, ...patch, updatedAt: new Date(this.clock()).toISOString() })
  }

  private emitNow (): void {
    if (this.trailing !== null) { clearTimeout(this.trailing); this.trailing = null }
    this.lastEmit = this.clock()
    this.emit('change', this.placements())
  }

  /**
   * Progress is emitted at most twice a second; state changes at once. What the throttle holds back
   * goes out when the window ends: without it, a pull that stalls (a slow mirror, a held stream)
   * would keep showing the progress of the last emission, possibly none at all.
   */
  private emitThrottled (): void {
    const since = this.clock() - this.lastEmit
    if (since >= THROTTLE_MS) { this.emitNow(); return }
    if (this.trailing === null && !this.stopped) this.trailing = setTimeout(() => { this.trailing = null; this.emitNow() }, THROTTLE_MS - since)
  }

  private async loop (): Promise<void> {
    while (!this.stopped) {
      let next: string | undefined
      let installed: string[] = []
      try {
        installed = await this.init.control.installed()
        next = this.desired.find(m => this.states.get(m)?.state !== 'ready' && (this.retryAt.get(m) ?? 0) <= this.clock())
        if (next !== undefined) await this.bring(next, installed.includes(next))
        else await this.tidy(installed)
      } catch (err) {
        // Ollama itself is down: every model waits for the next recheck.
        this.init.log.debug({ err: (err as Error).message }, 'ollama not answering')
      }
      if (next === undefined || this.stopped) await this.sleep(this.nextWait())
    }
  }

  private nextWait (): number {
    const now = this.clock()
    const waits = [...this.retryAt.values()].map(t => t - now).filter(t => t > 0)
    return Math.min(this.init.recheckMs ?? 30_000, ...waits)
  }

  private async sleep (ms: number): Promise<void> {
    await new Promise<void>(resolve => {
      const timer = setTimeout(() => { this.wake = null; resolve() }, ms)
      this.wake = () => { clearTimeout(timer); this.wake = null; resolve() }
    })
  }

  /** Pull (unless installed) then preload one model; a failure schedules a retry. */
  private async bring (model: string, isInstalled: boolean): Promise<void> {
    const attempts = (this.states.get(model)?.attempts ?? 0) + 1
    try {
      if (!isInstalled) await this.pull(model, attempts)
      if (!this.desired.includes(model) || this.stopped) return
      this.set(model, { state: 'loading', attempts, error: null })
      this.emitNow()
      await this.init.control.preload(model, this.init.keepAlive)
      this.set(model, { state: 'ready', attempts, error: null, bytesPerSecond: null })
      this.retryAt.delete(model)
      this.init.log.info({ model }, 'model ready')
      this.emitNow()
    } catch (err) {
      if (!this.desired.includes(model) || this.stopped) return
      const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (attempts - 1))
      const reason = (err as Error).message.split('\n')[0] ?? 'failed'
      this.retryAt.set(model, this.clock() + delay)
      this.set(model, { state: 'failed', attempts, error: reason, bytesPerSecond: null })
      this.init.log.warn({ model, attempts, retryInMs: delay, err: reason }, 'model not applied; will retry')
      this.emitNow()
    }
  }

  private async pull (model: string, attempts: number): Promise<void> {
    this.set(model, { state: 'pulling', attempts, error: null })
    this.emitNow()
    this.current = { model, handle: null }
    const layers = new Map<string, { total: number, completed: number }>()
    let rate: number | null = null
    let last = { t: this.clock(), bytes: 0 }
    try {
      const handle = await this.init.control.pull(model)
      this.current.handle = handle
      if (!this.desired.includes(model)) handle.abort()
      for await (const p of handle.progress) {
        if ('error' in p) throw new Error(String((p as { error: unknown }).error))
        if (p.digest !== undefined && p.digest !== '' && p.total > 0) layers.set(p.digest, { total: p.total, completed: p.completed ?? 0 })
        const total = [...layers.values()].reduce((s, l) => s + l.total, 0)
        const completed = [...layers.values()].reduce((s, l) => s + l.completed, 0)
        const now = this.clock()
        if (now - last.t >= 250) {
          const instant = (completed - last.bytes) / ((now - last.t) / 1000)
          rate = rate === null ? instant : 0.7 * rate + 0.3 * instant
          last = { t: now, bytes: completed }
        }
        this.set(model, { completedBytes: completed, totalBytes: total > 0 ? total : null, bytesPerSecond: rate === null ? null : Math.max(0, rate) })
        this.emitThrottled()
      }
      this.init.log.info({ model, bytes: [...layers.values()].reduce((s, l) => s + l.total, 0) }, 'model pulled')
    } finally {
      this.current = null
    }
  }

  /** Nothing left to bring: unload catalog models the plan no longer wants (delete with prune). */
  private async tidy (installed: string[]): Promise<void> {
    const catalog = new Set(this.init.catalog().map(tag))
    const unwanted = (m: string): boolean => catalog.has(m) && !this.desired.includes(m)
    for (const { name } of await this.init.control.loaded()) {
      if (!unwanted(name)) continue
      await this.init.control.unload(name)
      this.init.log.info({ model: name }, 'model unloaded: no longer in the plan for this host')
    }
    if (!this.init.prune) return
    for (const name of installed) {
      if (!unwanted(name)) continue
      await this.init.control.remove(name)
      this.init.log.info({ model: name }, 'model deleted (policy.prune)')
    }
  }
}
