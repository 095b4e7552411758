import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '@gpufleet/core'
import { runBin } from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'gpufleet-init-pin-'))
afterAll(() => { rmSync(tmp, { recursive: true, force: true }) })

describe('gpufleet init, for pinned coordinators', () => {
  it('prints, for a coordinator, the cluster.coordinators line to paste; the pasted line loads as config', async () => {
    const run = await runBin(['init', '--dir', join(tmp, 'c'), '--name', 'myia-ai-01', '--role', 'coordinator', '--listen', '/ip4/127.0.0.1/tcp/7701'], {}, 60_000)
    expect(run.code, run.stderr).toBe(0)
    const peerId = /^peer id {2}(\S+)$/m.exec(run.stdout)?.[1]
    const lines = run.stdout.split('\n')
    const at = lines.indexOf('pin this coordinator in the shared config (cluster.coordinators):')
    expect(lines[at + 1]).toBe(`    - ${peerId ?? '?'}   # myia-ai-01`)
    const shared = `cluster:\n  coordinators:\n${lines[at + 1]!}\n`
    expect(loadConfig([{ path: 'shared.yaml', text: shared }]).cluster.coordinators).toEqual([peerId])
  }, 70_000)

  it('prints no such line for a worker', async () => {
    const run = await runBin(['init', '--dir', join(tmp, 'w'), '--name', 'myia-web1', '--role', 'worker'], {}, 60_000)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).not.toContain('cluster.coordinators')
  }, 70_000)
})
