import type { ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { FleetConfig, MeasuredSpeed, ModelPlacement, Plan } from '@gpufleet/core'
import type { OllamaControl } from '@gpufleet/probe'
import type { PlanApplier } from './apply/applier.js'
import { measureModels, mergeMeasured } from './apply/bench-models.js'
import type { Clock } from './clock.js'
import { OllamaUnavailableError } from './errors.js'
import type { FleetStore } from './store.js'

export interface HostModelsComponents { clock: Clock, logger: Logger, store: FleetStore }

/**
 * This host's models: when ollama.apply is on, pulls and loads what the plan in force gives
 * this host and drops the others (PlanApplier); measures their speed on demand (bench-models).
 * What it reports goes in this host's report: placement and measured speeds.
 */
export class HostModels {
  /** Null when ollama.apply is off. */
  private applier: PlanApplier | null = null
  private ollama: OllamaControl | null = null
  private placement: ModelPlacement[] = []
  private measured: MeasuredSpeed[] = []

  constructor (private readonly components: HostModelsComponents, private readonly config: FleetConfig, private readonly hostname: string) {}

  restore (measured: MeasuredSpeed[]): void { this.measured = measured }

  /** The Ollama client loads with the probe package, only on hosts that apply plans. */
  async start (plan: Plan | null): Promise<void> {
    const { OllamaControl } = await import('@gpufleet/probe')
    const { PlanApplier } = await import('./apply/applier.js')
    const control = new OllamaControl(this.config.ollama.host)
    this.ollama = control
    this.applier = new PlanApplier({ control, log: this.components.logger.child({ component: 'apply' }), catalog: () => this.config.models.map(m => m.name), prune: this.config.policy.prune, keepAlive: this.config.ollama.keepAlive })
    this.applier.on('change', placement => { this.placement = placement })
    this.follow(plan)
  }

  async stop (): Promise<void> { await this.applier?.stop() }

  /** The plan in force gives this host these models: pull and load them, drop the others. */
  follow (plan: Plan | null): void {
    if (this.applier === null || plan === null) return
    this.applier.setDesired(plan.assignments.filter(a => a.host === this.hostname).map(a => a.model))
  }

  /** The parts of this host's report that come from its models. */
  reportFields (): { placement?: ModelPlacement[], measured?: MeasuredSpeed[] } {
    return { ...(this.applier === null ? {} : { placement: this.placement }), ...(this.measured.length === 0 ? {} : { measured: this.measured }) }
  }

  /**
   * Measures each model this host has ready through Ollama's own counters (eval_count /
   * eval_duration), one at a time, then gossips the figures in this host's report.
   */
  async benchModels (options: { prompt?: string, numPredict?: number } = {}): Promise<MeasuredSpeed[]> {
    if (this.ollama === null) throw new OllamaUnavailableError('this agent does not drive Ollama (ollama.apply is false)')
    const ready = this.placement.filter(p => p.state === 'ready').map(p => p.model)
    const models = ready.length > 0 ? ready : await this.ollama.installed().catch(() => [])
    if (models.length === 0) throw new OllamaUnavailableError(`no model ready on this host's Ollama (${this.config.ollama.host})`)
    const results = await measureModels(this.ollama, models, { ...options, clock: this.components.clock.wall, log: this.components.logger })
    this.measured = mergeMeasured(this.measured, results)
    await this.components.store.saveMeasured(this.measured)
    return results
  }

  async serveBenchModels (res: ServerResponse): Promise<void> {
    const send = (status: number, value: unknown): void => { res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }); res.end(JSON.stringify(value)) }
    try {
      send(200, { host: this.hostname, results: await this.benchModels() })
    } catch (err) {
      send(err instanceof OllamaUnavailableError ? 409 : 502, { error: (err as Error).message })
    }
  }
}
