import { z } from 'zod'
import { InvalidInputError, KV_CACHE_TYPES, catalogModelSchema, type CatalogDocument, type CatalogModel } from '@gpufleet/core'

/** A model named from the catalog, or described by its size: what where_can_run and estimate take. */
export const modelInputShape = {
  model: z.string().min(1).max(200).optional().describe('a model of the fleet catalog (its Ollama tag), e.g. "qwen2.5-coder:32b"'),
  params: z.union([z.number().positive(), z.string().min(1).max(40)]).optional().describe('instead of model: parameter count, e.g. "32.8B" or 32800000000'),
  quantization: z.string().min(1).max(20).optional().describe('with params: Q4_K_M, Q5_K_M, Q8_0, F16…'),
  contextLength: z.number().int().positive().max(10_000_000).optional().describe('context in tokens (default: the catalog model\'s, else 8192)'),
  kvType: z.enum(KV_CACHE_TYPES).optional().describe('KV cache element type (default f16)'),
  layers: z.number().int().positive().max(1000).optional().describe('with params, when known: transformer blocks (sharpens the KV-cache estimate)'),
  kvHeads: z.number().int().positive().max(1000).optional().describe('with params, when known: KV heads'),
  headDim: z.number().int().positive().max(10_000).optional().describe('with params, when known: dimension of one head')
}
export type ModelInput = z.infer<z.ZodObject<typeof modelInputShape>>

/** A model the input does not describe: unknown catalog name, missing size, unknown quantization. */
export class InvalidModelInputError extends InvalidInputError {
  static override readonly NAME = 'InvalidModelInputError'
  override name = InvalidModelInputError.NAME
}

/**
 * The model as a catalog entry, so the planner's own rules size it. A catalog model keeps its VRAM
 * figures unless another context is asked for (they were written for its own context): then it
 * is estimated, like a model given by its size. The catalog is only fetched for a catalog name:
 * a model given by its size is estimated even when no agent answers.
 */
export async function resolveModel (input: ModelInput, catalog: () => Promise<CatalogDocument>): Promise<{ model: CatalogModel, inCatalog: boolean }> {
  if (input.params === undefined && input.quantization === undefined) {
    if (input.model === undefined) throw new InvalidModelInputError('give model (a catalog name), or params and quantization')
    const { models } = await catalog()
    const entry = models.find(m => m.name === input.model)
    if (entry === undefined) throw new InvalidModelInputError(`model "${input.model}" is not in the catalog (have: ${models.map(m => m.name).join(', ')}); give params and quantization for another model`)
    const contextChanged = input.contextLength !== undefined && input.contextLength !== entry.contextLength
    return { model: { ...entry, ...(contextChanged ? { contextLength: input.contextLength, vram: undefined } : {}), ...(input.kvType !== undefined ? { kvType: input.kvType } : {}) }, inCatalog: true }
  }
  if (input.params === undefined || input.quantization === undefined) throw new InvalidModelInputError('params and quantization go together')
  const parsed = catalogModelSchema.safeParse({ name: input.model ?? 'custom', params: input.params, quantization: input.quantization, contextLength: input.contextLength, kvType: input.kvType, layers: input.layers, kvHeads: input.kvHeads, headDim: input.headDim, roles: ['chat'], quality: 1 })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new InvalidModelInputError(`${issue?.path.join('.') ?? 'model'}: ${issue?.message ?? 'invalid'}`)
  }
  return { model: parsed.data, inCatalog: false }
}
