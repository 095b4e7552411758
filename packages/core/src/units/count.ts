import { InvalidCountError } from '../errors.js'

const COUNT_SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }

/** Parses a count such as a parameter count: 8030000000, "8.03B", "500M", "1.5K". */
export function parseCount (input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new InvalidCountError(`invalid count ${String(input)}: must be a non-negative number`)
    return Math.round(input)
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmMbBtT]?)\s*$/.exec(input)
  if (match == null) throw new InvalidCountError(`invalid count "${input}": expected a number with an optional K, M, B or T suffix`)
  const [, num, suffix = ''] = match
  return Math.round(Number(num) * (COUNT_SUFFIX[suffix.toLowerCase()] ?? 1))
}
