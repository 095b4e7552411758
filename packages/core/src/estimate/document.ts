import type { GpuSpec } from '../gpu-table/types.js'
import { ESTIMATE_SCHEMA, estimateDocumentSchema, type EstimateDocument } from '../schemas/estimate.js'
import { estimateDecodeSpeed, estimateMemory, type MemoryEstimate, type ModelShape, type SpeedEstimate } from './estimate.js'

export interface EstimateDocumentInput {
  shape: ModelShape
  /** The catalog name, when the shape came from the catalog. */
  name?: string
  /** A card of the GPU table: its bandwidth, vendor efficiency and VRAM. */
  gpu?: GpuSpec
  /** GB/s; overrides the card's. */
  bandwidthGBs?: number
  /** VRAM available to the model; overrides the card's. Less than needed means partial offload. */
  vramBytes?: number
}

/**
 * The `gpufleet.estimate/v1` document for a model shape (CONTRACT.md "Estimate"): memory always,
 * decode speed when a card or a bandwidth is known. One builder for every surface that answers it.
 */
export function estimateDocument (input: EstimateDocumentInput): { document: EstimateDocument, memory: MemoryEstimate, speed?: SpeedEstimate } {
  const { shape, gpu } = input
  const kvType = shape.kvType ?? 'f16'
  const bandwidth = input.bandwidthGBs ?? gpu?.bandwidthGBs
  const memory = estimateMemory({ ...shape, kvType }, { metal: gpu?.vendor === 'apple' })
  const vramBytes = input.vramBytes ?? (gpu?.vramGiB != null ? gpu.vramGiB * 1024 ** 3 : undefined)
  const speed = bandwidth === undefined ? undefined : estimateDecodeSpeed({ memory, params: shape.params, activeParams: shape.activeParams, bandwidthGBs: bandwidth, vendor: gpu?.vendor, segment: gpu?.segment, vramBytes })
  const document = estimateDocumentSchema.parse({
    schema: ESTIMATE_SCHEMA,
    model: { ...(input.name !== undefined ? { name: input.name } : {}), params: shape.params, activeParams: shape.activeParams ?? shape.params, quantization: shape.quantization.toUpperCase(), bitsPerWeight: memory.bitsPerWeight, contextLength: shape.contextLength, kvType, architecture: memory.architecture },
    weightsBytes: memory.weightsBytes,
    kvCacheBytes: memory.kvCacheBytes,
    overheadBytes: memory.overheadBytes,
    totalBytes: memory.totalBytes,
    ...(gpu !== undefined ? { gpu: { name: gpu.name, vendor: gpu.vendor, bandwidthGBs: gpu.bandwidthGBs, vramBytes: gpu.vramGiB === null ? null : gpu.vramGiB * 1024 ** 3 } } : {}),
    ...(speed !== undefined
      ? { bandwidthGBs: bandwidth, efficiency: speed.efficiency, decodeTokensPerSecond: Math.round(speed.decodeTokensPerSecond * 10) / 10, ...(vramBytes !== undefined ? { vramBytes, fits: speed.fits, gpuFraction: Math.round(speed.gpuFraction * 1000) / 1000 } : {}) }
      : {})
  })
  return { document, memory, ...(speed !== undefined ? { speed } : {}) }
}
