import { renderLaunchdPlist } from './launchd.js'
import type { ServiceSpec } from './spec.js'
import type { Runner, Step } from './steps.js'
import { renderSystemdUnit } from './systemd.js'
import { renderWinswXml } from './winsw.js'

export interface ServiceStatus {
  installed: boolean
  running: boolean
  /** The OS's own words (systemd SubState, launchd state, sc STATE). */
  state: string
  /** Where to read the agent's logs. */
  logs: string
  definition: string
}

export interface Backend {
  install: (spec: ServiceSpec) => Step[]
  uninstall: (spec: ServiceSpec) => Step[]
  status: (spec: ServiceSpec, run: Runner) => Promise<ServiceStatus>
  /** The command that prints the agent's last log lines (shown when it does not come up). */
  logTail: (spec: ServiceSpec) => { cmd: string, args: string[] }
}

const TAIL_LINES = '20'

const systemctl = (spec: ServiceSpec, ...args: string[]): Step => ({ kind: 'run', cmd: 'systemctl', args: spec.scope === 'user' ? ['--user', ...args] : args })

const linux: Backend = {
  install (spec) {
    const unit = renderSystemdUnit(spec)
    const account: Step[] = spec.runAs === null
      ? []
      : [
          { kind: 'run', cmd: 'useradd', args: ['--system', '--user-group', '--home-dir', '/var/lib/gpufleet', '--shell', '/usr/sbin/nologin', spec.runAs], unless: { cmd: 'id', args: ['-u', spec.runAs] } },
          // The node's folder holds its identity key and LevelDB data: the service account owns it.
          { kind: 'run', cmd: 'chown', args: ['-R', `${spec.runAs}:${spec.runAs}`, spec.workingDirectory] }
        ]
    return [
      ...account,
      { kind: 'mkdir', path: unit.path.slice(0, unit.path.lastIndexOf('/')) },
      { kind: 'write', path: unit.path, contents: unit.contents },
      systemctl(spec, 'daemon-reload'),
      systemctl(spec, 'enable', '--now', `${spec.name}.service`),
      // A user service starts at boot only with lingering on.
      ...(spec.scope === 'user' ? [{ kind: 'run', cmd: 'loginctl', args: ['enable-linger'], ignoreFailure: true } satisfies Step] : [])
    ]
  },
  uninstall (spec) {
    return [
      { ...systemctl(spec, 'disable', '--now', `${spec.name}.service`), ignoreFailure: true } as Step,
      { kind: 'remove', path: renderSystemdUnit(spec).path },
      systemctl(spec, 'daemon-reload')
    ]
  },
  async status (spec, run) {
    const step = systemctl(spec, 'show', `${spec.name}.service`, '--property=LoadState,ActiveState,SubState,FragmentPath')
    const r = step.kind === 'run' ? await run(step.cmd, step.args) : { code: 1, stdout: '', stderr: '' }
    const props = Object.fromEntries(r.stdout.split('\n').map(l => l.split('=')).filter(kv => kv.length >= 2).map(([k, ...v]) => [k!.trim(), v.join('=').trim()]))
    return {
      installed: props.LoadState === 'loaded',
      running: props.ActiveState === 'active',
      state: props.SubState ?? 'unknown',
      logs: `journalctl ${spec.scope === 'user' ? '--user ' : ''}-u ${spec.name} -f`,
      definition: props.FragmentPath || renderSystemdUnit(spec).path
    }
  },
  logTail: spec => ({ cmd: 'journalctl', args: [...(spec.scope === 'user' ? ['--user'] : []), '-u', spec.name, '-n', TAIL_LINES, '--no-pager', '-o', 'cat'] })
}

const domain = (spec: ServiceSpec, uid: number): string => (spec.scope === 'user' ? `gui/${uid}` : 'system')

function darwin (uid: number): Backend {
  return {
    install (spec) {
      const plist = renderLaunchdPlist(spec)
      return [
        { kind: 'mkdir', path: spec.logDir },
        { kind: 'mkdir', path: plist.path.slice(0, plist.path.lastIndexOf('/')) },
        // A reinstall replaces the loaded job.
        { kind: 'run', cmd: 'launchctl', args: ['bootout', `${domain(spec, uid)}/${spec.label}`], ignoreFailure: true },
        { kind: 'write', path: plist.path, contents: plist.contents },
        { kind: 'run', cmd: 'launchctl', args: ['bootstrap', domain(spec, uid), plist.path] },
        { kind: 'run', cmd: 'launchctl', args: ['enable', `${domain(spec, uid)}/${spec.label}`] }
      ]
    },
    uninstall (spec) {
      return [
        { kind: 'run', cmd: 'launchctl', args: ['bootout', `${domain(spec, uid)}/${spec.label}`], ignoreFailure: true },
        { kind: 'remove', path: renderLaunchdPlist(spec).path }
      ]
    },
    async status (spec, run) {
      const r = await run('launchctl', ['print', `${domain(spec, uid)}/${spec.label}`])
      const state = /^\s*state = (\S+)/m.exec(r.stdout)?.[1] ?? (r.code === 0 ? 'unknown' : 'not loaded')
      return { installed: r.code === 0, running: state === 'running', state, logs: `${spec.logDir}/agent.log`, definition: renderLaunchdPlist(spec).path }
    },
    logTail: spec => ({ cmd: 'tail', args: ['-n', TAIL_LINES, `${spec.logDir}/agent.err.log`, `${spec.logDir}/agent.log`] })
  }
}

const win32: Backend = {
  install (spec) {
    const xmlFile = renderWinswXml(spec)
    const exe = `${spec.serviceDir}\\${spec.name}.exe`
    return [
      { kind: 'mkdir', path: spec.serviceDir },
      { kind: 'mkdir', path: spec.logDir },
      // winsw finds its XML by the exe's own name: gpufleet.exe reads gpufleet.xml beside it.
      { kind: 'copy', from: spec.winswExe, to: exe },
      { kind: 'write', path: xmlFile.path, contents: xmlFile.contents },
      { kind: 'run', cmd: exe, args: ['install'] },
      { kind: 'run', cmd: exe, args: ['start'] }
    ]
  },
  uninstall (spec) {
    const exe = `${spec.serviceDir}\\${spec.name}.exe`
    return [
      { kind: 'run', cmd: exe, args: ['stop'], ignoreFailure: true },
      { kind: 'run', cmd: exe, args: ['uninstall'] },
      { kind: 'remove', path: renderWinswXml(spec).path },
      { kind: 'remove', path: exe }
    ]
  },
  async status (spec, run) {
    const r = await run('sc.exe', ['query', spec.name])
    const state = /STATE\s*:\s*\d+\s+(\w+)/.exec(r.stdout)?.[1] ?? (r.code === 1060 ? 'not installed' : 'unknown')
    return { installed: r.code === 0, running: state === 'RUNNING', state, logs: spec.logDir, definition: renderWinswXml(spec).path }
  },
  // winsw names its logs after the wrapper: gpufleet.err.log and gpufleet.out.log.
  logTail: spec => ({ cmd: 'powershell.exe', args: ['-NoProfile', '-Command', `Get-Content -Tail ${TAIL_LINES} -LiteralPath '${spec.logDir}\\${spec.name}.err.log','${spec.logDir}\\${spec.name}.out.log'`] })
}

export function backendFor (spec: ServiceSpec, uid: number): Backend {
  switch (spec.platform) {
    case 'linux': return linux
    case 'darwin': return darwin(uid)
    case 'win32': return win32
  }
}
