import { spawn, type ChildProcess } from 'node:child_process'
import { NVIDIA_QUERY_FIELDS, type NvidiaField, nvidiaSmiArgs } from './fields.js'
import { parseNvidiaSmiCsv, type NvidiaGpuRow } from './parse.js'

export interface NvidiaSmiStreamInit {
  /** The nvidia-smi binary (locateNvidiaSmi). */
  path: string
  /** nvidia-smi's sampling period (`-lms`). */
  intervalMs: number
  /** The query's fields: those the one-shot query succeeded with (old drivers lack compute_cap). */
  fields?: readonly NvidiaField[]
  /** After nvidia-smi exits, it is started again this much later (doubling up to 5 minutes). */
  restartMs?: number
  /** Told about a line that could not be read, or an exit (the stream carries on). */
  onError?: (err: Error) => void
}

/** Most bytes kept of a partial line: nvidia-smi's lines are a few hundred bytes. */
const MAX_PARTIAL = 64 * 1024
const MAX_RESTART_MS = 5 * 60_000

/**
 * NVIDIA live readings from one long-lived nvidia-smi in loop mode
 * (`--query-gpu=… --format=csv,noheader,nounits -lms N`): NVML is initialised once, not on every
 * heartbeat, and no process is spawned per reading. Each line updates its GPU's latest row;
 * readers take the latest rows when they need them. A nvidia-smi that exits (a driver reload)
 * is started again after a growing delay.
 */
export class NvidiaSmiStream {
  private child: ChildProcess | null = null
  private readonly rows = new Map<number, NvidiaGpuRow>()
  private partial = ''
  private stopped = false
  private restartTimer: NodeJS.Timeout | null = null
  private restartMs: number
  readonly stats = { lines: 0, errors: 0, starts: 0 }

  constructor (private readonly init: NvidiaSmiStreamInit) {
    this.restartMs = init.restartMs ?? 5000
  }

  get fields (): readonly NvidiaField[] { return this.init.fields ?? NVIDIA_QUERY_FIELDS }

  /** The latest reading of each GPU seen so far, by index (empty before the first line). */
  latest (): NvidiaGpuRow[] {
    return [...this.rows.values()].sort((a, b) => a.index - b.index)
  }

  start (): void {
    if (this.stopped || this.child !== null) return
    this.stats.starts++
    const child = spawn(this.init.path, [...nvidiaSmiArgs(this.fields), '-lms', String(Math.max(1, Math.round(this.init.intervalMs)))], { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true })
    this.child = child
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => { this.take(chunk) })
    child.on('error', err => { this.failed(err) })
    child.on('exit', code => {
      if (this.child !== child) return
      this.child = null
      if (this.stopped) return
      // Its readings are no longer live, and a half line must not be glued to the next process's first.
      this.rows.clear()
      this.partial = ''
      this.failed(new Error(`nvidia-smi -lms exited with code ${String(code)}`))
      this.restartTimer = setTimeout(() => { this.restartTimer = null; this.start() }, this.restartMs)
      this.restartTimer.unref()
      this.restartMs = Math.min(MAX_RESTART_MS, this.restartMs * 2)
    })
  }

  stop (): void {
    this.stopped = true
    if (this.restartTimer !== null) clearTimeout(this.restartTimer)
    this.child?.kill()
    this.child = null
  }

  private take (chunk: string): void {
    this.partial += chunk
    let nl: number
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl)
      this.partial = this.partial.slice(nl + 1)
      if (line.trim() === '') continue
      try {
        for (const row of parseNvidiaSmiCsv(line, this.fields)) this.rows.set(row.index, row)
        this.stats.lines++
        this.restartMs = this.init.restartMs ?? 5000
      } catch (err) {
        this.failed(err as Error)
      }
    }
    if (this.partial.length > MAX_PARTIAL) this.partial = ''
  }

  private failed (err: Error): void {
    this.stats.errors++
    this.init.onError?.(err)
  }
}
