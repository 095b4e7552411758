import { describe, expect, it } from 'vitest'
import { NVIDIA_QUERY_FIELDS, NVIDIA_QUERY_FIELDS_LEGACY, parseNvidiaSmiCsv } from '../src/index.js'
import { readFixture } from './helpers.js'

const MiB = 1024 * 1024

describe('parseNvidiaSmiCsv', () => {
  it('reads a laptop GPU: 16 GiB, not the 4.29 GB WMI once claimed', () => {
    const [gpu] = parseNvidiaSmiCsv(readFixture('nvidia-smi', 'laptop-3080ti', 'query.csv'), NVIDIA_QUERY_FIELDS)
    expect(gpu).toEqual({
      index: 0, uuid: 'GPU-0ab3345e-f1ef-8f0c-e82a-8cbb3a8ed0f4', name: 'NVIDIA GeForce RTX 3080 Ti Laptop GPU', pciBus: '00000000:01:00.0',
      driverVersion: '591.74', vramBytes: 16384 * MiB, vramUsedBytes: 768 * MiB, utilizationPct: 3, temperatureC: 45, powerW: 21.5, smClockMhz: 210, memClockMhz: 405, computeCapability: '8.6'
    })
  })

  it('reads a real H200 (captured on the machine, driver 580.159.04)', () => {
    const [gpu] = parseNvidiaSmiCsv(readFixture('nvidia-smi', 'h200-real', 'query.csv'), NVIDIA_QUERY_FIELDS)
    expect(gpu).toEqual({
      index: 0, uuid: 'GPU-e7898d13-9f1e-ab92-7df2-7076759821a0', name: 'NVIDIA H200', pciBus: '00000000:00:06.0',
      driverVersion: '580.159.04', vramBytes: 143771 * MiB, vramUsedBytes: 0, utilizationPct: 0, temperatureC: 42, powerW: 77.15, smClockMhz: 345, memClockMhz: 3201, computeCapability: '9.0'
    })
    const [legacy] = parseNvidiaSmiCsv(readFixture('nvidia-smi', 'h200-real', 'legacy.csv'), NVIDIA_QUERY_FIELDS_LEGACY)
    expect(legacy?.computeCapability).toBeNull()
    expect(legacy?.vramBytes).toBe(143771 * MiB)
  })

  it('reads every line of a real -lms loop under load: the readings move as the GPU works', () => {
    const rows = parseNvidiaSmiCsv(readFixture('nvidia-smi', 'h200-real', 'loop-load.csv'), NVIDIA_QUERY_FIELDS)
    expect(rows).toHaveLength(55)
    expect(new Set(rows.map(r => r.uuid))).toEqual(new Set(['GPU-e7898d13-9f1e-ab92-7df2-7076759821a0']))
    expect(Math.max(...rows.map(r => r.vramUsedBytes ?? 0))).toBe(21491 * MiB)
    expect(Math.max(...rows.map(r => r.utilizationPct ?? 0))).toBe(100)
    expect(Math.max(...rows.map(r => r.powerW ?? 0))).toBeGreaterThan(600)
    expect(Math.min(...rows.map(r => r.smClockMhz ?? Infinity))).toBe(345)
    expect(Math.max(...rows.map(r => r.smClockMhz ?? 0))).toBe(1980)
  })

  it('reads two GPUs in index order and keeps zero readings as 0', () => {
    const gpus = parseNvidiaSmiCsv(readFixture('nvidia-smi', 'dual-3060', 'query.csv'), NVIDIA_QUERY_FIELDS)
    expect(gpus.map(g => g.index)).toEqual([0, 1])
    expect(gpus[1]?.utilizationPct).toBe(0)
    expect(gpus[1]?.vramUsedBytes).toBe(5 * MiB)
    expect(gpus.map(g => [g.smClockMhz, g.memClockMhz])).toEqual([[1777, 7500], [210, 405]])
    expect(gpus.every(g => g.vramBytes === 12288 * MiB)).toBe(true)
  })

  it('turns [N/A] and [Not Supported] into null, never into 0', () => {
    const [gpu] = parseNvidiaSmiCsv(readFixture('nvidia-smi', 'na-fields', 'query.csv'), NVIDIA_QUERY_FIELDS)
    expect(gpu?.utilizationPct).toBeNull()
    expect(gpu?.temperatureC).toBeNull()
    expect(gpu?.powerW).toBeNull()
    expect(gpu?.smClockMhz).toBeNull()
    expect(gpu?.memClockMhz).toBeNull()
    expect(gpu?.vramUsedBytes).toBe(0)
  })

  it('reads the legacy field list of drivers without compute_cap', () => {
    const [gpu] = parseNvidiaSmiCsv(readFixture('nvidia-smi', 'old-driver-1080ti', 'legacy.csv'), NVIDIA_QUERY_FIELDS_LEGACY)
    expect(gpu?.name).toBe('NVIDIA GeForce GTX 1080 Ti')
    expect(gpu?.driverVersion).toBe('470.256.02')
    expect(gpu?.computeCapability).toBeNull()
  })

  it('handles CRLF line ends (Windows) and a name with a comma', () => {
    const line = '0, GPU-1, NVIDIA RTX, custom edition, 00000000:01:00.0, 591.74, 8192, 1, 2, 3, 4.5, 1500, 7000, 8.6\r\n'
    const [gpu] = parseNvidiaSmiCsv(line, NVIDIA_QUERY_FIELDS)
    expect(gpu?.name).toBe('NVIDIA RTX, custom edition')
    expect(gpu?.computeCapability).toBe('8.6')
  })

  it('rejects output that is not the CSV it asked for, with a typed error', () => {
    expect(() => parseNvidiaSmiCsv('No devices were found', NVIDIA_QUERY_FIELDS)).toThrowError(expect.objectContaining({ name: 'NvidiaSmiFailedError' }))
    expect(() => parseNvidiaSmiCsv('0, GPU-1, RTX, bus, 1, lots, 1, 1, 1, 1, 1, 1, 8.6', NVIDIA_QUERY_FIELDS)).toThrow(/memory\.total/)
  })
})
