import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { dirname, join, resolve, win32 } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AGENT_NODE_FLAGS } from '@gpufleet/agent/node-flags'
import type { ServicePlatform, ServiceSpec } from './spec.js'

export interface SpecOptions {
  platform: ServicePlatform
  user: boolean
  configs: string[]
  /** The node's own config folder (identity key, data). */
  nodeDir: string
  env: NodeJS.ProcessEnv
}

/** The Node that runs this CLI when rendering for this OS; the usual install path for another OS (dry-run). */
function nodeFor (platform: ServicePlatform): string {
  if (platform === process.platform) return process.execPath
  return platform === 'win32' ? 'C:\\Program Files\\nodejs\\node.exe' : platform === 'darwin' ? '/usr/local/bin/node' : '/usr/bin/node'
}

/** winsw.exe as node-windows ships it (an optional dependency, installed on Windows only). */
function winswExe (): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('node-windows/package.json')), 'bin', 'winsw', 'winsw.exe')
  } catch {
    return '<node_modules>\\node-windows\\bin\\winsw\\winsw.exe'
  }
}

export function buildServiceSpec (o: SpecOptions): ServiceSpec {
  const script = fileURLToPath(new URL('../bin.js', import.meta.url))
  const configs = o.configs.map(c => (o.platform === 'win32' && win32.isAbsolute(c) ? c : resolve(c)))
  const home = o.platform === process.platform ? homedir() : o.platform === 'win32' ? 'C:\\Users\\you' : o.platform === 'darwin' ? '/Users/you' : '/home/you'
  const programData = o.env.ProgramData ?? 'C:\\ProgramData'
  const serviceDir = `${programData}\\gpufleet\\service`
  const scope = o.user ? 'user' : 'system'
  return {
    platform: o.platform,
    scope,
    name: 'gpufleet',
    label: 'org.gpufleet.agent',
    description: 'gpufleet agent',
    node: nodeFor(o.platform),
    nodeArgs: [...AGENT_NODE_FLAGS],
    script,
    args: ['agent', ...configs.flatMap(c => ['--config', c])],
    workingDirectory: o.platform === 'win32' ? `${programData}\\gpufleet` : o.nodeDir,
    // Linux system services run as a dedicated account; rendered so on any machine for --dry-run.
    runAs: o.platform === 'linux' && scope === 'system' ? 'gpufleet' : null,
    logDir: o.platform === 'win32' ? `${serviceDir}\\logs` : o.platform === 'darwin' ? (scope === 'user' ? `${home}/Library/Logs/gpufleet` : '/Library/Logs/gpufleet') : 'journald',
    home,
    serviceDir,
    winswExe: winswExe()
  }
}
