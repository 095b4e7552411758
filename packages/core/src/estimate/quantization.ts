/**
 * Effective bits per weight of each quantization, block scales included, as llama.cpp files
 * measure them (a Q4_K_M file is not 4 bits a weight: Llama 3 8B Q4_K_M is 4.58 GiB for 8.03 B
 * parameters, 4.9 bits). GPTQ/AWQ 4-bit with group size 128 carry a scale and zero per group.
 */
export const QUANTIZATIONS: Record<string, number> = {
  Q2_K: 3.35, Q3_K_S: 3.5, Q3_K_M: 3.91, Q3_K_L: 4.27,
  IQ2_XXS: 2.2, IQ2_XS: 2.43, IQ3_XXS: 3.21, IQ3_M: 3.7, IQ4_XS: 4.46, IQ4_NL: 4.68,
  Q4_0: 4.55, Q4_1: 5.0, Q4_K_S: 4.67, Q4_K_M: 4.89,
  Q5_0: 5.54, Q5_1: 6.0, Q5_K_S: 5.57, Q5_K_M: 5.7,
  Q6_K: 6.56, Q8_0: 8.5,
  F16: 16, BF16: 16, F32: 32,
  GPTQ_4BIT: 4.25, AWQ_4BIT: 4.25, GPTQ_8BIT: 8.25
}

export function bitsPerWeight (quantization: string): number | undefined {
  return QUANTIZATIONS[quantization.trim().toUpperCase().replace(/[- ]/g, '_')]
}

/** Bytes per KV-cache element for each cache type Ollama offers (OLLAMA_KV_CACHE_TYPE). */
export const KV_CACHE_TYPES = ['f16', 'q8_0', 'q4_0'] as const
export type KvCacheType = typeof KV_CACHE_TYPES[number]
export const KV_BYTES_PER_ELEMENT: Record<KvCacheType, number> = { f16: 2, q8_0: 1.0625, q4_0: 0.5625 }
