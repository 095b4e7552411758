// Probe cost: a whole probe against the sum of its own tool calls run one after another.
// nvidia-smi is the fake executable answering a two-GPU fixture (no GPU on this machine): the
// spawn, pipe and parse path is the real one.
import { join } from 'node:path'
import si from 'systeminformation'
import { locateNvidiaSmi, probeHostDetailed, probeOllama, queryNvidiaSmi, readAmdSysfs } from '../../packages/probe/dist/index.js'
import { median, ms, quantile, time } from './stats.mjs'

const RUNS = 20
const root = join(import.meta.dirname, '../..')

export async function benchProbe () {
  const fake = join(root, 'packages/probe/test/fixtures/bin/nvidia-smi')
  process.env.FAKE_NVIDIA_SMI_FIXTURE = join(root, 'packages/probe/test/fixtures/nvidia-smi/dual-3060')
  const ollamaHost = 'http://127.0.0.1:9'
  const sums = []
  const probes = []
  const parts = { nvidiaSmi: [], cpu: [], mem: [], osInfo: [], graphics: [], sysfs: [], ollama: [], locate: [] }
  // Warm-up: the first systeminformation calls fill its caches; neither side should pay them.
  await probeHostDetailed({ nvidiaSmiPath: fake, ollamaHost })
  for (let i = 0; i < RUNS; i++) {
    // The tool calls alone, sequentially: what the probe would cost if it added nothing.
    const [tLocate] = await time(async () => locateNvidiaSmi({ explicitPath: fake }))
    const [tSmi] = await time(() => queryNvidiaSmi(fake))
    const [tCpu] = await time(() => si.cpu())
    const [tMem] = await time(() => si.mem())
    const [tOs] = await time(() => si.osInfo())
    const [tGfx] = await time(() => si.graphics())
    const [tSysfs] = await time(() => readAmdSysfs())
    const [tOllama] = await time(() => probeOllama({ host: ollamaHost }))
    const sum = tLocate + tSmi + tCpu + tMem + tOs + tGfx + tSysfs + tOllama
    Object.entries({ locate: tLocate, nvidiaSmi: tSmi, cpu: tCpu, mem: tMem, osInfo: tOs, graphics: tGfx, sysfs: tSysfs, ollama: tOllama }).forEach(([k, v]) => parts[k].push(v))
    sums.push(sum)
    const [tProbe, result] = await time(() => probeHostDetailed({ nvidiaSmiPath: fake, ollamaHost }))
    if (result.report.gpus.length !== 2) throw new Error('probe bench: expected the two fixture GPUs')
    probes.push(tProbe)
  }
  const ratio = median(probes) / median(sums)
  const rows = Object.entries(parts).map(([k, v]) => `| ${k} | ${ms(median(v))} | ${ms(quantile(v, 0.95))} |`)
  return {
    name: 'probe',
    ok: ratio <= 1.2,
    summary: `probe median ${ms(median(probes))} vs tool calls ${ms(median(sums))} (×${ratio.toFixed(2)}, goal ≤ 1.2)`,
    markdown: [
      `## Hardware probe (${RUNS} runs)`,
      '',
      'A whole `probeHostDetailed()` against the sum of the same tool calls run one after another',
      '(nvidia-smi is the fake executable answering the two-GPU fixture; Ollama is not running, so its',
      'probe is a refused connection). The probe runs its sources concurrently, so it costs about its',
      'slowest call.',
      '',
      '| measure | median | p95 |',
      '|---|---|---|',
      `| whole probe | ${ms(median(probes))} | ${ms(quantile(probes, 0.95))} |`,
      `| sum of tool calls | ${ms(median(sums))} | ${ms(quantile(sums, 0.95))} |`,
      ...rows,
      '',
      `Probe / tool calls: **×${ratio.toFixed(2)}** (goal ≤ 1.2).`
    ].join('\n')
  }
}
