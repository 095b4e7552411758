import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import { existsSync, realpathSync, statSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { homedir } from 'node:os'
import { join, win32 as winPath } from 'node:path'
import type { Command } from 'commander'
import { InvalidInputError } from '@gpufleet/core'
import { loadConfigFiles, nodeDirectory } from '../inputs/config.js'
import type { CliIo } from '../io.js'
import { collect } from '../options.js'
import { backendFor } from '../service/backends.js'
import { buildServiceSpec } from '../service/build-spec.js'
import { HEALTH_WAIT_MS, healthUrl, httpHealthCheck, type HealthCheck } from '../service/health.js'
import { installPlaceError, unreachableReason, type PlaceFs } from '../service/install-place.js'
import type { ServicePlatform, ServiceSpec } from '../service/spec.js'
import { applySteps, commandText, describeSteps, type Runner, type ServiceFs } from '../service/steps.js'

/** Installing a system service needs root or Administrator; the message is the command to re-run. */
export class NotElevatedError extends Error {
  static readonly NAME = 'NotElevatedError'
  override name = NotElevatedError.NAME
}

/** The service was installed and started, but the agent did not answer /healthz in time. */
export class ServiceNotHealthyError extends Error {
  static readonly NAME = 'ServiceNotHealthyError'
  override name = ServiceNotHealthyError.NAME
}

export const execRunner: Runner = async (cmd, args) => await new Promise(resolve => {
  execFile(cmd, args, { timeout: 60_000, windowsHide: true }, (err, stdout, stderr) => {
    const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127
    resolve({ code, stdout: String(stdout), stderr: String(stderr) })
  })
})

const realFs: ServiceFs = {
  mkdir: async path => { await mkdir(path, { recursive: true }) },
  write: async (path, contents) => { await writeFile(path, contents) },
  copy: async (from, to) => { await copyFile(from, to) },
  remove: async path => { await rm(path, { force: true }) }
}

const realPlace: PlaceFs = {
  realpath: path => { try { return realpathSync(path) } catch { return path } },
  mode: path => { try { return statSync(path).mode } catch { return null } }
}

interface ServiceOpts { config: string[], platform?: string, user?: boolean, dryRun?: boolean, json?: boolean }

export interface ServiceDeps {
  runner: Runner
  fs: ServiceFs
  uid: number
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  /** Reads where the installed files are, to refuse a place the service account cannot reach. */
  place: PlaceFs
  healthy: HealthCheck
}
const PLATFORMS: readonly ServicePlatform[] = ['linux', 'darwin', 'win32']

async function elevated (platform: ServicePlatform, deps: ServiceDeps): Promise<boolean> {
  if (platform === 'win32') return (await deps.runner('net', ['session'])).code === 0
  return deps.uid === 0
}

/**
 * The node config a service uses when --config is not given: the one `gpufleet agent` creates
 * (~/.gpufleet, or $GPUFLEET_HOME) for a per-user service; /etc/gpufleet (%ProgramData%\\gpufleet on
 * Windows) for a system one.
 */
export function defaultServiceConfig (platform: ServicePlatform, user: boolean, env: NodeJS.ProcessEnv): string {
  if (platform === 'win32') return winPath.join(env.ProgramData ?? 'C:\\ProgramData', 'gpufleet', 'gpufleet.yaml')
  if (user) return join(env.GPUFLEET_HOME ?? join(homedir(), '.gpufleet'), 'gpufleet.yaml')
  return '/etc/gpufleet/gpufleet.yaml'
}

function rerunCommand (spec: ServiceSpec, action: string): string {
  const self = commandText(spec.node, [spec.script, 'service', action, ...spec.args.slice(1)])
  return spec.platform === 'win32' ? `from an Administrator PowerShell: ${self}` : `sudo ${self}`
}

export function registerService (program: Command, io: CliIo, deps: ServiceDeps = { runner: execRunner, fs: realFs, uid: process.getuid?.() ?? -1, env: process.env, platform: process.platform, place: realPlace, healthy: httpHealthCheck }): void {
  program.command('service')
    .description('install the agent as an OS service (systemd, launchd, Windows service via winsw)')
    .argument('<action>', 'install | uninstall | status')
    .option('--config <file>', 'node config (repeat to layer, as for `gpufleet agent`); default: /etc/gpufleet/gpufleet.yaml (Windows: %ProgramData%\\gpufleet), with --user ~/.gpufleet/gpufleet.yaml', collect, [])
    .option('--platform <os>', 'render another OS\'s files: linux | darwin | win32 (with --dry-run)')
    .option('--user', 'a per-user service (systemd --user, LaunchAgent) instead of a system one')
    .option('--dry-run', 'print every file and command, change nothing')
    .option('--json', 'status as JSON')
    .action(async (action: string, opts: ServiceOpts) => {
      if (!['install', 'uninstall', 'status'].includes(action)) throw new InvalidInputError(`service: unknown action "${action}" (install, uninstall or status)`)
      const platform = (opts.platform ?? deps.platform) as ServicePlatform
      if (!PLATFORMS.includes(platform)) throw new InvalidInputError(`--platform: "${opts.platform ?? deps.platform}" is not linux, darwin or win32`)
      if (platform !== deps.platform && opts.dryRun !== true) throw new InvalidInputError(`--platform ${platform}: another OS's service can only be rendered (add --dry-run)`)
      if (platform === 'win32' && opts.user === true) throw new InvalidInputError('--user: Windows services are system-wide (run from an Administrator prompt)')
      for (const c of opts.config) if (!existsSync(c)) throw new InvalidInputError(`--config: ${c}: no such file`)
      const user = opts.user === true
      let configs = opts.config
      if (configs.length === 0) {
        const fallback = defaultServiceConfig(platform, user, deps.env)
        const folder = platform === 'win32' ? winPath.dirname(fallback) : fallback.slice(0, fallback.lastIndexOf('/'))
        if (action === 'install' && platform === deps.platform && !existsSync(fallback)) {
          throw new InvalidInputError(`service install: no node config at ${fallback}: create it with \`gpufleet init --dir ${folder} --name NAME --role coordinator|worker\` or pass --config FILE`)
        }
        configs = [fallback]
      }
      const spec = buildServiceSpec({ platform, user, configs, nodeDir: nodeDirectory(configs), env: deps.env })
      const backend = backendFor(spec, deps.uid)

      if (action === 'status') {
        const status = await backend.status(spec, deps.runner)
        io.out(opts.json === true
          ? JSON.stringify(status, null, 2)
          : [`service  ${spec.name} (${spec.platform}, ${spec.scope})`, `state    ${status.installed ? (status.running ? 'running' : `installed, not running (${status.state})`) : 'not installed'}`, `file     ${status.definition}`, `logs     ${status.logs}`].join('\n'))
        return
      }
      const steps = action === 'install' ? backend.install(spec) : backend.uninstall(spec)
      if (opts.dryRun === true) { io.out(describeSteps(steps)); return }
      if (spec.scope === 'system' && !(await elevated(platform, deps))) throw new NotElevatedError(`service ${action} needs ${platform === 'win32' ? 'Administrator' : 'root'} rights; re-run it ${rerunCommand(spec, action)}`)
      if (action === 'uninstall') {
        await applySteps(steps, deps.runner, deps.fs, line => { io.err(`gpufleet: ${line}`) })
        io.out(`gpufleet service removed (${spec.platform}, ${spec.scope}); the node's config and data stay in ${spec.workingDirectory}`)
        return
      }
      // Refused before anything is written: a unit its account cannot run would only crash-loop.
      const unreachable = unreachableReason(spec, deps.place)
      if (unreachable !== null) throw installPlaceError(unreachable)
      const url = healthUrl(loadConfigFiles(configs).api.listen)
      await applySteps(steps, deps.runner, deps.fs, line => { io.err(`gpufleet: ${line}`) })
      const healthy = url === null ? null : await deps.healthy(url, HEALTH_WAIT_MS)
      const status = await backend.status(spec, deps.runner)
      if (healthy === true || (healthy === null && status.running)) {
        io.out(`gpufleet service installed (${spec.platform}, ${spec.scope}): running${url === null ? '' : `, answering ${url}`}; logs: ${status.logs}`)
        return
      }
      const tail = backend.logTail(spec)
      const logs = await deps.runner(tail.cmd, tail.args)
      io.err(`gpufleet: last lines of ${commandText(tail.cmd, tail.args)}:`)
      for (const line of (logs.stdout + logs.stderr).trimEnd().split('\n')) io.err(`  ${line}`)
      throw new ServiceNotHealthyError(`service installed (${spec.platform}, ${spec.scope}) but the agent is not running: ${url === null ? `state ${status.state}` : `no answer from ${url} within ${HEALTH_WAIT_MS / 1000} s (state ${status.state})`}; its last log lines are above (${status.logs})`)
    })
}
