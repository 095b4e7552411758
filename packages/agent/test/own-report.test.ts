import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NVIDIA_QUERY_FIELDS, parseNvidiaSmiCsv } from '@gpufleet/probe'
import { OwnReport } from '../src/own-report.js'

const probeFixtures = join(import.meta.dirname, '../../probe/test/fixtures')
const h200 = join(probeFixtures, 'nvidia-smi', 'h200-real')

describe('own report: live readings from one long-lived nvidia-smi', () => {
  let own: OwnReport | null = null
  afterEach(() => {
    own?.stop()
    own = null
    delete process.env.FAKE_NVIDIA_SMI_LOOP
  })

  it('the full probe runs once; then readings come from nvidia-smi in loop mode and follow the GPU (a real H200 under load)', { timeout: 60_000 }, async () => {
    process.env.FAKE_NVIDIA_SMI_FIXTURE = h200
    process.env.FAKE_NVIDIA_SMI_LOOP = 'loop-load.csv'
    const [oneShot] = parseNvidiaSmiCsv(readFileSync(join(h200, 'query.csv'), 'utf8'), NVIDIA_QUERY_FIELDS)
    const last = parseNvidiaSmiCsv(readFileSync(join(h200, 'loop-load.csv'), 'utf8'), NVIDIA_QUERY_FIELDS).at(-1)!
    own = new OwnReport({ hostname: 'h', role: 'worker', nvidiaSmiPath: join(probeFixtures, 'bin', 'nvidia-smi'), ollamaHost: 'http://127.0.0.1:9', liveEveryMs: 20 })
    const first = await own.current(1000)
    expect(first.gpus.filter(g => g.vendor === 'nvidia').map(g => [g.temperatureC, g.powerW, g.smClockMhz])).toEqual([[oneShot!.temperatureC, oneShot!.powerW, oneShot!.smClockMhz]])
    const live = (g: { vramUsedBytes?: number | null, utilizationPct?: number | null, temperatureC?: number | null, powerW?: number | null, smClockMhz?: number | null, memClockMhz?: number | null } | undefined) =>
      g === undefined ? null : [g.vramUsedBytes, g.utilizationPct, g.temperatureC, g.powerW, g.smClockMhz, g.memClockMhz]
    // The loop's samples replace the one-shot readings until the capture's last one.
    await expect.poll(async () => live((await own!.current(2000)).gpus[0]), { timeout: 30_000 }).toEqual(live(last))
    const later = await own.current(3000)
    expect(later.collectedAt).toBe(new Date(3000).toISOString())
    // What the loop does not read stays the full probe's.
    expect(later.gpus[0]).toMatchObject({ model: first.gpus[0]!.model, vramBytes: first.gpus[0]!.vramBytes, pciBus: first.gpus[0]!.pciBus })
  })
})
