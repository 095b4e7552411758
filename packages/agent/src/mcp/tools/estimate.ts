import { z } from 'zod'
import { InvalidInputError, catalogModelShape, estimateDocument, estimateDocumentSchema, formatBytes, matchGpu, parseSize } from '@gpufleet/core'
import { fleetTool } from './tool.js'
import { modelInputShape, resolveModel } from './model-input.js'

/** A GPU name the built-in table does not know, or a VRAM size that does not parse. */
export class InvalidEstimateInputError extends InvalidInputError {
  static override readonly NAME = 'InvalidEstimateInputError'
  override name = InvalidEstimateInputError.NAME
}

export const estimateTool = fleetTool({
  name: 'estimate',
  title: 'Estimate VRAM and speed',
  description: 'VRAM a model needs (weights, KV cache, runtime overhead) and, given a GPU from the built-in table or a memory bandwidth, its decode speed; with less VRAM than needed, the speed partly offloaded to system RAM. The same gpufleet.estimate/v1 document as `gpufleet estimate --json`.',
  input: z.object({
    ...modelInputShape,
    gpu: z.string().min(1).max(100).optional().describe('a card of the built-in GPU table, e.g. "RTX 3090"'),
    bandwidthGBs: z.number().positive().max(100_000).optional().describe('memory bandwidth in GB/s instead of gpu'),
    vram: z.union([z.number().int().positive(), z.string().min(1).max(20)]).optional().describe('VRAM available to the model (bytes or "12GiB"; default the gpu card\'s)')
  }),
  output: estimateDocumentSchema,
  run: async (source, args) => {
    const { model, inCatalog } = await resolveModel(args, async () => await source.catalog())
    const gpu = args.gpu === undefined ? undefined : matchGpu(args.gpu)
    if (args.gpu !== undefined && gpu === undefined) throw new InvalidEstimateInputError(`gpu: "${args.gpu}" is not in the GPU table; give bandwidthGBs instead`)
    let vramBytes: number | undefined
    try { vramBytes = typeof args.vram === 'string' ? parseSize(args.vram) : args.vram } catch (err) { throw new InvalidEstimateInputError(`vram: ${(err as Error).message}`) }
    const { document } = estimateDocument({ shape: catalogModelShape(model), name: inCatalog || args.model !== undefined ? model.name : undefined, gpu, bandwidthGBs: args.bandwidthGBs, vramBytes })
    const lines = [`${document.model.name ?? `${Math.round(document.model.params / 1e8) / 10}B params ${document.model.quantization}`}: ${formatBytes(document.totalBytes, { digits: 2 })} (weights ${formatBytes(document.weightsBytes, { digits: 2 })}, KV cache ${formatBytes(document.kvCacheBytes, { digits: 2 })} at ${document.model.contextLength} tokens, overhead ${formatBytes(document.overheadBytes, { digits: 2 })})`]
    if (document.decodeTokensPerSecond !== undefined) lines.push(`decode ~${document.decodeTokensPerSecond} tokens/s at ${document.bandwidthGBs ?? '?'} GB/s${document.gpu === undefined ? '' : ` (${document.gpu.name})`}${document.fits === false ? `; does not fit: ${Math.round((document.gpuFraction ?? 0) * 100)} % of the weights in VRAM, the rest from system RAM` : ''}`)
    return { structured: document, text: lines.join('\n') }
  }
})
