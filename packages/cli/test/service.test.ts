import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { afterAll, describe, expect, it } from 'vitest'
import { registerService, type ServiceDeps } from '../src/commands/service.js'
import type { CliIo } from '../src/io.js'
import { healthUrl } from '../src/service/health.js'
import { renderLaunchdPlist } from '../src/service/launchd.js'
import type { ServiceSpec } from '../src/service/spec.js'
import type { RunResult } from '../src/service/steps.js'
import { renderSystemdUnit } from '../src/service/systemd.js'
import { renderWinswXml } from '../src/service/winsw.js'
import { expectGolden } from '../../../test/support/golden.js'
import { describeIfPresent } from '../../../test/support/prerequisite.js'
import { binPath, runBin } from './helpers.js'

const golden = (name: string): string => join(import.meta.dirname, 'golden/service', name)

/** A fixed spec: renderers are pure, so their output is compared byte for byte. */
function spec (over: Partial<ServiceSpec>): ServiceSpec {
  return {
    platform: 'linux', scope: 'system', name: 'gpufleet', label: 'org.gpufleet.agent', description: 'gpufleet agent',
    node: '/usr/bin/node', nodeArgs: ['--max-semi-space-size=1', '--max-old-space-size=128'], script: '/opt/gpufleet/packages/cli/dist/bin.js',
    args: ['agent', '--config', '/etc/gpufleet/gpufleet.yaml', '--config', '/etc/gpufleet/roosync catalog.yaml'],
    workingDirectory: '/etc/gpufleet', runAs: 'gpufleet', logDir: 'journald', home: '/home/ops', serviceDir: 'C:\\ProgramData\\gpufleet\\service', winswExe: 'C:\\gpufleet\\node_modules\\node-windows\\bin\\winsw\\winsw.exe',
    ...over
  }
}

describe('service renderers (snapshots)', () => {
  it('systemd: system unit runs as the dedicated account; user unit does not', () => {
    expectGolden(golden('gpufleet.system.service'), renderSystemdUnit(spec({})).contents)
    const user = renderSystemdUnit(spec({ scope: 'user', runAs: null }))
    expect(user.path).toBe('/home/ops/.config/systemd/user/gpufleet.service')
    expectGolden(golden('gpufleet.user.service'), user.contents)
  })

  it('launchd: a LaunchDaemon and a LaunchAgent with KeepAlive and logs under Library/Logs', () => {
    const daemon = renderLaunchdPlist(spec({ platform: 'darwin', runAs: null, logDir: '/Library/Logs/gpufleet', node: '/usr/local/bin/node' }))
    expect(daemon.path).toBe('/Library/LaunchDaemons/org.gpufleet.agent.plist')
    expectGolden(golden('org.gpufleet.agent.daemon.plist'), daemon.contents)
    const agent = renderLaunchdPlist(spec({ platform: 'darwin', scope: 'user', runAs: null, logDir: '/Users/ops/Library/Logs/gpufleet', home: '/Users/ops' }))
    expect(agent.path).toBe('/Users/ops/Library/LaunchAgents/org.gpufleet.agent.plist')
    expect(agent.contents).toContain('<string>/Users/ops/Library/Logs/gpufleet/agent.log</string>')
  })

  it('winsw: restart on failure, delayed automatic start, logs in the service folder', () => {
    const xml = renderWinswXml(spec({ platform: 'win32', runAs: null, node: 'C:\\Program Files\\nodejs\\node.exe', script: 'C:\\gpufleet\\packages\\cli\\dist\\bin.js', args: ['agent', '--config', 'C:\\ProgramData\\gpufleet\\gpufleet.yaml', '--config', 'C:\\Users\\Jean Dupont\\roosync catalog.yaml'], workingDirectory: 'C:\\ProgramData\\gpufleet', logDir: 'C:\\ProgramData\\gpufleet\\service\\logs' }))
    expect(xml.path).toBe('C:\\ProgramData\\gpufleet\\service\\gpufleet.xml')
    expect(xml.contents).toContain('\r\n')
    expectGolden(golden('gpufleet.winsw.xml'), xml.contents)
  })

  // winsw hands <arguments> to CreateProcess as one command line; node splits it back with the
  // Microsoft C runtime's rules. Every argument must come back exactly as it went in.
  it.each([
    ['a path with spaces', 'C:\\Users\\Jean Dupont\\roosync catalog.yaml'],
    ['a folder with a space and a trailing backslash', 'C:\\Program Files\\gpufleet\\'],
    ['an embedded double quote', 'say "bonjour"'],
    ['backslashes before a quote', 'a\\\\"b c'],
    ['a tab', 'tab\there'],
    ['XML metacharacters', 'R&D <fleet>.yaml'],
    ['a plain word (left unquoted)', '--log-level']
  ])('winsw: quoted arguments survive the Windows command line: %s', (_what, arg) => {
    const xml = renderWinswXml(spec({ platform: 'win32', runAs: null, nodeArgs: [], script: 'C:\\gpufleet\\bin.js', args: ['agent', '--config', arg] })).contents
    const line = xmlUnescape(/<arguments>(.*)<\/arguments>/.exec(xml)?.[1] ?? '')
    expect(splitWindowsCommandLine(line)).toEqual(['C:\\gpufleet\\bin.js', 'agent', '--config', arg])
    if (!/[\s"]/.test(arg)) expect(line.endsWith(` ${arg}`)).toBe(true)
  })
})

const xmlUnescape = (s: string): string => s.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!)

/**
 * The Microsoft C runtime's argv parsing (CommandLineToArgvW, "Parsing C command-line arguments"):
 * 2n backslashes before a quote give n and the quote toggles quoting; 2n+1 give n and a literal
 * quote; other backslashes are literal; outside quotes, spaces and tabs separate arguments.
 */
function splitWindowsCommandLine (line: string): string[] {
  const args: string[] = []
  let cur = ''
  let inArg = false
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === '\\') {
      let n = 0
      while (line[i + n] === '\\') n++
      if (line[i + n] === '"') {
        cur += '\\'.repeat(Math.floor(n / 2))
        if (n % 2 === 1) cur += '"'
        else quoted = !quoted
        i += n
      } else {
        cur += '\\'.repeat(n)
        i += n - 1
      }
      inArg = true
    } else if (c === '"') {
      quoted = !quoted
      inArg = true
    } else if ((c === ' ' || c === '\t') && !quoted) {
      if (inArg) args.push(cur)
      cur = ''
      inArg = false
    } else {
      cur += c
      inArg = true
    }
  }
  if (inArg) args.push(cur)
  return args
}

// Proves the unit for real where systemd's tools exist (.ci/run installs them): no warnings at all.
const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0 ? null : 'systemd-analyze is not installed (.ci/run installs the systemd package)'
describeIfPresent(systemdAnalyze, 'systemd-analyze verify', () => {
  it('accepts the rendered units', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpufleet-unit-'))
    try {
      for (const s of [spec({ node: process.execPath, script: binPath, workingDirectory: dir }), spec({ scope: 'user', runAs: null, node: process.execPath, script: binPath, workingDirectory: dir })]) {
        const file = join(dir, 'gpufleet.service')
        writeFileSync(file, renderSystemdUnit(s).contents)
        const r = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' })
        expect(r.stderr.replace(/.*(Cannot add dependency job|Failed to connect to bus|Unit network-online|No such file or directory).*\n?/g, '')).toBe('')
        expect(r.status).toBe(0)
      }
      // …and rejects a broken one, so the check has teeth.
      writeFileSync(join(dir, 'broken.service'), renderSystemdUnit(spec({ node: '/nonexistent/node', workingDirectory: dir })).contents)
      expect(spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'broken.service')], { encoding: 'utf8' }).status).not.toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

const outOfTmp = (p: string): string => p.replace(tmpdir(), '/srv')

/** Records every command and file operation; answers commands from a script. */
function recorder (platform: NodeJS.Platform, uid: number, answers: Record<string, RunResult> = {}, over: Partial<ServiceDeps> = {}) {
  const log: string[] = []
  const deps: ServiceDeps = {
    platform, uid, env: { ProgramData: 'C:\\ProgramData' },
    // Every folder open to others unless a test says otherwise, and the test's files (in the OS's
    // temporary folder) seen as if they lay in /srv; the agent answers at once.
    place: { realpath: outOfTmp, mode: () => 0o40755 },
    healthy: async url => { log.push(`health ${url}`); return true },
    runner: async (cmd, args) => { const line = [cmd, ...args].join(' '); log.push(`run ${line}`); return answers[line] ?? { code: 0, stdout: '', stderr: '' } },
    fs: {
      mkdir: async p => { log.push(`mkdir ${p}`) },
      write: async p => { log.push(`write ${p}`) },
      copy: async (a, b) => { log.push(`copy ${a} ${b}`) },
      remove: async p => { log.push(`remove ${p}`) }
    },
    ...over
  }
  const out: string[] = []
  const io: CliIo = { out: t => { out.push(t) }, err: t => { out.push(t) }, writeFile: async () => {}, usageError: m => new Error(m) }
  const run = async (...args: string[]): Promise<void> => {
    const program = new Command().exitOverride()
    registerService(program, io, deps)
    await program.parseAsync(['service', ...args], { from: 'user' })
  }
  return { log, out, run }
}

describe('service install/uninstall/status through a recording runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-svc-'))
  const config = join(dir, 'gpufleet.yaml')
  writeFileSync(config, 'node: { name: box, role: worker }\n')
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('Linux as root: account, ownership, unit, daemon-reload, enable --now; uninstall reverses it', async () => {
    const r = recorder('linux', 0, { 'id -u gpufleet': { code: 1, stdout: '', stderr: 'no such user' } })
    await r.run('install', '--config', config)
    expect(r.log).toEqual([
      'run id -u gpufleet',
      'run useradd --system --user-group --home-dir /var/lib/gpufleet --shell /usr/sbin/nologin gpufleet',
      `run chown -R gpufleet:gpufleet ${dir}`,
      'mkdir /etc/systemd/system',
      'write /etc/systemd/system/gpufleet.service',
      'run systemctl daemon-reload',
      'run systemctl enable --now gpufleet.service',
      'health http://127.0.0.1:7700/healthz',
      'run systemctl show gpufleet.service --property=LoadState,ActiveState,SubState,FragmentPath'
    ])
    expect(r.out.at(-1)).toBe('gpufleet service installed (linux, system): running, answering http://127.0.0.1:7700/healthz; logs: journalctl -u gpufleet -f')
    const u = recorder('linux', 0)
    await u.run('uninstall')
    expect(u.log).toEqual(['run systemctl disable --now gpufleet.service', 'remove /etc/systemd/system/gpufleet.service', 'run systemctl daemon-reload'])
    // Without --config the system service's folder is /etc/gpufleet, and the message names it.
    expect(u.out.at(-1)).toBe('gpufleet service removed (linux, system); the node\'s config and data stay in /etc/gpufleet')
  })

  it('an agent that does not answer /healthz is not reported running: the journal\'s last lines and exit 1', async () => {
    const journal = 'journalctl -u gpufleet -n 20 --no-pager -o cat'
    const r = recorder('linux', 0, {
      [journal]: { code: 0, stdout: 'Error: Cannot find module \'/root/gpufleet/dist/bin.js\'\ngpufleet.service: Main process exited, code=exited, status=1/FAILURE\n', stderr: '' },
      'systemctl show gpufleet.service --property=LoadState,ActiveState,SubState,FragmentPath': { code: 0, stdout: 'LoadState=loaded\nActiveState=activating\nSubState=auto-restart\n', stderr: '' }
    }, { healthy: async () => false })
    const err = await r.run('install', '--config', config).catch((e: unknown) => e as Error)
    expect(err?.name).toBe('ServiceNotHealthyError')
    expect(err?.message).toBe(`service installed (linux, system) but the agent is not running: no answer from http://127.0.0.1:7700/healthz within 20 s (state auto-restart); its last log lines are above (journalctl -u gpufleet -f)`)
    expect(r.log.at(-1)).toBe(`run ${journal}`)
    expect(r.out).toContain('  Error: Cannot find module \'/root/gpufleet/dist/bin.js\'')
    expect(r.out.some(l => l.includes(': running'))).toBe(false)
  })

  it('refuses, before writing anything, a place the service account cannot reach: a 0700 home, /tmp under PrivateTmp', async () => {
    const home = recorder('linux', 0, {}, { place: { realpath: p => outOfTmp(p).replace(/^.*\/bin\.js$/, '/root/gpufleet/dist/bin.js'), mode: p => (p === '/root' ? 0o40700 : 0o40755) } })
    const err = await home.run('install', '--config', config).catch((e: unknown) => e as Error)
    expect(err?.name).toBe('InstallPlaceError')
    expect(err?.message).toMatch(/^service install: the gpufleet account cannot reach the gpufleet program \(\/root\/gpufleet\/dist\/bin\.js\): \/root is mode 0700; install gpufleet where every account can read it .*--user$/)
    expect(home.log).toEqual([])
    const tmp = recorder('linux', 0, {}, { place: { realpath: p => p.replace(/^.*\/bin\.js$/, '/tmp/gpufleet/dist/bin.js'), mode: () => 0o40755 } })
    const tmpErr = await tmp.run('install', '--config', config).catch((e: unknown) => e as Error)
    expect(tmpErr?.message).toContain('the gpufleet program (/tmp/gpufleet/dist/bin.js) is under /tmp, which systemd hides from the service (PrivateTmp=yes)')
    expect(tmp.log).toEqual([])
  })

  it('--config defaults to ~/.gpufleet for a --user service, and install says how to create it when missing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gpufleet-home-'))
    try {
      const r = recorder('linux', 1000, {}, { env: { GPUFLEET_HOME: home } })
      const err = await r.run('install', '--user').catch((e: unknown) => e as Error)
      expect(err?.message).toBe(`service install: no node config at ${home}/gpufleet.yaml: create it with \`gpufleet init --dir ${home} --name NAME --role coordinator|worker\` or pass --config FILE`)
      writeFileSync(join(home, 'gpufleet.yaml'), 'node: { name: box, role: worker }\n')
      const ok = recorder('linux', 1000, {}, { env: { GPUFLEET_HOME: home } })
      await ok.run('install', '--user')
      expect(ok.log).toContain(`write /home/ops/.config/systemd/user/gpufleet.service`.replace('/home/ops', process.env.HOME ?? ''))
      const u = recorder('linux', 1000, {}, { env: { GPUFLEET_HOME: home } })
      await u.run('uninstall', '--user')
      expect(u.out.at(-1)).toBe(`gpufleet service removed (linux, user); the node's config and data stay in ${home}`)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  it('not root: nothing is touched and the error is the exact command to re-run', async () => {
    const r = recorder('linux', 1000)
    const err = await r.run('install', '--config', config).catch((e: unknown) => e as Error)
    expect(err?.name).toBe('NotElevatedError')
    expect(err?.message).toMatch(new RegExp(`re-run it sudo \\S*node \\S*bin\\.js service install --config ${config}$`))
    expect(r.log).toEqual([])
    // A --user service needs no root.
    const user = recorder('linux', 1000)
    await user.run('install', '--config', config, '--user')
    expect(user.log).toContain('run systemctl --user enable --now gpufleet.service')
    expect(user.log.some(l => l.startsWith('run useradd'))).toBe(false)
  })

  it('macOS LaunchAgent: bootstrap into the user\'s gui domain', async () => {
    const r = recorder('darwin', 501)
    await r.run('install', '--config', config, '--user')
    expect(r.log.filter(l => l.startsWith('run launchctl'))).toEqual([
      'run launchctl bootout gui/501/org.gpufleet.agent',
      expect.stringMatching(/^run launchctl bootstrap gui\/501 .*\/Library\/LaunchAgents\/org\.gpufleet\.agent\.plist$/),
      'run launchctl enable gui/501/org.gpufleet.agent',
      'run launchctl print gui/501/org.gpufleet.agent'
    ])
  })

  it('Windows: refuses without Administrator; with it copies winsw, writes its XML, installs and starts', async () => {
    const denied = recorder('win32', -1, { 'net session': { code: 2, stdout: '', stderr: 'Access is denied.' } })
    const err = await denied.run('install', '--config', config).catch((e: unknown) => e as Error)
    expect(err?.message).toContain('from an Administrator PowerShell')
    const r = recorder('win32', -1)
    await r.run('install', '--config', config)
    expect(r.log).toEqual([
      'run net session',
      'mkdir C:\\ProgramData\\gpufleet\\service',
      'mkdir C:\\ProgramData\\gpufleet\\service\\logs',
      expect.stringMatching(/^copy .*winsw\.exe C:\\ProgramData\\gpufleet\\service\\gpufleet\.exe$/),
      'write C:\\ProgramData\\gpufleet\\service\\gpufleet.xml',
      'run C:\\ProgramData\\gpufleet\\service\\gpufleet.exe install',
      'run C:\\ProgramData\\gpufleet\\service\\gpufleet.exe start',
      'health http://127.0.0.1:7700/healthz',
      'run sc.exe query gpufleet'
    ])
  })

  it('status reads each OS\'s own answer', async () => {
    const linux = recorder('linux', 0, { 'systemctl show gpufleet.service --property=LoadState,ActiveState,SubState,FragmentPath': { code: 0, stdout: 'LoadState=loaded\nActiveState=active\nSubState=running\nFragmentPath=/etc/systemd/system/gpufleet.service\n', stderr: '' } })
    await linux.run('status', '--json')
    expect(JSON.parse(linux.out[0]!)).toEqual({ installed: true, running: true, state: 'running', logs: 'journalctl -u gpufleet -f', definition: '/etc/systemd/system/gpufleet.service' })
    const mac = recorder('darwin', 0, { 'launchctl print system/org.gpufleet.agent': { code: 0, stdout: 'system/org.gpufleet.agent = {\n\tactive count = 1\n\tstate = running\n', stderr: '' } })
    await mac.run('status')
    expect(mac.out[0]).toContain('state    running')
    const win = recorder('win32', -1, { 'sc.exe query gpufleet': { code: 0, stdout: 'SERVICE_NAME: gpufleet\n        TYPE               : 10  WIN32_OWN_PROCESS\n        STATE              : 1  STOPPED\n', stderr: '' } })
    await win.run('status')
    expect(win.out[0]).toContain('installed, not running (STOPPED)')
    const none = recorder('win32', -1, { 'sc.exe query gpufleet': { code: 1060, stdout: '[SC] EnumQueryServicesStatus:OpenService FAILED 1060', stderr: '' } })
    await none.run('status')
    expect(none.out[0]).toContain('not installed')
  })

  it('the real CLI: --dry-run prints files and commands for every OS and changes nothing; bad flags exit 2', async () => {
    for (const platform of ['linux', 'darwin', 'win32']) {
      const r = await runBin(['service', 'install', '--config', config, '--dry-run', '--platform', platform])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^# file /m)
      expect(r.stdout).toMatch(/^# run /m)
    }
    expect((await runBin(['service', 'install', '--config', config, '--platform', 'win32'])).code).toBe(2)
    const bad = await runBin(['service', 'restart', '--config', config])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toBe('gpufleet: service: unknown action "restart" (install, uninstall or status)')
    expect((await runBin(['service', 'install', '--config', join(dir, 'missing.yaml'), '--dry-run'])).code).toBe(2)
  }, 60_000) // six CLI processes, one after another, on a loaded 2-core machine
})

describe('where install asks for /healthz', () => {
  it('the api.listen address, a wildcard asked on loopback; none for port 0', () => {
    expect(healthUrl('127.0.0.1:7700')).toBe('http://127.0.0.1:7700/healthz')
    expect(healthUrl('0.0.0.0:7800')).toBe('http://127.0.0.1:7800/healthz')
    expect(healthUrl('[::]:7700')).toBe('http://[::1]:7700/healthz')
    expect(healthUrl('192.168.1.10:7700')).toBe('http://192.168.1.10:7700/healthz')
    expect(healthUrl('127.0.0.1:0')).toBeNull()
  })
})
