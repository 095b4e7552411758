// Installs gpufleet as a user does: `pnpm pack` makes the tarball, `npm install -g` installs it into
// an empty prefix with the npm registry as the only other source (no workspace links), and the
// installed `gpufleet` command is run: --version, probe, an agent serving /healthz and the dashboard,
// and `service install --dry-run`, whose unit must point at the installed files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repoRoot = join(import.meta.dirname, '../..')
const packageDir = join(repoRoot, 'packages/gpufleet')
const windows = process.platform === 'win32'
const work = mkdtempSync(join(tmpdir(), 'gpufleet-install-'))
const prefix = join(work, 'prefix')
// npm's global layout: <prefix>/bin + <prefix>/lib/node_modules on POSIX, <prefix> + <prefix>\node_modules on Windows.
const bin = windows ? join(prefix, 'gpufleet.cmd') : join(prefix, 'bin', 'gpufleet')
const installed = windows ? join(prefix, 'node_modules', 'gpufleet') : join(prefix, 'lib', 'node_modules', 'gpufleet')

function run (cmd: string, args: string[], cwd = work): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', shell: windows, timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } })
  return { code: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error?.message ?? ''}` }
}
const gpufleet = (...args: string[]): ReturnType<typeof run> => run(bin, args)

describe('the packed gpufleet package, installed with npm install -g', () => {
  let agent: ChildProcess | undefined

  beforeAll(() => {
    mkdirSync(prefix)
    const pack = run('pnpm', ['pack', '--pack-destination', work], packageDir)
    expect(pack.code, pack.stderr).toBe(0)
    const tarball = readdirSync(work).find(f => /^gpufleet-.*\.tgz$/.test(f))
    expect(tarball, pack.stdout).toBeDefined()
    const install = run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(work, tarball!)])
    expect(install.code, install.stderr).toBe(0)
  }, 300_000)

  afterAll(() => {
    agent?.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
  })

  it('is a standalone package: no workspace references, its own files only', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string, dependencies: Record<string, string>, devDependencies?: unknown }
    expect(JSON.stringify(manifest.dependencies)).not.toMatch(/workspace:|@gpufleet\//)
    expect(existsSync(join(installed, 'node_modules', '@gpufleet'))).toBe(false)
    expect(existsSync(join(installed, 'dist', 'dashboard', 'index.html'))).toBe(true)
    expect(existsSync(join(installed, 'configs', 'default.yaml'))).toBe(true)
    // classic-level (LevelDB) is a real dependency with its prebuilt binary for this machine.
    const prebuilds = readdirSync(join(installed, 'node_modules', 'classic-level', 'prebuilds'))
    expect(prebuilds.some(p => p.startsWith(`${process.platform}-`) && p.split(/[-+]/).includes(process.arch)), prebuilds.join(' ')).toBe(true)
  })

  it('gpufleet --version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }
    const r = gpufleet('--version')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(version)
  })

  it('gpufleet probe --json prints this machine\'s host report', () => {
    const r = gpufleet('probe', '--json')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as { schema: string, os: { platform: string } }
    expect(report.schema).toBe('gpufleet.host-report/v1')
    expect(report.os.platform).toBe(process.platform)
  })

  it('gpufleet agent answers /healthz and serves the dashboard, running with the agent\'s V8 flags', async () => {
    const node = join(work, 'node')
    const init = gpufleet('init', '--dir', node, '--name', 'installed', '--role', 'coordinator', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0')
    expect(init.code, init.stderr).toBe(0)
    const child = spawn(bin, ['agent', '--config', join(node, 'gpufleet.yaml'), '--log-level', 'warn'], { shell: windows, stdio: ['ignore', 'ignore', 'pipe'] })
    agent = child
    let stderr = ''
    const api = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString()
        const m = /API on (http:\/\/\S+)/.exec(stderr)
        if (m !== null) resolve(m[1]!)
      })
      child.on('exit', code => { reject(new Error(`agent exited (${String(code)}): ${stderr}`)) })
    })
    expect(await (await fetch(`${api}/healthz`)).json()).toEqual({ ok: true })
    const page = await fetch(`${api}/`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<title>gpufleet</title>')
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    expect((await fetch(`${api}${script!}`)).status).toBe(200)
    if (process.platform === 'linux') {
      // The launcher started node again with the flags: its child's command line carries them.
      const kids = readFileSync(`/proc/${child.pid!}/task/${child.pid!}/children`, 'utf8').trim().split(/\s+/)
      const cmdlines = kids.map(pid => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))
      expect(cmdlines.some(c => c.includes('--max-old-space-size=128') && c.includes(join(realpathSync(installed), 'dist', 'bin.js')))).toBe(true)
    }
    // SIGTERM reaches the agent through the launcher: it stops cleanly.
    const exited = new Promise<number | null>(resolve => { child.on('exit', code => { resolve(code) }) })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    agent = undefined
  }, 60_000)

  it('gpufleet service install --dry-run renders a service that runs the installed files', () => {
    const config = join(work, 'node', 'gpufleet.yaml')
    const r = gpufleet('service', 'install', '--config', config, '--dry-run')
    expect(r.code, r.stderr).toBe(0)
    const script = join(realpathSync(installed), 'dist', 'bin.js')
    expect(existsSync(script)).toBe(true)
    expect(r.stdout).toContain(script)
    if (process.platform === 'linux') {
      const execStart = /^ExecStart=(.*)$/m.exec(r.stdout)?.[1]?.split(' ') ?? []
      expect(execStart).toEqual([process.execPath, '--max-semi-space-size=1', '--max-old-space-size=128', '--single-threaded-gc', script, 'agent', '--config', config])
    }
  })
})
