import { InvalidModelShapeError, type ModelShape } from './estimate.js'

/**
 * llama.cpp's file types (general.file_type) by number, for GGUF files; Ollama's `show` gives the
 * quantization as text instead.
 */
const FILE_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M', 13: 'Q3_K_L',
  14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS', 23: 'IQ3_XXS', 25: 'IQ4_NL', 27: 'IQ3_M', 30: 'IQ4_XS', 32: 'BF16'
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : undefined)

export interface ModelMetadataInput {
  /** GGUF metadata or Ollama's show().model_info: "general.architecture", "<arch>.block_count", … */
  info: Record<string, unknown>
  /** Ollama's details.quantization_level, when the metadata has no general.file_type. */
  quantization?: string
  /** Parameter count from elsewhere (summed tensor sizes) when general.parameter_count is absent. */
  params?: number
  /** Context to estimate at; defaults to the model's own context length, capped at 8192. */
  contextLength?: number
}

/**
 * A model's shape from the metadata every GGUF file and Ollama's `show` carry: parameter count,
 * blocks, attention heads and KV heads, embedding length, context length and quantization.
 */
export function shapeFromMetadata (input: ModelMetadataInput): ModelShape {
  const { info } = input
  const arch = typeof info['general.architecture'] === 'string' ? info['general.architecture'] : undefined
  if (arch === undefined) throw new InvalidModelShapeError('model metadata has no general.architecture')
  const get = (key: string): number | undefined => num(info[`${arch}.${key}`])
  const params = num(info['general.parameter_count']) ?? input.params
  if (params === undefined) throw new InvalidModelShapeError('model metadata has no general.parameter_count')
  const fileType = num(info['general.file_type'])
  const quantization = input.quantization ?? (fileType === undefined ? undefined : FILE_TYPES[fileType])
  if (quantization === undefined) throw new InvalidModelShapeError(`unknown quantization (general.file_type ${String(fileType)})`)
  const heads = get('attention.head_count')
  const embeddingLength = get('embedding_length')
  const headDim = get('attention.key_length') ?? (heads !== undefined && embeddingLength !== undefined ? Math.round(embeddingLength / heads) : undefined)
  const modelContext = get('context_length')
  // MoE: experts used per token out of the total, applied to the feed-forward share (≈ 2/3 of weights).
  const experts = get('expert_count')
  const used = get('expert_used_count')
  const activeParams = experts !== undefined && used !== undefined && experts > 0 ? Math.round(params * (1 / 3 + (2 / 3) * used / experts)) : undefined
  return {
    params,
    quantization,
    contextLength: input.contextLength ?? Math.min(modelContext ?? 8192, 8192),
    ...(activeParams !== undefined ? { activeParams } : {}),
    architecture: { layers: get('block_count'), kvHeads: get('attention.head_count_kv') ?? heads, heads, headDim, embeddingLength }
  }
}
