import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostReportSchema } from '@gpufleet/core'
import { execFileAsync, locateNvidiaSmi, probeHostDetailed, queryNvidiaSmi, type ExecFn } from '../src/index.js'
import { fakeNvidiaSmi, nvidiaFixture } from './helpers.js'

const GiB = 1024 ** 3
/** The real spawn path, with the fake nvidia-smi told which fixture to answer from. */
const execWithFixture = (fixture: string): ExecFn => async (file, args, options) => {
  process.env.FAKE_NVIDIA_SMI_FIXTURE = nvidiaFixture(fixture)
  return await execFileAsync(file, args, options)
}

describe('nvidia-smi through a real process', () => {
  it('queries every contract field in csv,noheader,nounits', async () => {
    const calls: string[][] = []
    const exec: ExecFn = async (file, args, options) => { calls.push([...args]); return await execWithFixture('dual-3060')(file, args, options) }
    const result = await queryNvidiaSmi(fakeNvidiaSmi, { exec })
    expect(calls).toEqual([['--query-gpu=index,uuid,name,pci.bus_id,driver_version,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw,clocks.sm,clocks.mem,compute_cap', '--format=csv,noheader,nounits']])
    expect(result.rows).toHaveLength(2)
    expect(result.computeCapQueried).toBe(true)
  })

  it('reads the SM and memory clocks into the host report; the stand-in refuses a query its captured output does not answer', async () => {
    const { report } = await probeHostDetailed({ nvidiaSmiPath: fakeNvidiaSmi, exec: execWithFixture('ai-01-3090-5060ti'), ollamaHost: 'http://127.0.0.1:9', ollamaTimeoutMs: 200 })
    expect(report.gpus.map(g => [g.smClockMhz, g.memClockMhz])).toEqual([[180, 405], [210, 405]])
    const short = await execWithFixture('dual-3060')(fakeNvidiaSmi, ['--query-gpu=index,uuid,name,pci.bus_id,driver_version,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw,compute_cap', '--format=csv,noheader,nounits'], { timeoutMs: 10_000 })
    expect(short.exitCode).toBe(3)
    expect(short.stderr).toMatch(/fixture has 13 columns, query asks 11/)
  })

  it('retries without compute_cap on an old driver and fills it from the GPU table', async () => {
    const result = await probeHostDetailed({ nvidiaSmiPath: fakeNvidiaSmi, exec: execWithFixture('old-driver-1080ti'), ollamaHost: 'http://127.0.0.1:9', ollamaTimeoutMs: 200 })
    const [gpu] = result.report.gpus
    expect(gpu).toMatchObject({ model: 'NVIDIA GeForce GTX 1080 Ti', computeCapability: '6.1', computeCapabilitySource: 'gpu-table', vramBytes: 11 * GiB, driverVersion: '470.256.02' })
  })

  it('reports a dual-GPU box with the excluded-to-be RTX 5060 Ti at compute capability 12.0', async () => {
    const { report } = await probeHostDetailed({ nvidiaSmiPath: fakeNvidiaSmi, exec: execWithFixture('ai-01-3090-5060ti'), role: 'coordinator', hostname: 'myia-ai-01', ollamaHost: 'http://127.0.0.1:9', ollamaTimeoutMs: 200 })
    expect(hostReportSchema.safeParse(report).success).toBe(true)
    expect(report.role).toBe('coordinator')
    expect(report.gpus.map(g => [g.index, g.model, g.computeCapability, g.vramSource])).toEqual([
      [0, 'NVIDIA GeForce RTX 5060 Ti', '12.0', 'nvidia-smi'],
      [1, 'NVIDIA GeForce RTX 3090', '8.6', 'nvidia-smi']
    ])
    expect(report.gpus[1]).toMatchObject({ vramBytes: 24 * GiB, temperatureC: 34, powerW: 29.87, utilizationPct: 0, memoryBandwidthGBs: 936 })
  })

  it('keeps [N/A] readings null in the report', async () => {
    const { report } = await probeHostDetailed({ nvidiaSmiPath: fakeNvidiaSmi, exec: execWithFixture('na-fields'), ollamaHost: 'http://127.0.0.1:9', ollamaTimeoutMs: 200 })
    expect(report.gpus[0]).toMatchObject({ temperatureC: null, powerW: null, utilizationPct: null, vramUsedBytes: 0, vramBytes: 4 * GiB })
  })

  it('turns a driver that is not loaded into a warning, not a crash', async () => {
    const { report } = await probeHostDetailed({ nvidiaSmiPath: fakeNvidiaSmi, exec: execWithFixture('driver-not-loaded'), ollamaHost: 'http://127.0.0.1:9', ollamaTimeoutMs: 200 })
    expect(report.gpus.filter(g => g.vendor === 'nvidia')).toEqual([])
    expect(report.warnings?.some(w => /exited with code 9: NVIDIA-SMI has failed/.test(w))).toBe(true)
  })
})

describe('locateNvidiaSmi', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-locate-'))
  const onPath = join(dir, 'nvidia-smi')
  writeFileSync(onPath, '#!/bin/sh\n')
  chmodSync(onPath, 0o755)
  const notExecutable = join(dir, 'plain-file')
  writeFileSync(notExecutable, '')

  it('follows the contract order: flag, env, PATH', () => {
    expect(locateNvidiaSmi({ explicitPath: fakeNvidiaSmi, env: { GPUFLEET_NVIDIA_SMI: onPath, PATH: dir }, platform: 'linux' })).toEqual({ path: fakeNvidiaSmi, via: 'flag' })
    expect(locateNvidiaSmi({ env: { GPUFLEET_NVIDIA_SMI: fakeNvidiaSmi, PATH: dir }, platform: 'linux' })).toEqual({ path: fakeNvidiaSmi, via: 'env' })
    expect(locateNvidiaSmi({ env: { PATH: `/nonexistent:${dir}` }, platform: 'linux' })).toEqual({ path: onPath, via: 'path' })
    expect(locateNvidiaSmi({ env: { PATH: '/nonexistent' }, platform: 'linux' })).toBeNull()
  })

  it('refuses a flag or env path that is missing or not executable, as invalid input', () => {
    expect(() => locateNvidiaSmi({ explicitPath: join(dir, 'missing'), env: {} })).toThrowError(expect.objectContaining({ name: 'NvidiaSmiPathError', exitCode: 2 }))
    expect(() => locateNvidiaSmi({ env: { GPUFLEET_NVIDIA_SMI: notExecutable } })).toThrow(/GPUFLEET_NVIDIA_SMI: .*not executable/)
  })
})
