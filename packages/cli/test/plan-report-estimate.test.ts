import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { repoRoot, runBin } from './helpers.js'

const ajv = new Ajv2020({ allErrors: true, strict: false })
addFormats.default(ajv)
const schema = (kind: string): ReturnType<typeof ajv.compile> => ajv.compile(JSON.parse(readFileSync(join(repoRoot, `docs/schemas/${kind}.schema.json`), 'utf8')) as object)
const validatePlan = schema('plan')
const validateEstimate = schema('estimate')
const inventory = join(repoRoot, 'configs/roosync/inventory.json')
const cluster = join(repoRoot, 'configs/roosync/cluster.yaml')
const tmp = mkdtempSync(join(tmpdir(), 'gpufleet-cli-'))
const write = (name: string, text: string): string => { const p = join(tmp, name); writeFileSync(p, text); return p }

interface PlanDoc { assignments: Array<{ host: string, gpus: number[], model: string }>, routes: Array<{ host: string, role: string, target: { kind: string, provider?: string } }>, excluded: Array<{ host: string, gpu: number, reason: string }>, unplaced: Array<{ model: string, reason: string }> }

describe('gpufleet plan', () => {
  it('plans the RooSync fleet: the cc 12.0 GPU excluded, the CPU-only host on the cloud, Mixtral explained', async () => {
    const run = await runBin(['plan', '--inventory', inventory, '--config', cluster, '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const plan = JSON.parse(run.stdout) as PlanDoc
    expect(validatePlan(plan), JSON.stringify(validatePlan.errors)).toBe(true)
    expect(plan.excluded).toMatchObject([{ host: 'myia-ai-01', gpu: 0, reason: 'CUDA build of the backend has no sm_120 kernels' }])
    expect(plan.assignments.some(a => a.host === 'myia-ai-01' && a.gpus.includes(0))).toBe(false)
    expect(plan.assignments.some(a => a.host === 'myia-web1')).toBe(false)
    expect(plan.routes.filter(r => r.host === 'myia-web1').map(r => [r.role, r.target.kind, r.target.provider])).toEqual([
      ['analysis', 'cloud', 'zai'], ['chat', 'cloud', 'zai'], ['code', 'cloud', 'zai'], ['fast', 'cloud', 'zai']
    ])
    expect(plan.unplaced.find(u => u.model === 'mixtral:8x7b')?.reason).toMatch(/^needs 26\.7 GiB on one GPU; largest eligible GPU has 21\.6 GiB free \(myia-ai-01 GPU 1\); run partly from system RAM .* about \d+(\.\d)? tokens\/s$/)
    const again = await runBin(['plan', '--inventory', inventory, '--config', cluster, '--json'])
    expect(again.stdout).toBe(run.stdout)
  })

  it('uses the shipped catalog without --config and prints a readable plan by default', async () => {
    const run = await runBin(['plan', '--inventory', inventory])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Plan \(term 0, 2026-11-22T10:00:00\.000Z\)/)
    expect(run.stdout).toMatch(/myia-web1\s+chat\s+cloud zai glm-4\.7/)
  })

  it('prints the plan in French with --lang fr: headings, reasons and number formats', async () => {
    const run = await runBin(['plan', '--inventory', inventory, '--config', cluster, '--lang', 'fr'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Plan \(mandat 0, /)
    expect(run.stdout).toContain('Non placés')
    expect(run.stdout).toMatch(/mixtral:8x7b : nécessite 26,7 Gio sur un seul GPU/)
    expect(run.stdout).toContain("myia-ai-01 GPU 0 : la version CUDA du moteur n'a pas de noyaux sm_120")
    for (const english of ['needs ', 'Not placed', 'Assignments', 'not chosen', 'GiB']) expect(run.stdout).not.toContain(english)
    const bad = await runBin(['plan', '--inventory', inventory, '--lang', 'de'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--lang: expected fr or en, got "de"/)
  })

  it.each([
    ['a missing inventory', ['--inventory', join(tmp, 'nope.json')], /^gpufleet: .*nope\.json: cannot read the inventory: no such file\n$/],
    ['an inventory that is not JSON', ['--inventory', write('bad.json', '{ hosts: ')], /^gpufleet: .*bad\.json: not valid JSON/],
    ['an inventory with a bad field', ['--inventory', write('field.json', JSON.stringify({ schema: 'gpufleet.inventory/v1', hosts: [{ hostname: 'x' }] }))], /^gpufleet: .*field\.json: hosts\.0\.schema: .*\n$/],
    ['a duplicated host', ['--inventory', write('dup.json', JSON.stringify({ schema: 'gpufleet.inventory/v1', hosts: [JSON.parse(readFileSync(inventory, 'utf8')).hosts[4], JSON.parse(readFileSync(inventory, 'utf8')).hosts[4]] }))], /hosts\.1\.hostname: host "myia-web1" appears twice/],
    ['a config with an unknown key', ['--inventory', inventory, '--config', write('bad.yaml', 'policy:\n  reserv: 2GiB\n')], /^gpufleet: .*bad\.yaml: policy: Unrecognized key: "reserv"/],
    ['a missing config', ['--inventory', inventory, '--config', join(tmp, 'none.yaml')], /none\.yaml: cannot read config file: no such file/]
  ])('exits 2 with one line for %s', async (_what, args, message) => {
    const run = await runBin(['plan', ...args])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('gpufleet report', () => {
  it('writes the same document as the golden file, in both languages, to --out', async () => {
    for (const lang of ['fr', 'en']) {
      const out = join(tmp, `GPU_SPECS.${lang}.md`)
      const run = await runBin(['report', '--inventory', inventory, '--config', cluster, '--lang', lang, '--out', out])
      expect(run.code).toBe(0)
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(repoRoot, `packages/core/test/golden/roosync.${lang}.md`), 'utf8'))
    }
  })

  it('takes the language from the config and refuses an unknown one without writing anything', async () => {
    const run = await runBin(['report', '--inventory', inventory, '--config', cluster])
    expect(run.stdout).toContain('# Spécifications GPU - Infrastructure Multi-Machine roosync')
    const out = join(tmp, 'never.md')
    const bad = await runBin(['report', '--inventory', inventory, '--lang', 'de', '--out', out])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('gpufleet: --lang: expected fr or en, got "de"\n')
    expect(existsSync(out)).toBe(false)
  })
})

describe('gpufleet report --usage', () => {
  const totals = (requests: number, uncached: number, cacheRead: number, output: number, costUsd: number, savingsUsd: number): Record<string, unknown> =>
    ({ requests, errors: 0, tokens: { uncached, cacheRead, cacheWrite: 0, output }, costUsd, savingsUsd, priceDates: ['2026-11-30'] })
  const usage = (by: string): string => write(`usage-${by}.json`, JSON.stringify({
    schema: 'gpufleet.usage/v1', since: '2026-11-01T00:00:00.000Z', until: '2026-11-22T10:00:00.000Z', by, host: null,
    totals: totals(1502, 1_250_000, 1_000_000, 480_000, 12.34, 5.6),
    rows: [{ key: 'local', ...totals(1500, 1_050_000, 0, 400_000, 0, 5.6) }, { key: 'zai', ...totals(2, 200_000, 1_000_000, 80_000, 12.34, 0) }],
    days: []
  }))

  it('adds the "Costs and savings" section from a gpufleet usage document, fr and en, with the config\'s prices', async () => {
    const file = usage('provider')
    const en = await runBin(['report', '--inventory', inventory, '--config', cluster, '--lang', 'en', '--usage', file])
    expect(en.code).toBe(0)
    const golden = readFileSync(join(repoRoot, 'packages/core/test/golden/roosync.en.md'), 'utf8')
    // The rest of the document is the golden one: the section sits before the footer.
    const [head, footer] = [golden.slice(0, golden.lastIndexOf('\n---\n')), golden.slice(golden.lastIndexOf('\n---\n'))]
    expect(en.stdout.startsWith(head)).toBe(true)
    expect(en.stdout.trimEnd().endsWith(footer.trimEnd())).toBe(true)
    expect(en.stdout).toContain(['## Costs and savings', '', 'Period: 2026-11-01 to 2026-11-22 (UTC), whole fleet.', '',
      '| Provider | Requests | Uncached tokens | Cache read | Cache write | Output | Cost | Savings |',
      '|---|---|---|---|---|---|---|---|',
      '| local | 1,500 | 1,050,000 | 0 | 0 | 400,000 | $0.00 | $5.60 |',
      '| zai | 2 | 200,000 | 1,000,000 | 0 | 80,000 | $12.34 | $0.00 |',
      '| **Total** | 1,502 | 1,250,000 | 1,000,000 | 0 | 480,000 | $12.34 | $5.60 |'].join('\n'))
    expect(en.stdout).toMatch(/\| zai \| glm-4\.7 \| [\d.]+ \| [\d.]+ \| 0 \| [\d.]+ \| \d{4}-\d\d-\d\d \|/)
    const fr = await runBin(['report', '--inventory', inventory, '--config', cluster, '--usage', file])
    expect(fr.stdout).toContain('## Coûts et économies')
    expect(fr.stdout).toContain('| **Total** | 1 502 | 1 250 000 | 1 000 000 | 0 | 480 000 | 12,34 $ | 5,60 $ |')
  })

  it('refuses a usage document grouped by anything but provider, or malformed, in one line, writing nothing', async () => {
    const out = join(tmp, 'never-costs.md')
    const byRole = usage('role')
    const bad = await runBin(['report', '--inventory', inventory, '--usage', byRole, '--out', out])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe(`gpufleet: ${byRole}: by: expected "provider" (write it with gpufleet usage --by provider --json), got "role"\n`)
    const broken = write('usage-broken.json', '{"schema":"gpufleet.usage/v1"}')
    const worse = await runBin(['report', '--inventory', inventory, '--usage', broken, '--out', out])
    expect(worse.code).toBe(2)
    expect(worse.stderr.trim().split('\n')).toHaveLength(1)
    expect(worse.stderr).toContain(broken)
    expect(existsSync(out)).toBe(false)
  })
})

describe('gpufleet estimate', () => {
  it('prints gpufleet.estimate/v1 with the contract fields', async () => {
    const run = await runBin(['estimate', '--params', '8.03B', '--quant', 'Q4_K_M', '--ctx', '8192', '--layers', '32', '--kv-heads', '8', '--head-dim', '128', '--kv-type', 'f16', '--gpu', 'RTX 3090', '--json'])
    expect(run.code).toBe(0)
    const doc = JSON.parse(run.stdout) as Record<string, number>
    expect(validateEstimate(doc), JSON.stringify(validateEstimate.errors)).toBe(true)
    expect(doc.kvCacheBytes).toBe(1024 ** 3)
    expect(doc.totalBytes).toBe(doc.weightsBytes! + doc.kvCacheBytes! + doc.overheadBytes!)
    expect(doc.decodeTokensPerSecond).toBeGreaterThan(84)
    expect(doc.decodeTokensPerSecond).toBeLessThan(140)
  })

  it('estimates a catalog model by name and shows partial offload when VRAM is short', async () => {
    const run = await runBin(['estimate', '--model', 'mixtral:8x7b', '--gpu', 'RTX 3090'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/does not fit: \d+ % of the weights in VRAM/)
    const byBandwidth = await runBin(['estimate', '--params', '7B', '--quant', 'Q4_0', '--bandwidth', '360', '--json'])
    expect((JSON.parse(byBandwidth.stdout) as { bandwidthGBs: number }).bandwidthGBs).toBe(360)
  })

  it.each([
    [['--params', '7B', '--quant', 'Q9'], /unknown quantization "Q9"/],
    [['--params', 'seven', '--quant', 'Q4_0'], /invalid count "seven"/],
    [['--params', '7B', '--quant', 'Q4_0', '--gpu', 'Voodoo 3'], /--gpu: "Voodoo 3" is not in the GPU table/],
    [['--params', '7B', '--quant', 'Q4_0', '--ctx', '-5'], /--ctx: expected a positive integer, got "-5"/],
    [['--model', 'gpt-5'], /--model: "gpt-5" is not in the catalog/],
    [['--quant', 'Q4_0'], /give --params and --quant, or --model, --gguf or --ollama-model/],
    [['--model', 'glm-4.7', '--gguf', 'x.gguf'], /give only one of --model, --gguf and --ollama-model/],
    [['--gguf', '/no/such.gguf'], /\/no\/such\.gguf: not a readable GGUF file/]
  ])('exits 2 for %j', async (args, message) => {
    const run = await runBin(['estimate', ...args])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })
})
