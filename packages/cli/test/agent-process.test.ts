import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { installFatalHandlers, type FatalProcess } from '../src/fatal-handlers.js'
import { Fleet } from '../../../test/cluster/harness.js'
import { runBin } from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'gpufleet-agent-process-'))

describe('bad input to init and agent: one line, exit 2, nothing made', () => {
  it('init --psk naming a file that does not exist', async () => {
    const dir = join(tmp, 'worker')
    const missing = join(tmp, 'no-such-swarm.key')
    const run = await runBin(['init', '--dir', dir, '--name', 'po', '--role', 'worker', '--psk', missing])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(`gpufleet: --psk: no such file "${missing}" (copy swarm.key from the coordinator's node folder)\n`)
    expect(existsSync(missing)).toBe(false)
    expect(existsSync(dir)).toBe(false)
  })

  it.each([
    [['--log-level', 'loud'], {}, 'gpufleet: --log-level: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"\n'],
    [[], { GPUFLEET_LOG_LEVEL: 'chatty' }, 'gpufleet: GPUFLEET_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "chatty"\n']
  ])('agent %j with %j', async (args, env, line) => {
    const home = join(tmp, `home-${Object.keys(env).length}`)
    const run = await runBin(['agent', ...args], { ...env, GPUFLEET_HOME: home })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(line)
    // Checked before anything starts: not even the embedded default's folder was created.
    expect(existsSync(home)).toBe(false)
  })
})

describe('a failure nobody handled inside the running agent', () => {
  let fleet: Fleet | undefined
  afterEach(async () => { await fleet?.destroy(); fleet = undefined })

  it.each(['rejection', 'exception'])('an unhandled %s is logged as fatal with its origin, and the agent exits 1 for its service manager', async kind => {
    fleet = await Fleet.create([{ name: 'myia-ai-01', role: 'coordinator', priority: 100 }])
    fleet.env = { NODE_OPTIONS: `--import=${join(import.meta.dirname, 'fixtures/inject-failure.mjs')}`, GPUFLEET_INJECT: kind }
    const node = fleet.nodes[0]!
    fleet.start(node)
    await fleet.waitFor([node], s => s.self.isLeader, 'the agent leading')
    const proc = node.proc!
    const exited = new Promise<number | null>(resolve => proc.once('exit', code => { resolve(code) }))
    proc.kill('SIGUSR2')
    expect(await exited).toBe(1)
    node.proc = null
    const fatal = node.log.map(l => { try { return JSON.parse(l) as { level?: number, origin?: string, err?: { message?: string } } } catch { return {} } }).filter(r => r.level === 60)
    expect(fatal).toHaveLength(1)
    expect(fatal[0]).toMatchObject({ origin: kind === 'rejection' ? 'unhandledRejection' : 'uncaughtException', err: { message: expect.stringMatching(/^injected by the test/) } })
  }, 40_000)
})

describe('installFatalHandlers', () => {
  it('logs the first failure with its stack and exits 1 once, however many follow', () => {
    const lines: string[] = []
    const log = pino({ level: 'info' }, new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } }))
    const listeners = new Map<string, (err: unknown) => void>()
    const exits: number[] = []
    const proc: FatalProcess = { on: (event, listener) => { listeners.set(event, listener) }, exit: code => { exits.push(code) } }
    installFatalHandlers(log, proc)
    listeners.get('unhandledRejection')!('a string, not an Error')
    listeners.get('uncaughtException')!(new Error('second'))
    expect(exits).toEqual([1])
    expect(lines).toHaveLength(1)
    const record = JSON.parse(lines[0]!) as { level: number, origin: string, err: { message: string, stack: string } }
    expect(record).toMatchObject({ level: 60, origin: 'unhandledRejection', err: { message: 'a string, not an Error' } })
    expect(record.err.stack).toContain('Error: a string, not an Error')
  })
})
