// The estimator against published figures: GGUF file sizes and llama.cpp decode speeds.
import { estimateDecodeSpeed, estimateMemory, matchGpu } from '../../packages/core/dist/index.js'

const GiB = 1024 ** 3
const SIZES = [
  ['Llama 2 7B Q4_0', 6.74e9, 'Q4_0', 3.56 * GiB],
  ['Llama 3 8B Q4_K_M', 8.03e9, 'Q4_K_M', 4.58 * GiB],
  ['Llama 3 8B F16', 8.03e9, 'F16', 14.96 * GiB],
  ['Llama 2 7B Q8_0', 6.74e9, 'Q8_0', 6.67 * GiB],
  ['Llama 2 7B F16', 6.74e9, 'F16', 12.55 * GiB]
]
// [gpu, model, params, quant, published t/s, source]
const SPEEDS = [
  ['RTX 3090', 'Llama 2 7B', 6.74e9, 'Q4_0', 158, 'llama.cpp CUDA figures quoted in DOMAIN.md'],
  ['RTX 3090', 'Llama 3 8B', 8.03e9, 'Q4_K_M', 112, 'llama.cpp CUDA figures quoted in DOMAIN.md'],
  ['RTX 3090', 'Llama 3 8B', 8.03e9, 'Q4_0', 155, 'llama.cpp PR #15802 (batch 1)'],
  ['RTX 3060 12GB', 'Llama 2 7B', 6.74e9, 'Q4_0', 76, 'llama.cpp CUDA figures quoted in DOMAIN.md'],
  ['RTX 4090', 'Llama 7B', 6.74e9, 'F16', 61.0, 'llama.cpp PR #4766, tg128'],
  ['RTX 4090', 'Llama 7B', 6.74e9, 'Q8_0', 98.1, 'llama.cpp PR #4766, tg128']
]
const pct = x => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`

export async function benchEstimator () {
  let worstSize = 0
  let worstSpeed = 0
  const sizeRows = SIZES.map(([name, params, quant, real]) => {
    const est = estimateMemory({ params, quantization: quant, contextLength: 512 }).weightsBytes
    const err = est / real - 1
    worstSize = Math.max(worstSize, Math.abs(err))
    return `| ${name} | ${(real / GiB).toFixed(2)} GiB | ${(est / GiB).toFixed(2)} GiB | ${pct(err)} |`
  })
  const speedRows = SPEEDS.map(([gpu, model, params, quant, published, source]) => {
    const spec = matchGpu(gpu)
    const memory = estimateMemory({ params, quantization: quant, contextLength: 512 })
    const est = estimateDecodeSpeed({ memory, params, bandwidthGBs: spec.bandwidthGBs, vendor: spec.vendor, segment: spec.segment }).decodeTokensPerSecond
    const err = est / published - 1
    worstSpeed = Math.max(worstSpeed, Math.abs(err))
    return `| ${gpu} | ${model} ${quant} | ${published} | ${est.toFixed(1)} | ${pct(err)} | ${source} |`
  })
  const ok = worstSize <= 0.05 && worstSpeed <= 0.25
  return {
    name: 'estimator',
    ok,
    summary: `weights within ${(worstSize * 100).toFixed(1)} % of GGUF sizes (goal 5 %), decode within ${(worstSpeed * 100).toFixed(1)} % of published speeds (goal 25 %)`,
    markdown: [
      '## Estimator against published figures',
      '',
      'Weights: parameters × effective bits per weight ÷ 8, against real GGUF file sizes.',
      '',
      '| model | GGUF file | estimate | error |',
      '|---|---|---|---|',
      ...sizeRows,
      '',
      'Decode speed (whole model on the GPU, short context): efficiency × bandwidth ÷ weight bytes, plus ~1 ms per token.',
      '',
      '| GPU | model | published t/s | estimate t/s | error | source |',
      '|---|---|---|---|---|---|',
      ...speedRows,
      '',
      `Worst: weights ${(worstSize * 100).toFixed(1)} % (goal ≤ 5 %), speed ${(worstSpeed * 100).toFixed(1)} % (goal ≤ 25 %).`
    ].join('\n')
  }
}
