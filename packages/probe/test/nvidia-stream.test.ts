import { afterEach, describe, expect, it } from 'vitest'
import { NVIDIA_QUERY_FIELDS, NvidiaSmiStream, parseNvidiaSmiCsv } from '../src/index.js'
import { fakeNvidiaSmi, nvidiaFixture, readFixture } from './helpers.js'

describe('nvidia-smi in loop mode (-lms): one long-lived process for live readings', () => {
  let stream: NvidiaSmiStream | null = null
  afterEach(() => {
    stream?.stop()
    stream = null
    delete process.env.FAKE_NVIDIA_SMI_LOOP
  })

  it('reads every sample of a real H200 loop under load (captured with -lms 250) from one process, and holds the last', async () => {
    process.env.FAKE_NVIDIA_SMI_FIXTURE = nvidiaFixture('h200-real')
    process.env.FAKE_NVIDIA_SMI_LOOP = 'loop-load.csv'
    const captured = parseNvidiaSmiCsv(readFixture('nvidia-smi', 'h200-real', 'loop-load.csv'), NVIDIA_QUERY_FIELDS)
    const errors: Error[] = []
    stream = new NvidiaSmiStream({ path: fakeNvidiaSmi, intervalMs: 20, onError: err => { errors.push(err) } })
    stream.start()
    await expect.poll(() => stream!.stats.lines, { timeout: 30_000 }).toBe(captured.length)
    // The GPU idled, ran a matmul (VRAM, utilization, power and clocks moved) and cooled down: the
    // latest reading is the capture's last sample, not its first.
    expect(stream.latest()).toEqual([captured.at(-1)])
    expect(captured.at(-1)).not.toEqual(captured[0])
    expect(stream.stats.starts).toBe(1)
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
