import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js'
import { catalogDocument, computePlan, inventorySchema, loadConfig, type FleetConfig, type HostReport, type StatusDocument } from '@gpufleet/core'
import { createFleetMcpServer, type FleetSource } from '@gpufleet/agent/mcp'
import { repoRoot } from '../cluster/harness.js'

const GiB = 1024 ** 3
const seedHosts = inventorySchema.parse(JSON.parse(readFileSync(join(repoRoot, 'configs/roosync/inventory.json'), 'utf8'))).hosts

function config (policyYaml: string): FleetConfig {
  const defaults = { path: 'configs/default.yaml', text: readFileSync(join(repoRoot, 'configs/default.yaml'), 'utf8') }
  return loadConfig([defaults, { path: 'test.yaml', text: `policy:\n${policyYaml}` }])
}

/** A fleet held in memory: the tools read it exactly as they read an agent's API answers. */
function memorySource (hosts: HostReport[], cfg: FleetConfig): FleetSource {
  const plan = computePlan({ hosts, config: cfg, term: 3 })
  const status = { hosts, plan } as unknown as StatusDocument
  return {
    status: async () => status,
    plan: async () => plan,
    catalog: async () => catalogDocument(cfg),
    report: async () => { throw new Error('not used') },
    route: async () => { throw new Error('not used') },
    usage: async () => { throw new Error('not used') }
  }
}

let client: Client | undefined
afterEach(async () => { await client?.close(); client = undefined })

async function whereCanRun (source: FleetSource, args: Record<string, unknown>): Promise<{ isError: boolean, text: string, s: WhereCanRun }> {
  const server = createFleetMcpServer(source, { version: 'test' })
  const [a, b] = InMemoryTransport.createLinkedPair()
  await server.connect(a)
  client = new Client({ name: 'test', version: '1' })
  await client.connect(b)
  const r = CallToolResultSchema.parse(await client.callTool({ name: 'where_can_run', arguments: args }))
  const first = r.content[0]
  return { isError: r.isError === true, text: first?.type === 'text' ? first.text : '', s: r.structuredContent as unknown as WhereCanRun }
}

interface WhereCanRun {
  requirement: { bytes: number, source: string }
  fits: Array<{ host: string, gpu: number, capacityBytes: number, usedByOthersBytes: number }>
  cannot: Array<{ host: string, gpu: number | null, code: string, reason: string }>
  split: Array<{ host: string, gpus: number[], capacityBytes: number }>
  offload: { host: string, gpu: number } | null
}

describe('where_can_run on a fleet in memory', () => {
  it('says why each GPU cannot: offline host, no GPU, policy exclusion, too small with the figures', async () => {
    const hosts = seedHosts.map(h => h.hostname === 'myia-po-2024' ? { ...h, online: false, lastSeen: '2026-11-30T10:00:00.000Z' } : h)
    const { s } = await whereCanRun(memorySource(hosts, config('  exclude:\n    - { match: { model: "*5060 Ti*" }, reason: reserved for display }\n')), { model: 'codellama:13b' })
    expect(s.fits.map(f => `${f.host}/${f.gpu}`)).toEqual(['myia-ai-01/1'])
    const why = Object.fromEntries(s.cannot.map(c => [`${c.host}/${String(c.gpu)}`, [c.code, c.reason]]))
    expect(why['myia-po-2024/0']).toEqual(['offline', 'host offline (last seen 2026-11-30T10:00:00.000Z)'])
    expect(why['myia-web1/null']).toEqual(['no-gpu', 'no GPU on this host'])
    expect(why['myia-ai-01/0']).toEqual(['excluded', 'reserved for display'])
    expect(why['myia-po-2026/0']![0]).toBe('too-small')
    expect(why['myia-po-2026/0']![1]).toMatch(/^needs 14\.3 GiB; 13\.3 GiB can be used \(16 GiB − 768 MiB used by other programs − 2 GiB reserve\)$/)
  })

  it('VRAM that models gpufleet placed use is not "used by other programs"', async () => {
    const hosts = seedHosts.map(h => h.hostname !== 'myia-po-2026' ? h : { ...h, gpus: h.gpus.map(g => ({ ...g, vramUsedBytes: 10 * GiB, vramUsedByFleetBytes: 10 * GiB - 805306368 })) })
    const { s } = await whereCanRun(memorySource(hosts, config('  reserve: 2GiB\n')), { params: '3B', quantization: 'Q4_K_M' })
    expect(s.fits.find(f => f.host === 'myia-po-2026')).toMatchObject({ usedByOthersBytes: 805306368, capacityBytes: 16 * GiB - 805306368 - 2 * GiB })
  })

  it('with policy.allowSplit, a model no single GPU holds is offered split across a host\'s GPUs, not offloaded', async () => {
    // The RTX 3090 is busy with other programs: no single GPU holds 20B Q4_K_M (~14.5 GiB); myia-po-2023's two RTX 3060 do together.
    const hosts = seedHosts.map(h => h.hostname !== 'myia-ai-01' ? h : { ...h, gpus: h.gpus.map(g => g.index === 1 ? { ...g, vramUsedBytes: 20 * GiB } : g) })
    const split = await whereCanRun(memorySource(hosts, config('  allowSplit: true\n')), { params: '20B', quantization: 'Q4_K_M' })
    expect(split.s.fits).toEqual([])
    expect(split.s.split).toEqual([{ host: 'myia-po-2023', gpus: [0, 1], capacityBytes: expect.any(Number) }])
    expect(split.s.offload).toBeNull()
    expect(split.text).toContain('Split across GPUs 0+1 of myia-po-2023')
    const noSplit = await whereCanRun(memorySource(hosts, config('  allowSplit: false\n')), { params: '20B', quantization: 'Q4_K_M' })
    expect(noSplit.s.split).toEqual([])
    expect(noSplit.s.offload).toMatchObject({ host: 'myia-po-2026', gpu: 0 })
  })

  it('a catalog model asked at another context is estimated at that context, not given its catalog figure', async () => {
    const source = memorySource(seedHosts, config('  fit: recommended\n'))
    const own = await whereCanRun(source, { model: 'glm-4.7' })
    expect(own.s.requirement).toEqual(expect.objectContaining({ bytes: 16 * GiB, source: 'catalog' }))
    const longer = await whereCanRun(source, { model: 'glm-4.7', contextLength: 32768 })
    expect(longer.s.requirement.source).toBe('estimate')
    expect(longer.s.requirement.bytes).not.toBe(16 * GiB)
  })

  it('input the tool cannot size is a tool error naming what is wrong', async () => {
    const source = memorySource(seedHosts, config('  reserve: 2GiB\n'))
    expect(await whereCanRun(source, { params: '7B', quantization: 'Q3_XYZ' })).toMatchObject({ isError: true, text: expect.stringMatching(/unknown quantization "Q3_XYZ"/) })
    expect(await whereCanRun(source, { params: '7B' })).toMatchObject({ isError: true, text: 'params and quantization go together' })
    expect(await whereCanRun(source, {})).toMatchObject({ isError: true, text: 'give model (a catalog name), or params and quantization' })
    expect(await whereCanRun(source, { params: 'lots', quantization: 'Q4_K_M' })).toMatchObject({ isError: true, text: expect.stringMatching(/^params: /) })
  })
})
