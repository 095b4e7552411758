import { accessSync, constants, readdirSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { NvidiaSmiPathError } from '../errors.js'

export interface LocateNvidiaSmiInit {
  /** `--nvidia-smi PATH`: used as given, an error if it is not an executable file. */
  explicitPath?: string
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
}

export interface LocatedNvidiaSmi { path: string, via: 'flag' | 'env' | 'path' | 'windows-default' }

/**
 * Finds nvidia-smi in the order of the contract: the flag, GPUFLEET_NVIDIA_SMI, PATH, then the
 * places the Windows driver installs it (System32, then the newest DriverStore copy, which
 * DCH drivers use). Returns null when there is none: a machine without an NVIDIA driver.
 */
export function locateNvidiaSmi (init: LocateNvidiaSmiInit = {}): LocatedNvidiaSmi | null {
  const env = init.env ?? process.env
  const platform = init.platform ?? process.platform
  if (init.explicitPath !== undefined) return { path: requireExecutable(init.explicitPath, '--nvidia-smi'), via: 'flag' }
  const fromEnv = env.GPUFLEET_NVIDIA_SMI
  if (fromEnv !== undefined && fromEnv !== '') return { path: requireExecutable(fromEnv, 'GPUFLEET_NVIDIA_SMI'), via: 'env' }
  const exe = platform === 'win32' ? 'nvidia-smi.exe' : 'nvidia-smi'
  for (const dir of (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, exe)
    if (isExecutable(candidate)) return { path: candidate, via: 'path' }
  }
  if (platform === 'win32') {
    const windir = env.SystemRoot ?? env.WINDIR ?? 'C:\\Windows'
    for (const candidate of windowsCandidates(windir, env.ProgramFiles ?? 'C:\\Program Files')) {
      if (isExecutable(candidate)) return { path: candidate, via: 'windows-default' }
    }
  }
  return null
}

function windowsCandidates (windir: string, programFiles: string): string[] {
  const candidates = [join(windir, 'System32', 'nvidia-smi.exe')]
  const store = join(windir, 'System32', 'DriverStore', 'FileRepository')
  try {
    const copies = readdirSync(store, { withFileTypes: true })
      .filter(d => d.isDirectory() && d.name.toLowerCase().startsWith('nv'))
      .map(d => join(store, d.name, 'nvidia-smi.exe'))
      .filter(isExecutable)
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    candidates.push(...copies)
  } catch { /* no DriverStore readable: not an NVIDIA DCH install */ }
  candidates.push(join(programFiles, 'NVIDIA Corporation', 'NVSMI', 'nvidia-smi.exe'))
  return candidates
}

function requireExecutable (path: string, source: string): string {
  let isFile = false
  try { isFile = statSync(path).isFile() } catch { /* reported below */ }
  if (!isFile) throw new NvidiaSmiPathError(`${source}: ${path}: no such file`)
  if (!isExecutable(path)) throw new NvidiaSmiPathError(`${source}: ${path}: not executable`)
  return path
}

function isExecutable (path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK)
    return true
  } catch {
    return false
  }
}
