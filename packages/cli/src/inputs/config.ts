import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
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

// Config keys that hold file paths: relative values resolve against the folder of the file that sets them.
const PATH_KEYS: Array<[section: string | null, key: string]> = [[null, 'dataDir'], ['cluster', 'pskFile'], ['report', 'path']]

function resolvePaths (raw: Record<string, unknown>, dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw }
  for (const [section, key] of PATH_KEYS) {
    const holder = section === null ? out : out[section]
    if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) continue
    const value = (holder as Record<string, unknown>)[key]
    if (typeof value !== 'string' || isAbsolute(value)) continue
    const resolved = resolve(dir, value)
    if (section === null) out[key] = resolved
    else out[section] = { ...(holder as Record<string, unknown>), [key]: resolved }
  }
  return out
}

/**
 * The shipped defaults layered under the user's files, in the order given. Paths a file sets
 * resolve against that file's folder; paths left at their defaults resolve against the node's
 * folder (see nodeDirectory).
 */
export function loadConfigFiles (paths: readonly string[]): FleetConfig {
  const defaults = readSource(defaultConfigPath(), 'the default config')
  const nodeDir = nodeDirectory(paths)
  return loadConfig([defaults, ...paths.map(p => readSource(p, 'config file'))], {
    rewrite: (raw, source) => resolvePaths(raw, source === defaults ? nodeDir : dirname(resolve(source.path)))
  })
}

/**
 * The folder of the node's own file — the first one with a `node:` section, else the first —
 * where identity.key lives and default paths (./data, swarm.key, GPU_SPECS.md) point.
 */
export function nodeDirectory (paths: readonly string[]): string {
  const own = paths.find(p => { try { return /^node\s*:/m.test(readFileSync(p, 'utf8')) } catch { return false } }) ?? paths[0]
  return own === undefined ? process.cwd() : dirname(resolve(own))
}
