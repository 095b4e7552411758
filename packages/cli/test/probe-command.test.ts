import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { fakeNvidiaSmi, nvidiaFixture, repoRoot, runBin } from './helpers.js'

const schema = JSON.parse(readFileSync(join(repoRoot, 'docs/schemas/host-report.schema.json'), 'utf8')) as object
const ajv = new Ajv2020({ allErrors: true, strict: false })
addFormats.default(ajv)
const validate = ajv.compile(schema)

describe('gpufleet probe', () => {
  it('--json validates against docs/schemas/host-report.schema.json (no GPU here)', async () => {
    const run = await runBin(['probe', '--json', '--ollama', 'http://127.0.0.1:9'], { PATH: '/usr/bin:/bin', GPUFLEET_NVIDIA_SMI: '' })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as { schema: string, gpus: unknown[] }
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    expect(report.schema).toBe('gpufleet.host-report/v1')
  })

  it('reports the laptop GPU at 16 GiB from the nvidia-smi named by --nvidia-smi', async () => {
    const run = await runBin(['probe', '--json', '--nvidia-smi', fakeNvidiaSmi, '--ollama', 'http://127.0.0.1:9'], { FAKE_NVIDIA_SMI_FIXTURE: nvidiaFixture('laptop-3080ti') })
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as { gpus: Array<Record<string, unknown>> }
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    expect(report.gpus[0]).toMatchObject({
      model: 'NVIDIA GeForce RTX 3080 Ti Laptop GPU', vramBytes: 17179869184, vramSource: 'nvidia-smi', vramUsedBytes: 805306368,
      driverVersion: '591.74', uuid: 'GPU-0ab3345e-f1ef-8f0c-e82a-8cbb3a8ed0f4', computeCapability: '8.6', temperatureC: 45, powerW: 21.5, utilizationPct: 3
    })
  })

  it('gives the very GPU entry `gpufleet probe --json` gave on a real H200, from the CSV captured beside it', async () => {
    const captured = JSON.parse(readFileSync(join(nvidiaFixture('h200-real'), 'probe.json'), 'utf8')) as { gpus: unknown[] }
    const raw = join(mkdtempSync(join(tmpdir(), 'gpufleet-raw-')), 'raw.csv')
    const run = await runBin(['probe', '--json', '--nvidia-smi', fakeNvidiaSmi, '--ollama', 'http://127.0.0.1:9', '--raw-nvidia-smi', raw], { FAKE_NVIDIA_SMI_FIXTURE: nvidiaFixture('h200-real') })
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as { gpus: unknown[] }
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    expect(validate(captured), JSON.stringify(validate.errors)).toBe(true)
    expect(report.gpus).toEqual(captured.gpus)
    expect(readFileSync(raw, 'utf8')).toBe(readFileSync(join(nvidiaFixture('h200-real'), 'query.csv'), 'utf8'))
  })

  it('a real agent on the H200 published documents that validate, with live readings that followed the GPU load through one nvidia-smi loop', () => {
    const inventorySchema = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'docs/schemas/inventory.schema.json'), 'utf8')) as object)
    type Gpu = { vramUsedBytes: number, utilizationPct: number, powerW: number }
    const read = (name: string): { hosts: Array<{ gpus: Gpu[] }> } => JSON.parse(readFileSync(join(nvidiaFixture('h200-real'), name), 'utf8')) as { hosts: Array<{ gpus: Gpu[] }> }
    const [idle, load] = [read('agent-inventory-idle.json'), read('agent-inventory-under-load.json')]
    for (const doc of [idle, load]) expect(inventorySchema(doc), JSON.stringify(inventorySchema.errors)).toBe(true)
    expect(idle.hosts[0]!.gpus[0]).toMatchObject({ vramUsedBytes: 0, utilizationPct: 0 })
    expect(load.hosts[0]!.gpus[0]).toMatchObject({ vramUsedBytes: 21491 * 1024 * 1024, utilizationPct: 98 })
    expect(load.hosts[0]!.gpus[0]!.powerW).toBeGreaterThan(600)
    const processes = readFileSync(join(nvidiaFixture('h200-real'), 'agent-processes.txt'), 'utf8')
    expect(processes.match(/nvidia-smi --query-gpu=\S+ --format=csv,noheader,nounits -lms 2000/g)).toHaveLength(1)
  })

  it('finds nvidia-smi through GPUFLEET_NVIDIA_SMI and prints a readable table by default', async () => {
    const run = await runBin(['probe', '--ollama', 'http://127.0.0.1:9'], { GPUFLEET_NVIDIA_SMI: fakeNvidiaSmi, FAKE_NVIDIA_SMI_FIXTURE: nvidiaFixture('dual-3060') })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/0\s+NVIDIA GeForce RTX 3060\s+12 GiB\s+nvidia-smi/)
    expect(run.stdout).toMatch(/1\s+NVIDIA GeForce RTX 3060\s+12 GiB\s+nvidia-smi\s+5 MiB\s+8\.6\s+566\.36\s+0 %/)
  })

  it('exits 2 with one line for a --nvidia-smi path that does not exist', async () => {
    const run = await runBin(['probe', '--nvidia-smi', '/no/such/nvidia-smi'])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('gpufleet: --nvidia-smi: /no/such/nvidia-smi: no such file\n')
  })

  it('exits 2 on an unknown flag or a bad --role, 0 on --help', async () => {
    const unknown = await runBin(['probe', '--bogus'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1)
    const role = await runBin(['probe', '--role', 'boss'])
    expect(role.code).toBe(2)
    expect(role.stderr).toMatch(/--role: expected coordinator or worker, got "boss"/)
    const help = await runBin(['probe', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--nvidia-smi <path>')
  })

  it('keeps probing when nvidia-smi prints something that is not its CSV, and says so', async () => {
    const run = await runBin(['probe', '--json', '--nvidia-smi', '/bin/echo', '--ollama', 'http://127.0.0.1:9'])
    // /bin/echo prints its arguments: not the CSV. The probe keeps going and warns.
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as { warnings: string[] }
    expect(report.warnings.some(w => w.startsWith('nvidia-smi (/bin/echo): nvidia-smi: field index is not a number'))).toBe(true)
  })
})
