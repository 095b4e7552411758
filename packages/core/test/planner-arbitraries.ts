import fc from 'fast-check'
import { HOST_REPORT_SCHEMA, type CatalogModel, type FleetConfig, type GpuReport, type HostReport } from '../src/index.js'

const GiB = 1024 ** 3
export const ROLES = ['chat', 'code', 'analysis', 'fast'] as const

const gpuArb = fc.record({
  vramGiB: fc.constantFrom(4, 6, 8, 12, 16, 24, 48, 80),
  usedGiB: fc.constantFrom(0, 0, 0.5, 1, 3),
  cc: fc.constantFrom('6.1', '7.5', '8.6', '8.9', '12.0', null),
  vendor: fc.constantFrom('nvidia', 'nvidia', 'nvidia', 'amd', 'apple'),
  vramKnown: fc.integer({ min: 0, max: 9 }).map(n => n > 0)
})

/** A fleet of hosts: CPU-only, small cards, excluded cc 12.0, several GPUs, offline ones. */
export function hostsArb (maxHosts: number, maxGpus: number): fc.Arbitrary<HostReport[]> {
  return fc.array(fc.record({ gpus: fc.array(gpuArb, { maxLength: maxGpus }), online: fc.boolean(), role: fc.constantFrom('coordinator', 'worker') }), { minLength: 1, maxLength: maxHosts })
    .map(list => list.map((h, i) => ({
      schema: HOST_REPORT_SCHEMA,
      hostname: `host-${String(i).padStart(2, '0')}`,
      role: h.role as HostReport['role'],
      simulated: true,
      collectedAt: '2026-11-22T10:00:00.000Z',
      os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
      cpu: { brand: 'CPU', cores: 8, threads: 16 },
      memory: { totalBytes: 32 * GiB },
      gpus: h.gpus.map((g, k): GpuReport => ({
        index: k, vendor: g.vendor as GpuReport['vendor'], model: `GPU ${g.vramGiB}G`, vramBytes: g.vramKnown ? g.vramGiB * GiB : null, vramSource: 'simulated',
        vramUsedBytes: Math.round(g.usedGiB * GiB), computeCapability: g.vendor === 'nvidia' ? g.cc : null, memoryBandwidthGBs: 500
      })),
      displays: [],
      ollama: { reachable: false, models: [] },
      online: h.online || i === 0
    })))
}

export function catalogArb (maxModels: number): fc.Arbitrary<CatalogModel[]> {
  return fc.array(fc.record({
    params: fc.constantFrom(1.5e9, 4e9, 7e9, 8e9, 13e9, 32e9, 70e9),
    quantization: fc.constantFrom('Q4_K_M', 'Q4_0', 'Q8_0', 'F16'),
    roles: fc.subarray([...ROLES], { minLength: 1 }),
    quality: fc.integer({ min: 1, max: 10 }),
    vramGiB: fc.option(fc.constantFrom(3, 5, 9, 14, 20, 30), { nil: undefined })
  }), { minLength: 1, maxLength: maxModels }).map(list => list.map((m, i): CatalogModel => ({
    name: `model-${String(i).padStart(2, '0')}`,
    params: m.params,
    quantization: m.quantization,
    contextLength: 4096,
    roles: m.roles,
    quality: m.quality,
    kvType: 'f16',
    ...(m.vramGiB === undefined ? {} : { vram: { min: Math.round(m.vramGiB * 0.7 * GiB), recommended: m.vramGiB * GiB } })
  })))
}

export function policy (overrides: Partial<FleetConfig['policy']> = {}): FleetConfig['policy'] {
  return {
    reserve: 1 * GiB, fit: 'recommended', allowPeer: false, allowSplit: false, ramBandwidthGBs: 50, prune: false, roleWeights: {},
    exclude: [{ match: { computeCapability: '>=12.0' }, reason: 'no sm_120 kernels' }],
    ...overrides
  }
}

export const cloud: FleetConfig['cloud'] = [{ name: 'zai', baseUrl: 'https://api.z.ai/api/paas/v4', apiKeyEnv: 'ZAI_API_KEY', api: 'openai', models: { chat: 'glm-4.7', code: 'glm-4.7', analysis: 'glm-4.7', fast: 'glm-4.5-air' } }]
