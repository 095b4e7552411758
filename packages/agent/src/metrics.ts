import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { ALERT_RULES, alertSeveritySchema, type Alert, type HostReport, type Plan } from '@gpufleet/core'

/** What /metrics reads at scrape time: the agent's own views, never a copy that could go stale. */
export interface MetricsSource {
  self: string
  hosts: () => HostReport[]
  plan: () => Plan | null
  alerts: () => Alert[]
  term: () => number
  isLeader: () => boolean
  gossip: () => { received: number, rejected: number, ignored: number, published: number }
  gossipBytes: () => { in: number, out: number }
}

/** The label names NVIDIA's DCGM exporter uses, so existing Grafana dashboards work unchanged. */
const GPU_LABELS = ['gpu', 'UUID', 'device', 'modelName', 'Hostname', 'pci_bus_id'] as const
type GpuLabels = Record<typeof GPU_LABELS[number], string>
const MiB = 1024 ** 2

function gpuLabels (host: HostReport, gpu: HostReport['gpus'][number]): GpuLabels {
  return { gpu: String(gpu.index), UUID: gpu.uuid ?? '', device: `${gpu.vendor}${gpu.index}`, modelName: gpu.model, Hostname: host.hostname, pci_bus_id: gpu.pciBus ?? '' }
}

/**
 * Prometheus metrics of one agent, in its own registry (several agents may share a process in
 * tests). Per-GPU gauges carry DCGM's names and labels; cluster gauges are gpufleet_*. GPUs of
 * the whole fleet are exported (scrape one node), or only this host's with `scope=self`.
 */
export class AgentMetrics {
  readonly registry = new Registry()
  private scopeSelf = false
  private rendering: Promise<string> = Promise.resolve('')
  readonly planComputations: Counter
  readonly planDuration: Histogram
  readonly alertsRaised: Counter<'rule'>

  constructor (private readonly source: MetricsSource) {
    const r = this.registry
    // The event-loop delay histogram samples with a timer of its own: every 5 s, not prom-client's
    // 10 ms (100 wakeups a second) nor 1 s (one more wakeup a second of an idle agent).
    collectDefaultMetrics({ register: r, prefix: 'gpufleet_', eventLoopMonitoringPrecision: 5000 })
    const gpuHosts = (): HostReport[] => this.gpuHosts()
    const perGpu = (name: string, help: string, read: (g: HostReport['gpus'][number]) => number | null | undefined): void => {
      // Registered in `r` and read through collect() at scrape time.
      new Gauge({
        name, help, labelNames: GPU_LABELS, registers: [r],
        collect () {
          this.reset()
          for (const host of gpuHosts()) {
            for (const gpu of host.gpus) {
              const value = read(gpu)
              if (value !== null && value !== undefined) this.set(gpuLabels(host, gpu), value)
            }
          }
        }
      })
    }
    perGpu('DCGM_FI_DEV_FB_USED', 'Framebuffer memory used (in MiB).', g => (g.vramUsedBytes == null ? null : g.vramUsedBytes / MiB))
    perGpu('DCGM_FI_DEV_FB_FREE', 'Framebuffer memory free (in MiB).', g => (g.vramUsedBytes == null || g.vramBytes === null ? null : Math.max(0, g.vramBytes - g.vramUsedBytes) / MiB))
    perGpu('DCGM_FI_DEV_FB_TOTAL', 'Framebuffer memory total (in MiB).', g => (g.vramBytes === null ? null : g.vramBytes / MiB))
    perGpu('DCGM_FI_DEV_GPU_UTIL', 'GPU utilization (in %).', g => g.utilizationPct)
    perGpu('DCGM_FI_DEV_GPU_TEMP', 'GPU temperature (in C).', g => g.temperatureC)
    perGpu('DCGM_FI_DEV_POWER_USAGE', 'Power draw (in W).', g => g.powerW)
    perGpu('DCGM_FI_DEV_SM_CLOCK', 'SM clock frequency (in MHz).', g => g.smClockMhz)
    perGpu('DCGM_FI_DEV_MEM_CLOCK', 'Memory clock frequency (in MHz).', g => g.memClockMhz)
    perGpu('gpufleet_gpu_vram_used_by_fleet_bytes', 'VRAM taken by models gpufleet placed (Ollama size_vram), bytes.', g => g.vramUsedByFleetBytes)

    const src = this.source
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void): void => {
      new Gauge({ name, help, labelNames, registers: [r], collect () { collect(this) } })
    }
    gauge('gpufleet_hosts', 'Hosts in the replicated inventory, by state.', ['state'], g => {
      const hosts = src.hosts()
      const online = hosts.filter(h => h.online !== false).length
      g.set({ state: 'online' }, online)
      g.set({ state: 'offline' }, hosts.length - online)
    })
    gauge('gpufleet_host_up', '1 while a host is online, 0 once it is offline.', ['Hostname'], g => {
      g.reset()
      for (const h of src.hosts()) g.set({ Hostname: h.hostname }, h.online === false ? 0 : 1)
    })
    gauge('gpufleet_leader_term', 'Highest leader term this node has seen.', [], g => { g.set(src.term()) })
    gauge('gpufleet_is_leader', '1 when this node is the leader.', [], g => { g.set(src.isLeader() ? 1 : 0) })
    gauge('gpufleet_plan_term', 'Term of the plan in force (-1 when none).', [], g => { g.set(src.plan()?.term ?? -1) })
    gauge('gpufleet_assignments', 'Model assignments in the plan in force, by host.', ['Hostname'], g => {
      g.reset()
      const counts = new Map<string, number>()
      for (const a of src.plan()?.assignments ?? []) counts.set(a.host, (counts.get(a.host) ?? 0) + 1)
      for (const [host, n] of counts) g.set({ Hostname: host }, n)
    })
    gauge('gpufleet_unplaced_models', 'Catalog models the plan in force could not place.', [], g => { g.set(src.plan()?.unplaced.length ?? 0) })
    gauge('gpufleet_routes', 'Routes of the plan in force, by target kind (local, peer, cloud, none).', ['kind'], g => {
      g.reset()
      const counts = { local: 0, peer: 0, cloud: 0, none: 0 }
      for (const route of src.plan()?.routes ?? []) counts[route.target.kind]++
      for (const [kind, n] of Object.entries(counts)) g.set({ kind }, n)
    })
    gauge('gpufleet_alerts_active', 'Active alerts, by rule and severity.', ['rule', 'severity'], g => {
      g.reset()
      // Every pair at 0 first, so a rule that clears reads 0 rather than vanishing from the graph.
      for (const rule of ALERT_RULES) for (const severity of alertSeveritySchema.options) g.set({ rule, severity }, 0)
      for (const a of src.alerts()) g.inc({ rule: a.rule, severity: a.severity })
    })
    // Counters owned elsewhere (the gossip validator's stats) are read at scrape time.
    new Counter({
      name: 'gpufleet_gossip_messages_total', help: 'Gossip and sync messages, by outcome (received, rejected, ignored, published).', labelNames: ['outcome'], registers: [r],
      collect () {
        this.reset()
        for (const [outcome, n] of Object.entries(src.gossip())) this.inc({ outcome }, n)
      }
    })
    new Counter({
      name: 'gpufleet_gossip_bytes_total', help: 'Payload bytes of fleet messages: validated (in) and published (out).', labelNames: ['direction'], registers: [r],
      collect () {
        this.reset()
        for (const [direction, n] of Object.entries(src.gossipBytes())) this.inc({ direction }, n)
      }
    })
    this.planComputations = new Counter({ name: 'gpufleet_plan_computations_total', help: 'Plans computed by this node while leading.', registers: [r] })
    this.planDuration = new Histogram({ name: 'gpufleet_plan_duration_seconds', help: 'Time to compute one plan.', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [r] })
    this.alertsRaised = new Counter({ name: 'gpufleet_alerts_raised_total', help: 'Alerts raised by this node while leading, by rule.', labelNames: ['rule'], registers: [r] })
  }

  private gpuHosts (): HostReport[] {
    // An offline host's readings are stale: exporting them would draw a flat line that looks live.
    return this.source.hosts().filter(h => h.online !== false && (!this.scopeSelf || h.hostname === this.source.self))
  }

  /** The exposition text; `selfOnly` limits per-GPU series to this host (per-node scraping). */
  render (selfOnly = false): Promise<string> {
    // Scrapes run one after another: the scope flag is read by the collect() callbacks.
    const next = this.rendering.catch(() => '').then(async () => {
      this.scopeSelf = selfOnly
      try {
        return await this.registry.metrics()
      } finally {
        this.scopeSelf = false
      }
    })
    this.rendering = next
    return next
  }

  get contentType (): string { return this.registry.contentType }
}
