import { InvalidInputError } from '../errors.js'
import { decodeEfficiency } from '../gpu-table/efficiency.js'
import type { GpuSpec } from '../gpu-table/types.js'
import type { GpuVendor } from '../schemas/host-report.js'
import { MiB } from '../units/size.js'
import { architectureFor, type Architecture } from './architecture.js'
import { KV_BYTES_PER_ELEMENT, bitsPerWeight, type KvCacheType } from './quantization.js'

/** Ollama keeps at least this much per GPU for the CUDA/ROCm runtime (512 MiB on Metal). */
export const RUNTIME_MINIMUM_BYTES = 457 * MiB
export const RUNTIME_MINIMUM_METAL_BYTES = 512 * MiB
/** llama.cpp's default micro-batch: the compute graph is sized for it. */
const BATCH = 512

export interface ModelShape {
  params: number
  quantization: string
  contextLength: number
  /** MoE: parameters read per token; defaults to all of them. */
  activeParams?: number
  kvType?: KvCacheType
  architecture?: Partial<Architecture>
}

export interface MemoryEstimate {
  weightsBytes: number
  kvCacheBytes: number
  /** Runtime minimum plus the compute-graph buffer, which grows with context. */
  overheadBytes: number
  totalBytes: number
  architecture: Architecture
  bitsPerWeight: number
}

/** An unknown quantization or a nonsensical shape. */
export class InvalidModelShapeError extends InvalidInputError {
  static override readonly NAME = 'InvalidModelShapeError'
  override name = InvalidModelShapeError.NAME
}

/**
 * VRAM a model needs, the way Ollama and gguf-parser count it: weights (params × effective
 * bits ÷ 8), KV cache (2 × layers × context × KV heads × head dim × bytes per element), and
 * overhead (the runtime minimum + a graph buffer for one batch over the whole context).
 */
export function estimateMemory (shape: ModelShape, options: { metal?: boolean } = {}): MemoryEstimate {
  const bpw = bitsPerWeight(shape.quantization)
  if (bpw === undefined) throw new InvalidModelShapeError(`unknown quantization "${shape.quantization}"`)
  if (!(shape.params > 0)) throw new InvalidModelShapeError(`params must be positive, got ${shape.params}`)
  if (!(shape.contextLength > 0)) throw new InvalidModelShapeError(`context length must be positive, got ${shape.contextLength}`)
  const arch = architectureFor(shape.params, shape.architecture)
  const weightsBytes = Math.round(shape.params * bpw / 8)
  const kvCacheBytes = Math.round(2 * arch.layers * shape.contextLength * arch.kvHeads * arch.headDim * KV_BYTES_PER_ELEMENT[shape.kvType ?? 'f16'])
  // Ollama's llama graph estimate: 4 bytes × batch × (1 + 4·embedding + context·(1 + heads)).
  const batch = Math.min(BATCH, shape.contextLength)
  const graphBytes = 4 * batch * (1 + 4 * arch.embeddingLength + shape.contextLength * (1 + arch.heads))
  const overheadBytes = (options.metal === true ? RUNTIME_MINIMUM_METAL_BYTES : RUNTIME_MINIMUM_BYTES) + graphBytes
  return { weightsBytes, kvCacheBytes, overheadBytes, totalBytes: weightsBytes + kvCacheBytes + overheadBytes, architecture: arch, bitsPerWeight: bpw }
}

export interface SpeedInput {
  memory: MemoryEstimate
  params: number
  activeParams?: number
  /** GPU memory bandwidth in GB/s. */
  bandwidthGBs: number
  vendor?: GpuVendor
  segment?: GpuSpec['segment']
  /** Overrides the vendor/segment efficiency. */
  efficiency?: number
  /** VRAM available to the model; when smaller than it needs, the rest runs from system RAM. */
  vramBytes?: number
  ramBandwidthGBs?: number
}

export interface SpeedEstimate {
  decodeTokensPerSecond: number
  efficiency: number
  /** Share of the weights resident in VRAM (1 when the model fits). */
  gpuFraction: number
  fits: boolean
}

/** CPU decoding from RAM reaches about half of the RAM's bandwidth. */
const CPU_EFFICIENCY = 0.5
/**
 * Fixed cost of one decode step besides reading weights (kernel launches, sampling, sync):
 * about 1 ms in llama.cpp on CUDA. Negligible for 7B+ models, it keeps a 1.5B model from
 * being credited with 700 tokens/s on an RTX 3090.
 */
export const PER_TOKEN_OVERHEAD_SECONDS = 0.001

/**
 * Decode speed is memory-bound: each token reads every active weight once, so
 * tokens/s ≈ efficiency × bandwidth ÷ bytes read per token. A model that does not fit keeps
 * only part of its weights in VRAM; the rest is read from system RAM, which dominates the time.
 * Calibration against published llama.cpp figures: docs/benchmarks.md.
 */
export function estimateDecodeSpeed (input: SpeedInput): SpeedEstimate {
  const efficiency = input.efficiency ?? decodeEfficiency(input.vendor ?? 'nvidia', input.segment)
  const activeShare = Math.min(1, (input.activeParams ?? input.params) / input.params)
  const bytesPerToken = input.memory.weightsBytes * activeShare
  const nonWeights = input.memory.kvCacheBytes + input.memory.overheadBytes
  const room = input.vramBytes === undefined ? Number.POSITIVE_INFINITY : input.vramBytes - nonWeights
  const gpuFraction = Math.max(0, Math.min(1, room / input.memory.weightsBytes))
  const gpuSeconds = bytesPerToken * gpuFraction / (efficiency * input.bandwidthGBs * 1e9)
  const cpuSeconds = bytesPerToken * (1 - gpuFraction) / (CPU_EFFICIENCY * (input.ramBandwidthGBs ?? 50) * 1e9)
  return { decodeTokensPerSecond: 1 / (gpuSeconds + cpuSeconds + PER_TOKEN_OVERHEAD_SECONDS), efficiency, gpuFraction, fits: gpuFraction >= 1 }
}
