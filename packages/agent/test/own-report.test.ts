import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OwnReport } from '../src/own-report.js'

const probeFixtures = join(import.meta.dirname, '../../probe/test/fixtures')

describe('own report: live readings from one long-lived nvidia-smi', () => {
  let own: OwnReport | null = null
  afterEach(() => { own?.stop(); own = null })

  it('the full probe runs once; then readings come from nvidia-smi in loop mode and follow the GPU', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpufleet-own-report-'))
    cpSync(join(probeFixtures, 'nvidia-smi', 'dual-3060'), dir, { recursive: true })
    process.env.FAKE_NVIDIA_SMI_FIXTURE = dir
    own = new OwnReport({ hostname: 'h', role: 'worker', nvidiaSmiPath: join(probeFixtures, 'bin', 'nvidia-smi'), ollamaHost: 'http://127.0.0.1:9', liveEveryMs: 50 })
    const first = await own.current(1000)
    expect(first.gpus.filter(g => g.vendor === 'nvidia').map(g => g.temperatureC)).toEqual([52, 38])
    const lines = readFileSync(join(dir, 'query.csv'), 'utf8').split('\n')
    const cells = lines[1]!.split(',')
    cells[8] = ' 77'
    lines[1] = cells.join(',')
    writeFileSync(join(dir, 'query.csv'), lines.join('\n'))
    await expect.poll(async () => (await own!.current(2000)).gpus.find(g => g.index === 1)?.temperatureC, { timeout: 30_000 }).toBe(77)
    const later = await own.current(3000)
    expect(later.collectedAt).toBe(new Date(3000).toISOString())
    expect(later.gpus.find(g => g.index === 0)?.temperatureC).toBe(52)
  })
})
