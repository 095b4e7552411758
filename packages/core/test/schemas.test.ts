import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { documentJsonSchema, documentSchemas, hostReportSchema, validateDocument } from '../src/index.js'

const schemasDir = join(import.meta.dirname, '../../../docs/schemas')

/** The host report example of CONTRACT.md, verbatim. */
export const contractExample = {
  schema: 'gpufleet.host-report/v1',
  hostname: 'myia-po-2026',
  role: 'worker',
  simulated: false,
  collectedAt: '2026-11-22T10:00:00.000Z',
  os: { platform: 'win32', distro: 'Microsoft Windows 11 Pro', release: '10.0.26100', arch: 'x64' },
  cpu: { brand: 'Intel Core i9-12900H', cores: 14, threads: 20 },
  memory: { totalBytes: 34359738368 },
  gpus: [
    { index: 0, vendor: 'nvidia', model: 'NVIDIA GeForce RTX 3080 Ti Laptop GPU', vramBytes: 17179869184, vramSource: 'nvidia-smi', vramUsedBytes: 805306368,
      driverVersion: '591.74', uuid: 'GPU-0ab3345e-f1ef-8f0c-e82a-8cbb3a8ed0f4', pciBus: '00000000:01:00.0', computeCapability: '8.6',
      utilizationPct: 3, temperatureC: 45, powerW: 21.5 }
  ],
  displays: [{ model: 'Generic PnP Monitor', resolutionX: 1920, resolutionY: 1080, main: true }],
  ollama: { reachable: false, models: [] }
}

describe('document schemas', () => {
  it('docs/schemas matches the zod schemas the code validates with (run `pnpm schemas` after a change)', () => {
    const files = readdirSync(schemasDir).filter(f => f.endsWith('.schema.json')).sort()
    expect(files).toEqual(Object.keys(documentSchemas).map(k => `${k}.schema.json`).sort())
    for (const kind of Object.keys(documentSchemas)) {
      const onDisk: unknown = JSON.parse(readFileSync(join(schemasDir, `${kind}.schema.json`), 'utf8'))
      expect(onDisk, kind).toEqual(JSON.parse(JSON.stringify(documentJsonSchema(kind))))
    }
  })

  it("accepts the contract's host report example", () => {
    expect(hostReportSchema.parse(contractExample).gpus[0]?.vramBytes).toBe(16 * 1024 ** 3)
  })

  it('keeps a 0 reading as 0 and accepts null for unknown readings', () => {
    const idle = { ...contractExample, gpus: [{ ...contractExample.gpus[0], utilizationPct: 0, powerW: null, temperatureC: null }] }
    const parsed = hostReportSchema.parse(idle)
    expect(parsed.gpus[0]?.utilizationPct).toBe(0)
    expect(parsed.gpus[0]?.powerW).toBeNull()
  })

  it('names the source, the field path and the bad value in one line', () => {
    const bad = { ...contractExample, gpus: [{ ...contractExample.gpus[0], vramBytes: '16 GB' }] }
    let error: Error | undefined
    try { validateDocument(hostReportSchema, bad, 'hosts/po-2026.json') } catch (err) { error = err as Error }
    expect(error?.name).toBe('InvalidDocumentError')
    expect(error?.message).toMatch(/^hosts\/po-2026\.json: gpus\.0\.vramBytes: .*\(got "16 GB"\)$/)
    expect(error?.message.includes('\n')).toBe(false)
  })

  it('refuses a fractional byte count and an unknown vendor', () => {
    expect(hostReportSchema.safeParse({ ...contractExample, memory: { totalBytes: 1.5 } }).success).toBe(false)
    expect(hostReportSchema.safeParse({ ...contractExample, gpus: [{ ...contractExample.gpus[0], vendor: 'matrox' }] }).success).toBe(false)
  })
})
