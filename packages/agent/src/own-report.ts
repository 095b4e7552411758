import { statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { hostReportSchema, validateDocument, type HostReport } from '@gpufleet/core'
import { HardwareFileError } from './errors.js'

export interface OwnReportInit {
  hostname: string
  role: 'coordinator' | 'worker'
  hardwareFile?: string
  nvidiaSmiPath?: string
  ollamaHost: string
  /** A full probe (CPU, OS, displays, Ollama) this often; live GPU readings every refresh. */
  fullProbeEveryMs?: number
  /** nvidia-smi's sampling period in loop mode (default 2 s: readings travel at most that often). */
  liveEveryMs?: number
}

/**
 * This host's report. With a hardware file (simulations, demos) the file is the hardware and the
 * report says `simulated: true`. Otherwise the real probe runs at start and every minute, and
 * one long-lived nvidia-smi in loop mode refreshes the live readings (VRAM used, utilization,
 * temperature, power, clocks) in between: no process is spawned per heartbeat.
 */
export class OwnReport {
  private report: HostReport | null = null
  private lastFull = 0
  private hardwareMtime = 0
  /** Where nvidia-smi is, looked up once (the lookup stats every PATH folder). */
  private smiPath: string | null | undefined
  private stream: import('@gpufleet/probe').NvidiaSmiStream | null = null
  private stopped = false

  constructor (private readonly init: OwnReportInit) {}

  async current (now: number): Promise<HostReport> {
    if (this.init.hardwareFile !== undefined) {
      // Re-read when the file changes: editing a simulated host's hardware is seen by the fleet.
      // A synchronous stat of one small local file costs microseconds; the async one woke a
      // thread-pool thread and the main thread again at every heartbeat.
      const mtime = statSync(this.init.hardwareFile, { throwIfNoEntry: false })?.mtimeMs ?? 0
      if (this.report === null || mtime !== this.hardwareMtime) {
        try {
          this.report = await readHardwareFile(this.init.hardwareFile, this.init.hostname, this.init.role)
          this.hardwareMtime = mtime
        } catch (err) {
          // A bad edit keeps the last good hardware; only the first read is fatal.
          if (this.report === null) throw err
        }
      }
      return { ...this.report, collectedAt: new Date(now).toISOString() }
    }
    if (this.report === null || now - this.lastFull >= (this.init.fullProbeEveryMs ?? 60_000)) {
      const { probeHost } = await probe()
      this.report = await probeHost({ hostname: this.init.hostname, role: this.init.role, nvidiaSmiPath: this.init.nvidiaSmiPath, ollamaHost: this.init.ollamaHost })
      this.lastFull = now
      return this.report
    }
    return await this.refreshLive(this.report, now)
  }

  /** Ends the nvidia-smi loop (the agent stops). */
  stop (): void {
    this.stopped = true
    this.stream?.stop()
    this.stream = null
  }

  private async refreshLive (report: HostReport, now: number): Promise<HostReport> {
    const { locateNvidiaSmi, NvidiaSmiStream } = await probe()
    this.smiPath ??= locateNvidiaSmi({ explicitPath: this.init.nvidiaSmiPath })?.path ?? null
    if (this.smiPath === null || this.stopped || !report.gpus.some(g => g.vendor === 'nvidia')) return { ...report, collectedAt: new Date(now).toISOString() }
    if (this.stream === null) {
      // The full probe's query told which fields this driver knows (old ones lack compute_cap).
      const legacy = report.gpus.some(g => g.vendor === 'nvidia' && g.computeCapabilitySource === 'gpu-table')
      const { NVIDIA_QUERY_FIELDS, NVIDIA_QUERY_FIELDS_LEGACY } = await probe()
      this.stream = new NvidiaSmiStream({ path: this.smiPath, intervalMs: this.init.liveEveryMs ?? 2000, fields: legacy ? NVIDIA_QUERY_FIELDS_LEGACY : NVIDIA_QUERY_FIELDS })
      this.stream.start()
    }
    const rows = this.stream.latest()
    // Before the first sample, and while nvidia-smi is down, the last readings stay.
    if (rows.length === 0) return { ...report, collectedAt: new Date(now).toISOString() }
    const gpus = report.gpus.map(g => {
      const row = g.vendor === 'nvidia' ? rows.find(r => r.index === g.index) : undefined
      return row === undefined ? g : { ...g, vramUsedBytes: row.vramUsedBytes, utilizationPct: row.utilizationPct, temperatureC: row.temperatureC, powerW: row.powerW, smClockMhz: row.smClockMhz, memClockMhz: row.memClockMhz }
    })
    this.report = { ...report, gpus, collectedAt: new Date(now).toISOString() }
    return this.report
  }
}

/** The probe (systeminformation, ollama) loads only on hosts that probe: simulated ones never pay for it. */
async function probe (): Promise<typeof import('@gpufleet/probe')> {
  return await import('@gpufleet/probe')
}

export async function readHardwareFile (path: string, hostname: string, role: 'coordinator' | 'worker'): Promise<HostReport> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new HardwareFileError(`${path}: cannot read the hardware file (${(err as Error).message.split('\n')[0] ?? ''})`)
  }
  try {
    const report = validateDocument(hostReportSchema, json, path)
    return { ...report, hostname, role, simulated: true }
  } catch (err) {
    throw new HardwareFileError((err as Error).message)
  }
}
