import { InvalidInputError } from '@gpufleet/core'

/** pino's levels, quietest last; `silent` turns logging off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

/** A --log-level (or GPUFLEET_LOG_LEVEL) that pino does not know. */
export class InvalidLogLevelError extends InvalidInputError {
  static override readonly NAME = 'InvalidLogLevelError'
  override name = InvalidLogLevelError.NAME
}

/** Checks the level before anything starts, so a typo is one line and exit 2 rather than pino's stack. */
export function parseLogLevel (value: string, source = '--log-level'): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel
  throw new InvalidLogLevelError(`${source}: expected one of ${LOG_LEVELS.join(', ')}, got "${value}"`)
}
