import { MiB } from '@gpufleet/core'
import { NvidiaSmiFailedError } from '../errors.js'
import type { NvidiaField } from './fields.js'

/** One GPU as nvidia-smi reports it; null where it printed [N/A], [Not Supported] or nothing. */
export interface NvidiaGpuRow {
  index: number
  uuid: string | null
  name: string
  pciBus: string | null
  driverVersion: string | null
  vramBytes: number | null
  vramUsedBytes: number | null
  utilizationPct: number | null
  temperatureC: number | null
  powerW: number | null
  /** Current SM and memory clocks, MHz (what DCGM exports as DCGM_FI_DEV_SM_CLOCK / _MEM_CLOCK). */
  smClockMhz: number | null
  memClockMhz: number | null
  computeCapability: string | null
}

// nvidia-smi writes these instead of a value; "[Unknown Error]" appears on some laptop drivers.
const MISSING = /^\[?(n\/a|not supported|unknown error|insufficient permissions|gpu requires reset)\]?$/i

function text (raw: string | undefined): string | null {
  const value = raw?.trim() ?? ''
  return value === '' || MISSING.test(value) ? null : value
}

function number (raw: string | undefined, field: string, line: string): number | null {
  const value = text(raw)
  if (value === null) return null
  const n = Number(value)
  if (!Number.isFinite(n)) throw new NvidiaSmiFailedError(`nvidia-smi: field ${field} is not a number (${JSON.stringify(value)}) in line ${JSON.stringify(line)}`)
  return n
}

/**
 * Parses `--format=csv,noheader,nounits` output for the given field order. Memory is in MiB.
 * GPU names never contain commas in practice, but a line with extra columns is still read
 * right by joining the surplus back into the name.
 */
export function parseNvidiaSmiCsv (output: string, fields: readonly NvidiaField[]): NvidiaGpuRow[] {
  const rows: NvidiaGpuRow[] = []
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue
    let cells = line.split(',')
    if (cells.length < fields.length) throw new NvidiaSmiFailedError(`nvidia-smi: expected ${fields.length} columns, got ${cells.length} in line ${JSON.stringify(line)}`)
    const nameAt = fields.indexOf('name')
    if (cells.length > fields.length && nameAt >= 0) {
      const extra = cells.length - fields.length
      cells = [...cells.slice(0, nameAt), cells.slice(nameAt, nameAt + extra + 1).join(','), ...cells.slice(nameAt + extra + 1)]
    }
    const get = (field: NvidiaField): string | undefined => { const i = fields.indexOf(field); return i < 0 ? undefined : cells[i] }
    const index = number(get('index'), 'index', line)
    const name = text(get('name'))
    if (index === null || name === null) throw new NvidiaSmiFailedError(`nvidia-smi: missing index or name in line ${JSON.stringify(line)}`)
    const mib = (field: NvidiaField): number | null => { const v = number(get(field), field, line); return v === null ? null : Math.round(v * MiB) }
    const cc = text(get('compute_cap'))
    rows.push({
      index,
      uuid: text(get('uuid')),
      name,
      pciBus: text(get('pci.bus_id')),
      driverVersion: text(get('driver_version')),
      vramBytes: mib('memory.total'),
      vramUsedBytes: mib('memory.used'),
      utilizationPct: number(get('utilization.gpu'), 'utilization.gpu', line),
      temperatureC: number(get('temperature.gpu'), 'temperature.gpu', line),
      powerW: number(get('power.draw'), 'power.draw', line),
      smClockMhz: number(get('clocks.sm'), 'clocks.sm', line),
      memClockMhz: number(get('clocks.mem'), 'clocks.mem', line),
      computeCapability: cc !== null && /^\d+\.\d+$/.test(cc) ? cc : null
    })
  }
  return rows
}
