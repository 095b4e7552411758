import { z } from 'zod'

export const ESTIMATE_SCHEMA = 'gpufleet.estimate/v1'
const bytes = z.number().int().nonnegative()

export const estimateDocumentSchema = z.object({
  schema: z.literal(ESTIMATE_SCHEMA),
  model: z.object({
    name: z.string().optional(),
    params: z.number().int().positive(),
    activeParams: z.number().int().positive(),
    quantization: z.string(),
    bitsPerWeight: z.number().positive(),
    contextLength: z.number().int().positive(),
    kvType: z.string(),
    architecture: z.object({ layers: z.number().int(), kvHeads: z.number().int(), heads: z.number().int(), headDim: z.number().int(), embeddingLength: z.number().int() })
  }),
  weightsBytes: bytes,
  kvCacheBytes: bytes,
  overheadBytes: bytes,
  totalBytes: bytes,
  gpu: z.object({ name: z.string(), vendor: z.string(), bandwidthGBs: z.number(), vramBytes: bytes.nullable() }).optional(),
  bandwidthGBs: z.number().positive().optional(),
  efficiency: z.number().positive().optional(),
  /** Present when a GPU or a bandwidth was given. */
  decodeTokensPerSecond: z.number().nonnegative().optional(),
  vramBytes: bytes.optional(),
  fits: z.boolean().optional(),
  /** Share of the weights in VRAM; below 1 the rest is read from system RAM (partial offload). */
  gpuFraction: z.number().min(0).max(1).optional()
})
export type EstimateDocument = z.infer<typeof estimateDocumentSchema>
