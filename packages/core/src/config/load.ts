import { LineCounter, parseDocument } from 'yaml'
import { InvalidInputError } from '../errors.js'
import { validateDocument } from '../schemas/validate.js'
import { mergeConfigs } from './merge.js'
import { fleetConfigSchema, fleetConfigShape, type FleetConfig } from './schema.js'

/** A config file could not be read as YAML or failed validation. */
export class InvalidConfigError extends InvalidInputError {
  static override readonly NAME = 'InvalidConfigError'
  override name = InvalidConfigError.NAME
}

export interface ConfigSource { path: string, text: string }

export interface LoadConfigOptions {
  /** Adjusts one file's document before merging (the CLI resolves relative paths against its folder). */
  rewrite?: (raw: Record<string, unknown>, source: ConfigSource) => Record<string, unknown>
}

/** Parses one YAML document; syntax errors name the file, line and column. */
export function parseConfigYaml (source: ConfigSource): Record<string, unknown> {
  const lines = new LineCounter()
  const doc = parseDocument(source.text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines })
  const error = doc.errors[0]
  if (error !== undefined) {
    const at = lines.linePos(error.pos[0])
    throw new InvalidConfigError(`${source.path}:${at.line}:${at.col}: ${error.message.split('\n')[0] ?? 'invalid YAML'}`)
  }
  let value: unknown
  try {
    // Aliases are resolved here: an undefined anchor (`*x`) or an alias bomb fails now, not later.
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    throw new InvalidConfigError(`${source.path}: ${(err as Error).message.split('\n')[0] ?? 'invalid YAML'}`)
  }
  if (value === null || value === undefined) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidConfigError(`${source.path}: the top level must be a mapping of keys (cluster, node, models, …)`)
  return value as Record<string, unknown>
}

/**
 * Loads layered configs (later override earlier). Each file is checked on its own first, so an
 * error names the file that holds the bad key; the merged result is then validated as a whole.
 */
export function loadConfig (sources: ConfigSource[], options: LoadConfigOptions = {}): FleetConfig {
  const layers = sources.map(source => {
    const parsed = parseConfigYaml(source)
    const raw = options.rewrite?.(parsed, source) ?? parsed
    validateAs(fleetConfigShape, raw, source.path)
    return raw
  })
  return validateAs(fleetConfigSchema, mergeConfigs(...layers), sources.map(s => s.path).join(' + ') || '(defaults)')
}

function validateAs (schema: typeof fleetConfigShape | typeof fleetConfigSchema, raw: unknown, source: string): FleetConfig {
  try {
    return validateDocument(schema, raw, source)
  } catch (err) {
    throw new InvalidConfigError((err as Error).message)
  }
}
