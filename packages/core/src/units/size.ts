import { InvalidSizeError } from '../errors.js'

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB
export const TiB = 1024 * GiB

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: KiB, mib: MiB, gib: GiB, tib: TiB
}

/**
 * Parses a size: a plain non-negative number of bytes, or a number with a unit
 * (B, KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024).
 * Bare letters such as "4G" are refused on purpose: GB and GiB differ by 7 %, enough to
 * place a model on a card that cannot hold it.
 */
export function parseSize (input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new InvalidSizeError(`invalid size ${String(input)}: must be a non-negative number of bytes`)
    return Math.round(input)
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input)
  if (match == null) throw new InvalidSizeError(`invalid size "${input}": expected a number with an optional unit (B, KB, MB, GB, KiB, MiB, GiB…)`)
  const [, num, unitRaw = ''] = match
  const unit = unitRaw === '' ? 'b' : unitRaw.toLowerCase()
  const factor = SIZE_UNITS[unit]
  if (factor === undefined) throw new InvalidSizeError(`invalid size "${input}": unknown unit "${unitRaw}" (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)`)
  return Math.round(Number(num) * factor)
}

export type Lang = 'fr' | 'en'

export interface FormatBytesOptions {
  /** binary: KiB/MiB/GiB (Kio/Mio/Gio in French); decimal: KB/MB/GB (Ko/Mo/Go). Default binary. */
  system?: 'binary' | 'decimal'
  lang?: Lang
  /** Maximum fraction digits. Default 1. */
  digits?: number
}

const UNIT_NAMES = {
  binary: { en: ['B', 'KiB', 'MiB', 'GiB', 'TiB'], fr: ['o', 'Kio', 'Mio', 'Gio', 'Tio'] },
  decimal: { en: ['B', 'KB', 'MB', 'GB', 'TB'], fr: ['o', 'Ko', 'Mo', 'Go', 'To'] }
} as const

/** Formats a byte count for people: "16 GiB", "4,29 Go" (French decimal comma). */
export function formatBytes (bytes: number, options: FormatBytesOptions = {}): string {
  const system = options.system ?? 'binary'
  const lang = options.lang ?? 'en'
  const base = system === 'binary' ? 1024 : 1000
  const names = UNIT_NAMES[system][lang]
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= base && unit < names.length - 1) {
    value /= base
    unit++
  }
  return `${formatNumber(value, lang, options.digits ?? 1)} ${names[unit] ?? ''}`
}

const FORMATS = new Map<string, Intl.NumberFormat>()

/** Locale number format with a fixed maximum of fraction digits ("1 234,5" in French). */
export function formatNumber (value: number, lang: Lang, digits = 1): string {
  // Building an Intl.NumberFormat costs ~50 µs: the planner formats thousands of sizes, so keep them.
  const key = `${lang}/${digits}`
  let format = FORMATS.get(key)
  if (format === undefined) {
    format = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-US', { maximumFractionDigits: digits, useGrouping: true })
    FORMATS.set(key, format)
  }
  return format.format(value)
    // Intl uses a narrow no-break space in French; a plain no-break space renders everywhere.
    .replace(/\u202f/g, '\u00a0')
}
