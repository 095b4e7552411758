import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NvidiaSmiStream } from '../src/index.js'
import { fakeNvidiaSmi, nvidiaFixture } from './helpers.js'

/** A copy of a captured fixture the test may rewrite while the fake nvidia-smi loops over it. */
function fixtureCopy (name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-smi-stream-'))
  cpSync(nvidiaFixture(name), dir, { recursive: true })
  return dir
}

describe('nvidia-smi in loop mode (-lms): one long-lived process for live readings', () => {
  let stream: NvidiaSmiStream | null = null
  afterEach(() => { stream?.stop(); stream = null })

  it('reads every GPU from the captured-format lines, and follows the changes of later samples', async () => {
    const dir = fixtureCopy('dual-3060')
    process.env.FAKE_NVIDIA_SMI_FIXTURE = dir
    const errors: Error[] = []
    stream = new NvidiaSmiStream({ path: fakeNvidiaSmi, intervalMs: 50, onError: err => { errors.push(err) } })
    stream.start()
    await expect.poll(() => stream!.latest().length, { timeout: 15_000 }).toBe(2)
    const first = stream.latest()
    expect(first.map(r => r.index)).toEqual([0, 1])
    expect(first[0]!.name).toMatch(/3060/)
    // The GPU's utilization changes: the next sample says so, from the same process.
    const csv = readFileSync(join(dir, 'query.csv'), 'utf8').split('\n')
    const cells = csv[0]!.split(',')
    cells[7] = ' 97'
    csv[0] = cells.join(',')
    writeFileSync(join(dir, 'query.csv'), csv.join('\n'))
    await expect.poll(() => stream!.latest()[0]?.utilizationPct, { timeout: 15_000 }).toBe(97)
    expect(stream.stats.starts).toBe(1)
    expect(stream.stats.lines).toBeGreaterThan(2)
    expect(errors).toEqual([])
  })

  it('a nvidia-smi that exits (driver not loaded) is reported and started again after the delay', async () => {
    process.env.FAKE_NVIDIA_SMI_FIXTURE = nvidiaFixture('driver-not-loaded')
    const errors: Error[] = []
    stream = new NvidiaSmiStream({ path: fakeNvidiaSmi, intervalMs: 50, restartMs: 20, onError: err => { errors.push(err) } })
    stream.start()
    await expect.poll(() => stream!.stats.starts, { timeout: 15_000 }).toBeGreaterThanOrEqual(2)
    expect(errors.some(e => /exited with code 9/.test(e.message))).toBe(true)
    expect(stream.latest()).toEqual([])
  })
})
