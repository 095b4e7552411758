import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { catalogRoles, computePlan, hostSlots, isOnline, modelRequirement, solveHost, type CatalogModel, type FleetConfig, type HostReport, type Plan } from '../src/index.js'
import { catalogArb, cloud, hostsArb, policy } from './planner-arbitraries.js'

const RUNS = Number(process.env.GPUFLEET_PROPERTY_RUNS ?? 150)

/** Σ over hosts and roles of weight × best quality: the planner's objective, recomputed from the plan. */
function objective (plan: Plan, models: CatalogModel[], weights: Readonly<Record<string, number>> = {}): number {
  const quality = new Map(models.map(m => [m.name, m.quality]))
  let total = 0
  for (const host of new Set(plan.routes.map(r => r.host))) {
    for (const role of catalogRoles({ models })) {
      const best = plan.assignments.filter(a => a.host === host && a.roles?.includes(role)).reduce((q, a) => Math.max(q, quality.get(a.model) ?? 0), 0)
      total += (weights[role] ?? 1) * best
    }
  }
  return total
}

/** Brute force, written independently of the planner: every model on every GPU or nowhere. */
function exhaustive (hosts: HostReport[], models: CatalogModel[], pol: FleetConfig['policy']): number {
  const roles = catalogRoles({ models })
  const need = models.map(m => modelRequirement(m, pol.fit).bytes)
  let total = 0
  for (const host of hosts.filter(isOnline)) {
    const caps = hostSlots(host, pol.exclude, pol.reserve).filter(s => s.eligible).map(s => s.capacityBytes)
    let best = 0
    const choice = new Array<number>(models.length).fill(-1)
    const walk = (i: number): void => {
      if (i === models.length) {
        const used = new Array<number>(caps.length).fill(0)
        choice.forEach((g, k) => { if (g >= 0) used[g]! += need[k]! })
        if (used.some((u, g) => u > caps[g]!)) return
        const value = roles.reduce((sum, r) => sum + (pol.roleWeights[r] ?? 1) * models.reduce((q, m, k) => (choice[k]! >= 0 && m.roles.includes(r) ? Math.max(q, m.quality) : q), 0), 0)
        best = Math.max(best, value)
        return
      }
      for (let g = -1; g < caps.length; g++) { choice[i] = g; walk(i + 1) }
    }
    walk(0)
    total += best
  }
  return total
}

describe('planner properties (random fleets and catalogs)', () => {
  it('never exceeds a GPU, never uses offline hosts or excluded GPUs, routes every online host for every role, is deterministic', () => {
    fc.assert(fc.property(hostsArb(8, 4), catalogArb(10), fc.boolean(), fc.boolean(), (hosts, models, allowPeer, allowSplit) => {
      const pol = policy({ allowPeer, allowSplit })
      const config = { models, cloud, policy: pol }
      const plan = computePlan({ hosts, config })
      const byHost = new Map(hosts.map(h => [h.hostname, h]))
      const used = new Map<string, number>()
      for (const a of plan.assignments) {
        const host = byHost.get(a.host)!
        expect(isOnline(host)).toBe(true)
        expect(a.vramBytes).toBeGreaterThanOrEqual(modelRequirement(models.find(m => m.name === a.model)!, pol.fit).bytes)
        a.gpus.forEach((g, k) => {
          expect(plan.excluded.some(e => e.host === a.host && e.gpu === g)).toBe(false)
          const key = `${a.host}/${g}`
          used.set(key, (used.get(key) ?? 0) + (a.vramBytesPerGpu?.[k] ?? a.vramBytes))
        })
        if (!allowSplit) expect(a.gpus).toHaveLength(1)
      }
      for (const [key, bytes] of used) {
        const [hostname, gpu] = key.split('/')
        const g = byHost.get(hostname!)!.gpus.find(x => x.index === Number(gpu))!
        expect(bytes).toBeLessThanOrEqual((g.vramBytes ?? 0) - (g.vramUsedBytes ?? 0) - pol.reserve)
      }
      const roles = catalogRoles(config)
      const online = hosts.filter(isOnline).map(h => h.hostname).sort()
      expect(plan.routes.map(r => `${r.host}/${r.role}`)).toEqual(online.flatMap(h => roles.map(r => `${h}/${r}`)))
      for (const r of plan.routes) {
        if (r.target.kind === 'peer') expect(allowPeer).toBe(true)
        if (r.target.kind === 'local') expect(plan.assignments.some(a => a.host === r.host && a.model === (r.target as { model: string }).model)).toBe(true)
        // A host with nothing placed locally never routes locally: CPU-only and small cards go to the cloud (or a peer).
        if (!plan.assignments.some(a => a.host === r.host)) expect(r.target.kind === 'cloud' || r.target.kind === 'peer').toBe(true)
      }
      const placed = new Set(plan.assignments.map(a => a.model))
      expect(plan.unplaced.map(u => u.model).sort()).toEqual(models.map(m => m.name).filter(n => !placed.has(n)).sort())
      expect(plan.unplaced.every(u => u.reason.length > 20)).toBe(true)
      expect(computePlan({ hosts: [...hosts].reverse(), config })).toEqual(plan)
    }), { numRuns: RUNS })
  })

  it('matches an exhaustive solver on the objective for every small case (≤ 6 hosts × 8 models)', () => {
    fc.assert(fc.property(hostsArb(6, 3), catalogArb(8), (hosts, models) => {
      const pol = policy()
      const plan = computePlan({ hosts, config: { models, cloud, policy: pol } })
      expect(objective(plan, models, pol.roleWeights)).toBeCloseTo(exhaustive(hosts, models, pol), 9)
    }), { numRuns: Math.max(30, Math.round(RUNS / 3)) })
  })

  it('stays optimal under any role weights (policy.roleWeights), as the exhaustive solver proves', () => {
    const weightsArb = fc.record({ chat: fc.integer({ min: 0, max: 5 }), code: fc.integer({ min: 0, max: 5 }), analysis: fc.double({ min: 0, max: 4, noNaN: true }), fast: fc.integer({ min: 0, max: 5 }) })
    fc.assert(fc.property(hostsArb(6, 3), catalogArb(8), weightsArb, (hosts, models, roleWeights) => {
      const pol = policy({ roleWeights })
      const plan = computePlan({ hosts, config: { models, cloud, policy: pol } })
      expect(objective(plan, models, roleWeights)).toBeCloseTo(exhaustive(hosts, models, pol), 6)
    }), { numRuns: Math.max(30, Math.round(RUNS / 3)) })
  })
})

describe('the exhaustive comparison has teeth', () => {
  it('a greedy planner (node budget 1) falls short of the exhaustive solver on some generated case', () => {
    const samples = fc.sample(fc.tuple(hostsArb(6, 3), catalogArb(8)), { numRuns: 300, seed: 42 })
    const pol = policy()
    const gaps = samples.filter(([hosts, models]) => objective(computePlan({ hosts, config: { models, cloud, policy: pol }, nodeBudget: 1 }), models) < exhaustive(hosts, models, pol) - 1e-9)
    expect(gaps.length).toBeGreaterThan(0)
  })
})

describe('hosts whose Ollama does not answer', () => {
  it('a real host without a reachable Ollama gets no local model, with the reason; a simulated one still plans', () => {
    const gpu = { index: 0, vendor: 'nvidia' as const, model: 'NVIDIA GeForce RTX 3090', vramBytes: 24 * 1024 ** 3, vramSource: 'nvidia-smi' as const, vramUsedBytes: 0 }
    const host = (simulated: boolean): HostReport => ({
      schema: 'gpufleet.host-report/v1', hostname: 'box', role: 'worker', simulated, collectedAt: '2026-11-22T10:00:00.000Z',
      os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' }, cpu: { brand: 'x', cores: 8, threads: 16 }, memory: { totalBytes: 64 * 1024 ** 3 },
      gpus: [gpu], displays: [], ollama: { reachable: false, host: 'http://127.0.0.1:11434', models: [] }
    })
    expect(hostSlots(host(false), [], 0)[0]).toMatchObject({ eligible: false, excludedReason: expect.stringContaining('Ollama is not reachable on this host at http://127.0.0.1:11434') })
    expect(hostSlots(host(true), [], 0)[0]?.eligible).toBe(true)
    const reachable = { ...host(false), ollama: { reachable: true, models: [] } }
    expect(hostSlots(reachable, [], 0)[0]?.eligible).toBe(true)
  })
})

describe('solveHost', () => {
  it('packs several models on one GPU and reports an exact search', () => {
    const candidates = [
      { name: 'big', roles: ['chat', 'code'], quality: 7, bytes: 16 },
      { name: 'chat', roles: ['chat'], quality: 6, bytes: 8 },
      { name: 'code', roles: ['code'], quality: 6, bytes: 8 }
    ]
    const one = solveHost([16], candidates, ['chat', 'code'])
    expect(one.value).toBe(14)
    expect(one.placements.map(p => candidates[p.candidate]!.name)).toEqual(['big'])
    const two = solveHost([8, 8], candidates, ['chat', 'code'])
    expect(two.value).toBe(12)
    expect(two.placements.map(p => [candidates[p.candidate]!.name, p.slots]).sort()).toEqual([['chat', [0]], ['code', [1]]])
    expect(solveHost([15], candidates, ['chat', 'code']).value).toBe(6)
    expect(two.exact).toBe(true)
  })

  it('splits a model over two GPUs only when allowed, charging the runtime on each', () => {
    const candidates = [{ name: 'm', roles: ['chat'], quality: 5, bytes: 20 }]
    expect(solveHost([12, 12], candidates, ['chat']).placements).toEqual([])
    const split = solveHost([12, 12], candidates, ['chat'], { allowSplit: true, splitOverheadBytes: 1 })
    expect(split.placements[0]?.slots).toEqual([0, 1])
    expect(split.placements[0]?.bytesPerSlot.reduce((a, b) => a + b, 0)).toBe(21)
    expect(split.placements[0]?.bytesPerSlot.every(b => b <= 12)).toBe(true)
  })

  it('returns the best plan found when the node budget runs out', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `m${String(i).padStart(2, '0')}`, roles: [`r${i % 6}`], quality: 1 + (i % 7), bytes: 3 + (i % 5) }))
    const solution = solveHost([10, 10, 10], many, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'], { nodeBudget: 50 })
    expect(solution.exact).toBe(false)
    expect(solution.value).toBeGreaterThan(0)
  })
})

describe('role weights and unplaced reasons', () => {
  const gpuHost = (hostname: string, gib: number): HostReport => ({
    schema: 'gpufleet.host-report/v1', hostname, role: 'worker', simulated: true, collectedAt: '2026-11-22T10:00:00.000Z',
    os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' }, cpu: { brand: 'x', cores: 8, threads: 16 }, memory: { totalBytes: 64 * 1024 ** 3 },
    gpus: [{ index: 0, vendor: 'nvidia', model: 'NVIDIA GeForce RTX 3090', vramBytes: gib * 1024 ** 3, vramSource: 'simulated', vramUsedBytes: 0 }],
    displays: [], ollama: { reachable: false, models: [] }
  })
  const model = (name: string, roles: string[], quality: number, gib: number): CatalogModel => ({ name, params: 7e9, quantization: 'Q4_K_M', contextLength: 8192, roles, quality, vram: { min: gib * 1024 ** 3, recommended: gib * 1024 ** 3 } } as CatalogModel)
  // 12 GiB usable: either the coder (code) or the two small generalists (chat + fast), not both.
  const models = [model('coder', ['code'], 8, 10), model('chatty', ['chat'], 5, 5), model('quick', ['fast'], 4, 5)]
  const hosts = [gpuHost('box', 14)]

  it('gives a coding team\'s code role its best model that fits when code weighs more', () => {
    const even = computePlan({ hosts, config: { models, cloud, policy: policy({ roleWeights: {} }) } })
    expect(even.assignments.map(a => a.model).sort()).toEqual(['chatty', 'quick'])
    const coding = computePlan({ hosts, config: { models, cloud, policy: policy({ roleWeights: { code: 3 } }) } })
    expect(coding.assignments.map(a => a.model)).toEqual(['coder'])
  })

  it('says which model serves each role of an unplaced model on each host that could hold it, and what took the VRAM', () => {
    const plan = computePlan({ hosts, config: { models, cloud, policy: policy({ roleWeights: { code: 3 } }) } })
    const chatty = plan.unplaced.find(u => u.model === 'chatty')!
    expect(chatty.detail).toEqual({ code: 'not-chosen', params: { needBytes: 5 * 1024 ** 3, quality: 5, roleWeights: { chat: 1 }, hosts: [{ host: 'box', roles: [{ role: 'chat', model: null, quality: null }], vramTakenBy: ['coder'] }], otherHosts: 0 } })
    expect(chatty.reason).toBe('fits on box but was not chosen (quality 5; role weights: chat ×1) — box: chat unserved; VRAM taken by coder')
    const even = computePlan({ hosts, config: { models, cloud, policy: policy({ roleWeights: {} }) } })
    expect(even.unplaced.find(u => u.model === 'coder')!.reason).toBe('fits on box but was not chosen (quality 8; role weights: code ×1) — box: code unserved; VRAM taken by chatty, quick')
  })

  it('lists at most three hosts in a not-chosen reason and counts the others, so the plan stays small on a large fleet', () => {
    const fleet = Array.from({ length: 20 }, (_, i) => gpuHost(`box-${String(i).padStart(2, '0')}`, 14))
    const plan = computePlan({ hosts: fleet, config: { models, cloud, policy: policy({ roleWeights: { code: 3 } }) } })
    const chatty = plan.unplaced.find(u => u.model === 'chatty')!
    expect(chatty.detail?.code === 'not-chosen' && chatty.detail.params.hosts.map(h => h.host)).toEqual(['box-00', 'box-01', 'box-02'])
    expect(chatty.detail?.code === 'not-chosen' && chatty.detail.params.otherHosts).toBe(17)
    expect(chatty.reason).toMatch(/^fits on box-00, box-01, box-02, 17 other hosts but was not chosen/)
    expect(JSON.stringify(plan.unplaced).length).toBeLessThan(4096)
  })
})
