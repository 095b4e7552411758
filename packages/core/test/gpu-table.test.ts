import { describe, expect, it } from 'vitest'
import { GPU_TABLE, GiB, matchGpu } from '../src/index.js'

describe('matchGpu', () => {
  it.each([
    ['NVIDIA GeForce RTX 3090', 'RTX 3090', 936, '8.6'],
    ['RTX 3090', 'RTX 3090', 936, '8.6'],
    ['rtx3090', 'RTX 3090', 936, '8.6'],
    ['NVIDIA L40S', 'L40S', 864, '8.9'],
    ['NVIDIA A10G', 'A10G', 600, '8.6'],
    ['Tesla P4', 'Tesla P4', 192, '6.1'],
    ['NVIDIA GH200 480GB', 'GH200', 4000, '9.0'],
    ['NVIDIA GeForce RTX 3080 Ti Laptop GPU', 'RTX 3080 Ti Laptop', 512, '8.6'],
    ['NVIDIA GeForce RTX 3080 Ti', 'RTX 3080 Ti', 912, '8.6'],
    ['NVIDIA GeForce RTX 5060 Ti', 'RTX 5060 Ti', 448, '12.0'],
    ['NVIDIA GeForce RTX 4070 Ti SUPER', 'RTX 4070 Ti Super', 672, '8.9'],
    ['NVIDIA GeForce GTX 1060 with Max-Q Design', 'GTX 1060 Laptop', 192, '6.1'],
    ['GeForce GTX 1080 Ti', 'GTX 1080 Ti', 484, '6.1'],
    ['NVIDIA H100 80GB HBM3', 'H100', 3350, '9.0'],
    ['NVIDIA H100 PCIe', 'H100 PCIe', 2000, '9.0'],
    ['NVIDIA A100-SXM4-80GB', 'A100 80GB', 2039, '8.0'],
    ['NVIDIA A100-PCIE-40GB', 'A100', 1555, '8.0'],
    ['Tesla T4', 'Tesla T4', 320, '7.5'],
    ['NVIDIA L4', 'L4', 300, '8.9'],
    ['AMD Radeon RX 6600', 'RX 6600', 224, null],
    ['AMD Radeon RX 7900 XTX', 'RX 7900 XTX', 960, null],
    ['Apple M1', 'M1', 68, null],
    ['Apple M2 Pro', 'M2 Pro', 200, null],
    ['Apple M4 Max', 'M4 Max', 546, null]
  ])('%s → %s', (name, expected, bandwidth, cc) => {
    const spec = matchGpu(name)
    expect(spec?.name).toBe(expected)
    expect(spec?.bandwidthGBs).toBe(bandwidth)
    expect(spec?.computeCapability).toBe(cc)
  })

  it('uses the reported VRAM to tell memory sizes of one model apart', () => {
    expect(matchGpu('NVIDIA GeForce RTX 3060', 12 * GiB)?.bandwidthGBs).toBe(360)
    expect(matchGpu('NVIDIA GeForce RTX 3060', 8 * GiB)?.bandwidthGBs).toBe(240)
    expect(matchGpu('NVIDIA GeForce RTX 4060 Ti', 16 * GiB)?.vramGiB).toBe(16)
  })

  it('does not match unknown cards or bare vendor names', () => {
    expect(matchGpu('Matrox G200eR2')).toBeUndefined()
    expect(matchGpu('NVIDIA GeForce')).toBeUndefined()
    expect(matchGpu('')).toBeUndefined()
  })

  it('finds every table entry from its own name, with and without a vendor prefix', () => {
    const prefix = { nvidia: 'NVIDIA GeForce ', amd: 'AMD Radeon ', intel: 'Intel ', apple: 'Apple ', other: '' } as const
    for (const spec of GPU_TABLE) {
      const vram = spec.vramGiB === null ? null : spec.vramGiB * GiB
      expect(matchGpu(spec.name, vram), spec.name).toBe(spec)
      expect(matchGpu(prefix[spec.vendor] + spec.name, vram), spec.name).toBe(spec)
    }
  })

  it('covers the families the fleet meets', () => {
    const names = new Set(GPU_TABLE.map(g => g.name))
    for (const n of ['GTX 1050', 'GTX 1080 Ti', 'RTX 2080 Ti', 'RTX 3060', 'RTX 3090', 'RTX 4090', 'RTX 5090', 'RTX 3080 Ti Laptop',
      'RTX 4090 Laptop', 'RX 6600', 'RX 7900 XTX', 'M1', 'M4 Max', 'A100', 'H100', 'L4', 'Tesla T4']) {
      expect(names.has(n), n).toBe(true)
    }
    for (const g of GPU_TABLE) {
      expect(g.bandwidthGBs).toBeGreaterThan(0)
      if (g.vendor === 'nvidia') expect(g.computeCapability).toMatch(/^\d+\.\d$/)
    }
  })
})
