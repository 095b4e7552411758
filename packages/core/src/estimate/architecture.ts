/** The shape of a transformer that memory estimates need. */
export interface Architecture {
  layers: number
  kvHeads: number
  heads: number
  headDim: number
  embeddingLength: number
}

// Typical decoder shapes by size (Llama/Mistral/Qwen families), used when a catalog entry or
// Ollama's metadata gives no architecture. Sorted by parameter count.
const TYPICAL: Array<[maxParams: number, arch: Architecture]> = [
  [0.8e9, { layers: 24, kvHeads: 2, heads: 14, headDim: 64, embeddingLength: 896 }],
  [2e9, { layers: 28, kvHeads: 2, heads: 12, headDim: 128, embeddingLength: 1536 }],
  [4.5e9, { layers: 36, kvHeads: 8, heads: 32, headDim: 128, embeddingLength: 2560 }],
  [9e9, { layers: 32, kvHeads: 8, heads: 32, headDim: 128, embeddingLength: 4096 }],
  [15e9, { layers: 40, kvHeads: 8, heads: 40, headDim: 128, embeddingLength: 5120 }],
  [40e9, { layers: 64, kvHeads: 8, heads: 40, headDim: 128, embeddingLength: 5120 }],
  [Number.POSITIVE_INFINITY, { layers: 80, kvHeads: 8, heads: 64, headDim: 128, embeddingLength: 8192 }]
]

/** The architecture for a parameter count, with any known fields taking precedence. */
export function architectureFor (params: number, known: Partial<Architecture> = {}): Architecture {
  const typical = TYPICAL.find(([max]) => params <= max)?.[1] ?? TYPICAL[TYPICAL.length - 1]![1]
  const heads = known.heads ?? (known.embeddingLength !== undefined && known.headDim !== undefined ? Math.round(known.embeddingLength / known.headDim) : typical.heads)
  return {
    layers: known.layers ?? typical.layers,
    kvHeads: known.kvHeads ?? typical.kvHeads,
    heads,
    headDim: known.headDim ?? (known.embeddingLength !== undefined ? Math.round(known.embeddingLength / heads) : typical.headDim),
    embeddingLength: known.embeddingLength ?? typical.embeddingLength
  }
}
