import { InvalidDurationError } from '../errors.js'

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses a duration into milliseconds: 1500, "1500ms", "1s", "2.5s", "2m", "1h", "90d". */
export function parseDuration (input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new InvalidDurationError(`invalid duration ${String(input)}: must be a non-negative number of milliseconds`)
    return Math.round(input)
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(input)
  if (match == null) throw new InvalidDurationError(`invalid duration "${input}": expected a number with ms, s, m, h or d`)
  const [, num, unit = 'ms'] = match
  return Math.round(Number(num) * (DURATION_UNITS[unit] ?? 1))
}
