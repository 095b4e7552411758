import { z } from 'zod'
import { parseCount } from '../units/count.js'
import { parseDuration } from '../units/duration.js'
import { parseSize } from '../units/size.js'

/** A zod field that reads a value with a unit parser and reports the parser's message as the issue. */
function withUnit<T> (parse: (v: string | number) => T) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    try {
      return parse(value)
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message })
      return z.NEVER
    }
  })
}

/** Bytes: 17179869184, "16GiB", "16 GB". */
export const sizeField = withUnit(parseSize)
/** Milliseconds: 1000, "1s", "250ms". */
export const durationField = withUnit(parseDuration)
/** A count: 8030000000, "8.03B", "500M". */
export const countField = withUnit(parseCount)
