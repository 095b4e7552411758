import { describe, expect, it } from 'vitest'
import { GiB, estimateDecodeSpeed, estimateMemory, matchGpu } from '../src/index.js'

const within = (actual: number, expected: number, tolerance: number): void => {
  expect(Math.abs(actual - expected) / expected, `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance)
}

// Real GGUF file sizes (DOMAIN.md; llama.cpp's llama-bench tables print them).
describe('weights against real GGUF file sizes (within 5 %)', () => {
  it.each([
    ['Llama 2 7B Q4_0', 6.74e9, 'Q4_0', 3.56 * GiB],
    ['Llama 3 8B Q4_K_M', 8.03e9, 'Q4_K_M', 4.58 * GiB],
    ['Llama 3 8B F16', 8.03e9, 'F16', 14.96 * GiB],
    ['Llama 2 7B Q8_0', 6.74e9, 'Q8_0', 6.67 * GiB],
    ['Llama 2 7B F16', 6.74e9, 'F16', 12.55 * GiB]
  ])('%s', (_name, params, quantization, fileBytes) => {
    within(estimateMemory({ params, quantization, contextLength: 2048 }).weightsBytes, fileBytes, 0.05)
  })
})

describe('KV cache and overhead', () => {
  it('Llama 3 8B at 8192 context in f16 is exactly 1 GiB; q8_0 and q4_0 shrink it', () => {
    const arch = { layers: 32, kvHeads: 8, headDim: 128, embeddingLength: 4096 }
    expect(estimateMemory({ params: 8.03e9, quantization: 'Q4_K_M', contextLength: 8192, architecture: arch }).kvCacheBytes).toBe(GiB)
    expect(estimateMemory({ params: 8.03e9, quantization: 'Q4_K_M', contextLength: 8192, kvType: 'q4_0', architecture: arch }).kvCacheBytes).toBeLessThan(0.3 * GiB)
  })

  it('keeps at least the runtime minimum and grows the graph with context', () => {
    const short = estimateMemory({ params: 7e9, quantization: 'Q4_0', contextLength: 2048 })
    const long = estimateMemory({ params: 7e9, quantization: 'Q4_0', contextLength: 32768 })
    expect(short.overheadBytes).toBeGreaterThan(457 * 1024 ** 2)
    expect(long.overheadBytes).toBeGreaterThan(short.overheadBytes)
    expect(short.totalBytes).toBe(short.weightsBytes + short.kvCacheBytes + short.overheadBytes)
  })

  it('refuses an unknown quantization with a typed error', () => {
    expect(() => estimateMemory({ params: 7e9, quantization: 'Q9', contextLength: 2048 })).toThrowError(expect.objectContaining({ name: 'InvalidModelShapeError' }))
  })
})

// Published llama.cpp decode speeds (tg128, whole model on the GPU). Sources in docs/benchmarks.md.
describe('decode speed against published llama.cpp figures (within 25 %)', () => {
  it.each([
    ['RTX 3090', 6.74e9, 'Q4_0', 158],
    ['RTX 3090', 8.03e9, 'Q4_K_M', 112],
    ['RTX 3090', 8.03e9, 'Q4_0', 155],
    ['RTX 3060', 6.74e9, 'Q4_0', 76],
    ['RTX 4090', 6.74e9, 'F16', 61.0],
    ['RTX 4090', 6.74e9, 'Q8_0', 98.1]
  ])('%s %s %s → %s t/s', (gpu, params, quantization, published) => {
    const spec = matchGpu(gpu)!
    const memory = estimateMemory({ params, quantization, contextLength: 512 })
    within(estimateDecodeSpeed({ memory, params, bandwidthGBs: spec.bandwidthGBs, vendor: spec.vendor, segment: spec.segment }).decodeTokensPerSecond, published, 0.25)
  })

  it('reads only the active experts of a MoE model', () => {
    const memory = estimateMemory({ params: 46.7e9, quantization: 'Q4_0', contextLength: 4096 })
    const dense = estimateDecodeSpeed({ memory, params: 46.7e9, bandwidthGBs: 2039 })
    const moe = estimateDecodeSpeed({ memory, params: 46.7e9, activeParams: 12.9e9, bandwidthGBs: 2039 })
    expect(moe.decodeTokensPerSecond / dense.decodeTokensPerSecond).toBeGreaterThan(2.5)
  })

  it('a model that does not fit runs partly from system RAM, many times slower (seed 001: Mixtral on 24 GB)', () => {
    const memory = estimateMemory({ params: 46.7e9, quantization: 'Q4_0', contextLength: 8192 })
    const spec = matchGpu('RTX 3090')!
    const fitting = estimateDecodeSpeed({ memory, params: 46.7e9, activeParams: 12.9e9, bandwidthGBs: spec.bandwidthGBs })
    const spilled = estimateDecodeSpeed({ memory, params: 46.7e9, activeParams: 12.9e9, bandwidthGBs: spec.bandwidthGBs, vramBytes: 24 * GiB, ramBandwidthGBs: 50 })
    expect(spilled.fits).toBe(false)
    expect(spilled.gpuFraction).toBeGreaterThan(0.7)
    expect(spilled.gpuFraction).toBeLessThan(1)
    expect(spilled.decodeTokensPerSecond).toBeLessThan(fitting.decodeTokensPerSecond / 3)
  })
})
