import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, mergeConfigs } from '../src/index.js'

const root = join(import.meta.dirname, '../../..')
const shipped = { path: 'configs/default.yaml', text: readFileSync(join(root, 'configs/default.yaml'), 'utf8') }
const src = (path: string, text: string): { path: string, text: string } => ({ path, text })

describe('config loading', () => {
  it('reads the shipped defaults with units converted', () => {
    const config = loadConfig([shipped])
    expect(config.cluster.heartbeat).toBe(1000)
    expect(config.cluster.leaderLease).toBe(3000)
    expect(config.policy.reserve).toBe(2 * 1024 ** 3)
    expect(config.alerts.vramUsed).toBe(22e9)
    expect(config.models.find(m => m.name === 'glm-4.7')).toMatchObject({ params: 7e9, quantization: 'Q4_K_M', vram: { min: 8 * 1024 ** 3, recommended: 16 * 1024 ** 3 }, roles: ['chat', 'code'] })
    expect(config.models.find(m => m.name === 'mixtral:8x7b')?.activeParams).toBe(12.9e9)
    expect(config.cloud.map(c => c.name)).toEqual(['zai', 'openai', 'anthropic'])
  })

  it("accepts the contract's example config", () => {
    const yaml = readFileSync(join(import.meta.dirname, 'fixtures/contract-example.yaml'), 'utf8')
    const config = loadConfig([src('contract-example.yaml', yaml)])
    expect(config.node).toEqual({ name: 'myia-ai-01', role: 'coordinator', priority: 100 })
    expect(config.policy.exclude.map(r => r.reason)).toEqual(['CUDA build of the backend has no sm_120 kernels', 'reserved for display'])
  })

  it('layers files key by key; a later list replaces an earlier one', () => {
    const config = loadConfig([shipped, src('node.yaml', 'node: { name: po-2026 }\npolicy: { reserve: 3GiB }\ncloud: []\n')])
    expect(config.node.name).toBe('po-2026')
    expect(config.policy.reserve).toBe(3 * 1024 ** 3)
    expect(config.policy.fit).toBe('recommended')
    expect(config.cloud).toEqual([])
    expect(config.models.length).toBeGreaterThan(5)
    expect(mergeConfigs({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] } })
  })

  it.each([
    ['unknown key', 'policy:\n  reserv: 2GiB\n', /^bad\.yaml: policy: Unrecognized key: "reserv"/],
    ['bad size', 'policy: { reserve: 2G }\n', /^bad\.yaml: policy\.reserve: invalid size "2G".*\(got "2G"\)$/],
    ['bad duration', 'cluster: { heartbeat: soon }\n', /^bad\.yaml: cluster\.heartbeat: invalid duration "soon"/],
    ['bad quantization', 'models: [{ name: x, params: 7B, quantization: Q9_Z, roles: [chat], quality: 1 }]\n', /^bad\.yaml: models\.0\.quantization: unknown quantization "Q9_Z"/],
    ['bad role', 'node: { role: boss }\n', /^bad\.yaml: node\.role: .*\(got "boss"\)$/],
    ['bad comparison', 'policy: { exclude: [{ match: { computeCapability: "about 12" }, reason: x }] }\n', /^bad\.yaml: policy\.exclude\.0\.match\.computeCapability: expected a comparison/],
    ['unknown match key', 'policy: { exclude: [{ match: { colour: red }, reason: x }] }\n', /^bad\.yaml: policy\.exclude\.0\.match: Unrecognized key: "colour"/],
    ['YAML syntax', 'cluster:\n  name: [unclosed\n', /^bad\.yaml:\d+:\d+: /],
    ['duplicate key', 'dataDir: a\ndataDir: b\n', /^bad\.yaml:2:1: /],
    ['top level list', '- a\n- b\n', /^bad\.yaml: the top level must be a mapping/]
  ])('rejects a %s with a one-line reason naming file, key and value', (_what, text, message) => {
    let error: Error | undefined
    try { loadConfig([shipped, src('bad.yaml', text)]) } catch (err) { error = err as Error }
    expect(error?.name).toBe('InvalidConfigError')
    expect((error as { exitCode?: number } | undefined)?.exitCode).toBe(2)
    expect(error?.message).toMatch(message)
    expect(error?.message.includes('\n')).toBe(false)
  })

  it('checks rules across keys on the merged config only', () => {
    const config = loadConfig([shipped, src('a.yaml', 'cluster: { heartbeat: 5s }\n'), src('b.yaml', 'cluster: { leaderLease: 15s, offlineAfter: 16s }\n')])
    expect(config.cluster.leaderLease).toBe(15000)
    expect(() => loadConfig([shipped, src('a.yaml', 'cluster: { heartbeat: 5s, offlineAfter: 16s }\n')])).toThrow(/cluster\.leaderLease: leaderLease must be longer than heartbeat/)
    expect(() => loadConfig([shipped, src('a.yaml', 'cluster: { heartbeat: 4s, leaderLease: 12s }\n')])).toThrow(/cluster\.offlineAfter: offlineAfter \(10000 ms\) must be longer than 3 × heartbeat \(4000 ms\)/)
    expect(() => loadConfig([shipped, src('a.yaml', 'cluster: { heartbeat: 2s, leaderLease: 6s, offlineAfter: 6s }\n')])).toThrow(/cluster\.offlineAfter: offlineAfter \(6000 ms\) must be longer than 3 × heartbeat \(2000 ms\)/)
    expect(loadConfig([shipped, src('a.yaml', 'cluster: { heartbeat: 2s, leaderLease: 6s, offlineAfter: 7s }\n')]).cluster.offlineAfter).toBe(7000)
    expect(() => loadConfig([shipped, src('m.yaml', 'models: [{ name: a, params: 1B, quantization: Q8_0, roles: [chat], quality: 1 }, { name: a, params: 1B, quantization: Q8_0, roles: [chat], quality: 2 }]\n')]))
      .toThrow(/models\.1\.name: model "a" is listed twice/)
  })
})
