import { NvidiaSmiFailedError } from '../errors.js'
import { execFileAsync, type ExecFn } from '../exec.js'
import { NVIDIA_QUERY_FIELDS, NVIDIA_QUERY_FIELDS_LEGACY, nvidiaSmiArgs } from './fields.js'
import { parseNvidiaSmiCsv, type NvidiaGpuRow } from './parse.js'

export interface QueryNvidiaSmiOptions {
  exec?: ExecFn
  signal?: AbortSignal
  timeoutMs?: number
}

export interface NvidiaSmiResult {
  rows: NvidiaGpuRow[]
  /** False when the driver rejected compute_cap and the query ran again without it. */
  computeCapQueried: boolean
  /** Exactly what nvidia-smi printed, kept for fixtures and bug reports. */
  raw: string
}

/** Runs nvidia-smi once (twice on drivers that do not know compute_cap) and parses its CSV. */
export async function queryNvidiaSmi (path: string, options: QueryNvidiaSmiOptions = {}): Promise<NvidiaSmiResult> {
  const exec = options.exec ?? execFileAsync
  const run = async (fields: typeof NVIDIA_QUERY_FIELDS | typeof NVIDIA_QUERY_FIELDS_LEGACY): Promise<{ out: string, exitCode: number, err: string }> => {
    const result = await exec(path, nvidiaSmiArgs(fields), { signal: options.signal, timeoutMs: options.timeoutMs ?? 10_000 })
    return { out: result.stdout, exitCode: result.exitCode, err: result.stderr }
  }
  let computeCapQueried = true
  let result = await run(NVIDIA_QUERY_FIELDS)
  if (result.exitCode !== 0 && /not a valid field/i.test(result.out + result.err)) {
    computeCapQueried = false
    result = await run(NVIDIA_QUERY_FIELDS_LEGACY)
  }
  if (result.exitCode !== 0) {
    const reason = firstLine(result.err) ?? firstLine(result.out) ?? 'no output'
    throw new NvidiaSmiFailedError(`nvidia-smi exited with code ${result.exitCode}: ${reason}`)
  }
  const rows = parseNvidiaSmiCsv(result.out, computeCapQueried ? NVIDIA_QUERY_FIELDS : NVIDIA_QUERY_FIELDS_LEGACY)
  return { rows, computeCapQueried, raw: result.out }
}

function firstLine (text: string): string | undefined {
  return text.split(/\r?\n/).map(l => l.trim()).find(l => l !== '')
}
