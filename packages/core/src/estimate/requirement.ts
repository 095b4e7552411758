import type { CatalogModel } from '../config/schema.js'
import { estimateMemory, type MemoryEstimate, type ModelShape } from './estimate.js'

/** Context the "min" figure is estimated at when the catalog gives none: enough for a short chat. */
const MIN_CONTEXT = 2048

export function catalogModelShape (model: CatalogModel, contextLength = model.contextLength): ModelShape {
  return {
    params: model.params,
    quantization: model.quantization,
    contextLength,
    activeParams: model.activeParams,
    kvType: model.kvType,
    architecture: { layers: model.layers, kvHeads: model.kvHeads, heads: model.heads, headDim: model.headDim, embeddingLength: model.embeddingLength }
  }
}

export interface ModelRequirement {
  /** VRAM the model is placed with, by the policy's fit (recommended or min). */
  bytes: number
  /** Where the figure came from: the catalog, or the estimator. */
  source: 'catalog' | 'estimate'
  estimate: MemoryEstimate
}

/**
 * VRAM to reserve for a catalog model: the catalog's own figure when it gives one, else the
 * estimate (at its context length for "recommended", at a short context for "min").
 */
export function modelRequirement (model: CatalogModel, fit: 'recommended' | 'min'): ModelRequirement {
  const full = estimateMemory(catalogModelShape(model))
  const given = fit === 'recommended' ? model.vram?.recommended : model.vram?.min
  if (given !== undefined) return { bytes: given, source: 'catalog', estimate: full }
  const estimate = fit === 'recommended' ? full : estimateMemory(catalogModelShape(model, Math.min(MIN_CONTEXT, model.contextLength)))
  return { bytes: estimate.totalBytes, source: 'estimate', estimate }
}
