import { describe, expect, it } from 'vitest'
import { GiB, MiB, formatBytes, parseCount, parseDuration, parseSize } from '../src/index.js'

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
