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

/**
 * Locale number format with a fixed maximum of fraction digits ("1 234,5" in French), as
 * Intl.NumberFormat('fr-FR' | 'en-US', { maximumFractionDigits }) writes it (ties away from zero on
 * the number's shortest decimal form, trailing zeros dropped, groups of three). Written by hand: Intl
 * pages ~8 MB of ICU's locale data into a process that holds it for months (the agent writes the spec
 * document and plan reasons); the unit test holds it to Intl's output.
 */
export function formatNumber (value: number, lang: Lang, digits = 1): string {
  if (Number.isNaN(value)) return 'NaN'
  const sign = value < 0 || Object.is(value, -0) ? '-' : ''
  if (!Number.isFinite(value)) return `${sign}∞`
  // Rounded on the shortest decimal form, in decimal digits (1.005 → 1.01, as Intl; toFixed would
  // round the binary value to "1.00", and scaling by 10^digits loses digits above 2^53).
  const [whole = '0', fraction = ''] = plainDecimal(Math.abs(value)).split('.')
  let int = whole
  let kept = fraction.slice(0, digits)
  if ((fraction[digits] ?? '0') >= '5') {
    const up = (BigInt(whole + kept.padEnd(digits, '0')) + 1n).toString().padStart(digits + 1, '0')
    int = up.slice(0, up.length - digits)
    kept = up.slice(up.length - digits)
  }
  const grouped = int.replace(/\B(?=(\d{3})+$)/g, lang === 'fr' ? '\u00a0' : ',')
  kept = kept.replace(/0+$/, '')
  return `${sign}${grouped}${kept === '' ? '' : (lang === 'fr' ? ',' : '.') + kept}`
}

/** The shortest decimal form of a non-negative finite number, without an exponent (1e-7 → "0.0000001"). */
function plainDecimal (x: number): string {
  const [mantissa = '0', exponent = '0'] = String(x).split('e')
  const [int = '0', fraction = ''] = mantissa.split('.')
  const figures = int + fraction
  const point = int.length + Number(exponent)
  if (point <= 0) return `0.${'0'.repeat(-point)}${figures}`
  if (point >= figures.length) return figures + '0'.repeat(point - figures.length)
  return `${figures.slice(0, point)}.${figures.slice(point)}`
}
