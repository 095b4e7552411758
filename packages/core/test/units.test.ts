import { describe, expect, it } from 'vitest'
import { GiB, MiB, formatBytes, formatNumber, parseCount, parseDuration, parseSize } from '../src/index.js'

describe('parseSize', () => {
  it('reads binary and decimal units exactly', () => {
    expect(parseSize('2GiB')).toBe(2 * GiB)
    expect(parseSize('2 GB')).toBe(2_000_000_000)
    expect(parseSize('457MiB')).toBe(457 * MiB)
    expect(parseSize('1.5gib')).toBe(1.5 * GiB)
    expect(parseSize('4096')).toBe(4096)
    expect(parseSize(17179869184)).toBe(16 * GiB)
  })
  it('refuses ambiguous or malformed sizes with a typed error naming the value', () => {
    for (const bad of ['4G', 'lots', '-1GiB', '', '2 GiBs', Number.NaN, -5]) {
      expect(() => parseSize(bad as string)).toThrowError(expect.objectContaining({ name: 'InvalidSizeError', exitCode: 2 }))
    }
    expect(() => parseSize('4G')).toThrow(/"4G"/)
  })
})

describe('formatBytes', () => {
  it('formats GiB and GB in English and French', () => {
    expect(formatBytes(16 * GiB)).toBe('16 GiB')
    expect(formatBytes(4293918720, { system: 'decimal' })).toBe('4.3 GB')
    expect(formatBytes(4293918720, { system: 'decimal', lang: 'fr', digits: 2 })).toBe('4,29 Go')
    expect(formatBytes(1.5 * GiB, { lang: 'fr' })).toBe('1,5 Gio')
    expect(formatBytes(512)).toBe('512 B')
  })
})

describe('parseCount and parseDuration', () => {
  it('reads parameter counts with suffixes', () => {
    expect(parseCount('8.03B')).toBe(8_030_000_000)
    expect(parseCount('500M')).toBe(500_000_000)
    expect(parseCount(7e9)).toBe(7e9)
    expect(() => parseCount('7 billion')).toThrowError(expect.objectContaining({ name: 'InvalidCountError' }))
  })
  it('reads durations in ms, s, m', () => {
    expect(parseDuration('1s')).toBe(1000)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('2m')).toBe(120_000)
    expect(parseDuration(1500)).toBe(1500)
    expect(() => parseDuration('soon')).toThrowError(expect.objectContaining({ name: 'InvalidDurationError' }))
  })
})

describe('formatNumber', () => {
  // Written by hand so the agent never pages in ICU's locale data; Intl's output is the reference.
  const intl = (value: number, lang: 'fr' | 'en', digits: number): string =>
    new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-US', { maximumFractionDigits: digits, useGrouping: true }).format(value).replace(/\u202f/g, '\u00a0')

  it('writes what Intl.NumberFormat writes, on edge cases', () => {
    const values = [0, -0, -0.01, 0.05, 0.15, 0.25, 1.005, 1.05, 2.675, 999.95, 999.96, 1000, 1234.5, -1234567.25, 1e-7, 5e-7, 123456789012.345, 9.999e20, 1e21, 1.5e22, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 0.1 + 0.2]
    for (const lang of ['fr', 'en'] as const) {
      for (const digits of [0, 1, 2, 3]) {
        for (const v of values) expect(`${v} ${lang} ${digits}: ${formatNumber(v, lang, digits)}`).toBe(`${v} ${lang} ${digits}: ${intl(v, lang, digits)}`)
      }
    }
    expect(formatNumber(1234.56, 'fr')).toBe('1\u00a0234,6')
    expect(formatNumber(1234.56, 'en', 2)).toBe('1,234.56')
  })

  it('writes what Intl.NumberFormat writes, on 20,000 numbers of every magnitude', () => {
    // A fixed linear congruential sequence: the same numbers every run, any mismatch reproducible.
    let seed = 42
    const next = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
    for (let i = 0; i < 20_000; i++) {
      const v = (next() < 0.2 ? -1 : 1) * next() * 10 ** Math.floor(next() * 16 - 4)
      const rounded = next() < 0.3 ? Math.round(v * 1000) / 1000 : v
      const lang = next() < 0.5 ? 'fr' : 'en'
      const digits = Math.floor(next() * 4)
      expect(`${rounded} ${lang} ${digits}: ${formatNumber(rounded, lang, digits)}`).toBe(`${rounded} ${lang} ${digits}: ${intl(rounded, lang, digits)}`)
    }
  })
})
