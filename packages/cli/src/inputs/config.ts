import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidConfigError, loadConfig, type ConfigSource, type FleetConfig } from '@gpufleet/core'

/**
 * The shipped defaults (configs/default.yaml): next to the package when installed from npm
 * (copied in at pack time), else at the repository root when run from a checkout.
 */
export function defaultConfigPath (): string {
  const here = dirname(fileURLToPath(import.meta.url))
  // here is dist/inputs: the package root is two levels up, the repository root four.
  const candidates = [join(here, '../../configs/default.yaml'), join(here, '../../../../configs/default.yaml')]
  const found = candidates.find(p => existsSync(p))
  if (found === undefined) throw new Error(`the shipped configs/default.yaml is missing (looked in ${candidates.join(', ')})`)
  return found
}

export function readSource (path: string, what: string): ConfigSource {
  try {
    return { path, text: readFileSync(path, 'utf8') }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InvalidConfigError(`${path}: cannot read ${what}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': is a directory' : `: ${code ?? String(err)}`}`)
  }
}

/** The shipped defaults layered under the user's files, in the order given. */
export function loadConfigFiles (paths: readonly string[]): FleetConfig {
  return loadConfig([readSource(defaultConfigPath(), 'the default config'), ...paths.map(p => readSource(p, 'config file'))])
}
