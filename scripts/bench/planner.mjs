// Planner time for fleets of increasing size, on seeded random fleets (same every run).
import { computePlan } from '../../packages/core/dist/index.js'
import { median, ms, quantile, time } from './stats.mjs'

const GiB = 1024 ** 3
const ROLES = ['chat', 'code', 'analysis', 'fast', 'embed', 'vision']

/** Park–Miller: a tiny deterministic generator, so the fleets are identical on every machine. */
function rng (seed) {
  let s = seed
  return () => { s = (s * 48271) % 2147483647; return s / 2147483647 }
}

export function randomFleet (hostCount, modelCount, seed = 7) {
  const r = rng(seed)
  const pick = list => list[Math.floor(r() * list.length)]
  const hosts = Array.from({ length: hostCount }, (_, i) => ({
    schema: 'gpufleet.host-report/v1', hostname: `host-${String(i).padStart(4, '0')}`, role: i === 0 ? 'coordinator' : 'worker', simulated: true,
    collectedAt: '2026-11-22T10:00:00.000Z', os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
    cpu: { brand: 'CPU', cores: 8, threads: 16 }, memory: { totalBytes: 32 * GiB },
    gpus: Array.from({ length: pick([0, 1, 1, 1, 2, 2, 4]) }, (_, k) => ({
      index: k, vendor: 'nvidia', model: 'GPU', vramBytes: pick([4, 8, 12, 16, 24, 48]) * GiB, vramSource: 'simulated',
      vramUsedBytes: Math.round(r() * 2 * GiB), computeCapability: pick(['7.5', '8.6', '8.9', '12.0']), memoryBandwidthGBs: pick([360, 448, 936, 1008])
    })),
    displays: [], ollama: { reachable: false, models: [] }, online: r() > 0.1
  }))
  const models = Array.from({ length: modelCount }, (_, i) => ({
    name: `model-${String(i).padStart(3, '0')}`, params: pick([1.5e9, 4e9, 7e9, 8e9, 14e9, 32e9, 70e9]), quantization: pick(['Q4_K_M', 'Q4_0', 'Q8_0', 'Q6_K']),
    contextLength: pick([4096, 8192]), roles: ROLES.filter(() => r() < 0.3).concat(ROLES[i % ROLES.length]).filter((x, k, a) => a.indexOf(x) === k),
    quality: 1 + Math.floor(r() * 10), kvType: 'f16'
  }))
  const policy = { reserve: 2 * GiB, fit: 'recommended', allowPeer: true, allowSplit: false, ramBandwidthGBs: 50, prune: false, exclude: [{ match: { computeCapability: '>=12.0' }, reason: 'no sm_120 kernels' }] }
  const cloud = [{ name: 'zai', baseUrl: 'https://api.z.ai/api/paas/v4', apiKeyEnv: 'ZAI_API_KEY', models: Object.fromEntries(ROLES.map(x => [x, 'glm-4.7'])) }]
  return { hosts, config: { models, cloud, policy } }
}

export async function benchPlanner () {
  const cases = [[5, 10, 200], [100, 50, 50], [1000, 100, 10]]
  const rows = []
  let goal = true
  for (const [hosts, models, runs] of cases) {
    const input = randomFleet(hosts, models)
    computePlan(input)
    const times = []
    let plan
    for (let i = 0; i < runs; i++) { const [t, p] = await time(async () => computePlan(input)); times.push(t); plan = p }
    if (hosts === 100) goal = median(times) <= 10
    rows.push(`| ${hosts} × ${models} | ${runs} | ${ms(median(times))} | ${ms(quantile(times, 0.95))} | ${plan.assignments.length} | ${plan.routes.length} |`)
  }
  return {
    name: 'planner',
    ok: goal,
    summary: rows.map(r => r.split('|').slice(1, 4).map(s => s.trim()).join(' ')).join('; ') + ' (goal: 100 × 50 ≤ 10 ms median)',
    markdown: [
      '## Planner',
      '',
      'Seeded random fleets (0–4 GPUs per host, 10 % offline, compute capability 12.0 excluded, peers allowed).',
      '',
      '| hosts × models | runs | median | p95 | assignments | routes |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      `Goal: 100 × 50 in ≤ 10 ms (median): **${goal ? 'met' : 'missed'}**.`
    ].join('\n')
  }
}
