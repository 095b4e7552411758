import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelPlacement, StatusDocument } from '@gpufleet/core'
import { Fleet, sleep, type FleetNode } from '../cluster/harness.js'
import { runCliOk } from '../support/cli.js'
import { OpenAiStandIn } from '../support/ollama-standin.js'

/** How `gpufleet status` shows a pull in progress. */
const PULL_LINE = /myia-ai-01 \S+: pulling \[#*-*\] \d+% /
const SHARED = `models:
  - { name: "qwen2.5-coder:1.5b", params: 1.5B, quantization: Q4_K_M, roles: [code], quality: 4 }
  - { name: "llama3.1:8b", params: 8B, quantization: Q4_K_M, roles: [chat], quality: 6 }
cloud: []
policy:
  exclude:
    - match: { computeCapability: ">=12.0" }
      reason: "CUDA build of the backend has no sm_120 kernels"`

describe('plan application: the plan\'s models pulled and loaded through Ollama, measured, reported', () => {
  let fleet: Fleet
  let node: FleetNode
  const ollama = new OpenAiStandIn({ name: 'ollama' })

  beforeAll(async () => {
    ollama.pullStepMs = 80 // 1.6 s per model: progress is visible from outside
    for (const model of ['qwen2.5-coder:1.5b', 'llama3.1:8b']) ollama.holdPullAt.set(model, ollama.layerBytes / 4)
    ollama.failPullAt.set('llama3.1:8b', ollama.layerBytes / 2)
    await ollama.start()
    fleet = await Fleet.create([{ name: 'myia-ai-01', role: 'coordinator', priority: 100, config: `ollama: { host: "${ollama.url}", apply: true }` }], { shared: SHARED })
    node = fleet.nodes[0]!
    fleet.startAll()
  }, 30_000)

  afterAll(async () => {
    await fleet?.destroy()
    await ollama.stop()
  })

  it('pulls both assigned models with progress, survives a failure mid-pull, and reports them ready in the inventory', async () => {
    const snapshots: ModelPlacement[][] = []
    let cliDuringPull = ''
    const start = performance.now()
    let status: StatusDocument | null = null
    while (performance.now() - start < 40_000) {
      status = await fleet.status(node)
      const placement = status?.hosts.find(h => h.hostname === 'myia-ai-01')?.placement ?? []
      snapshots.push(placement)
      // The first pull is held at a quarter by the stand-in until the CLI (its own process, slow to
      // start on a loaded machine) has shown it; then every pull runs on.
      if (cliDuringPull === '' && placement.some(p => p.state === 'pulling' && (p.completedBytes ?? 0) > 0)) {
        cliDuringPull = await runCliOk(['status', '--api', node.api])
        ollama.releasePulls()
      }
      if (placement.length === 2 && placement.every(p => p.state === 'ready')) break
      await sleep(100)
    }
    const final = snapshots.at(-1)!
    expect(final.map(p => `${p.model}=${p.state}`)).toEqual(['llama3.1:8b=ready', 'qwen2.5-coder:1.5b=ready'])
    expect(final.find(p => p.model === 'llama3.1:8b')?.attempts).toBe(2)
    const flat = snapshots.flat()
    expect(flat.some(p => p.state === 'pulling' && (p.completedBytes ?? 0) > 0 && p.totalBytes === ollama.layerBytes)).toBe(true)
    expect(cliDuringPull).toMatch(PULL_LINE)
    // Resumed from where the failure cut it, and both loaded to stay (keep_alive -1).
    expect(ollama.pulls.filter(p => p.model === 'llama3.1:8b').map(p => p.resumedFrom > 0)).toEqual([false, true])
    expect(new Map(ollama.loaded)).toEqual(new Map([['llama3.1:8b', -1], ['qwen2.5-coder:1.5b', -1]]))
    // The failure was reported (the unit test of the applier checks the failed state and its reason).
    expect(node.log.some(l => l.includes('model not applied; will retry') && l.includes('llama3.1:8b'))).toBe(true)
  }, 60_000)

  it('bench-models measures real tokens/s through Ollama; the figures reach the inventory and the document', async () => {
    const stdout = await runCliOk(['bench-models', '--api', node.api, '--json'])
    const out = JSON.parse(stdout) as { results: Array<{ model: string, decodeTokensPerSecond: number, promptTokensPerSecond: number }> }
    // The stand-in reports eval_count / eval_duration for 40 tokens/s decode, 800 tokens/s prompt.
    expect(out.results.map(r => [r.model, r.decodeTokensPerSecond, r.promptTokensPerSecond])).toEqual([['llama3.1:8b', 40, 800], ['qwen2.5-coder:1.5b', 40, 800]])
    await fleet.waitFor([node], s => (s.hosts[0]?.measured?.length ?? 0) === 2, 'measured speeds in the inventory', 10_000)
    const doc = await (await fetch(`${node.api}/api/report.md?lang=en`)).text()
    expect(doc).toMatch(/\| myia-ai-01 \| GPU 1 \| llama3\.1:8b \| [^|]+ \| ~\d+ tokens\/s \| 40 tokens\/s \|/)
  }, 30_000)
})
