import type { Command } from 'commander'
import {
  InvalidInputError, KV_CACHE_TYPES, catalogModelShape, estimateDocument, formatBytes, matchGpu, parseCount, parseSize, type GpuSpec, type KvCacheType, type ModelShape
} from '@gpufleet/core'
import { loadConfigFiles } from '../inputs/config.js'
import type { CliIo } from '../io.js'
import { collect } from '../options.js'

interface EstimateOptions {
  params?: string, quant?: string, ctx?: string, layers?: string, kvHeads?: string, headDim?: string, heads?: string, embedding?: string,
  activeParams?: string, kvType?: string, gpu?: string, bandwidth?: string, vram?: string, model?: string, gguf?: string, ollamaModel?: string, ollama: string, config: string[], json?: boolean
}


function positiveInt (flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new InvalidInputError(`${flag}: expected a positive integer, got "${value}"`)
  return n
}

function positiveNumber (flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidInputError(`${flag}: expected a positive number, got "${value}"`)
  return n
}

export function registerEstimate (program: Command, io: CliIo): void {
  program.command('estimate')
    .description('VRAM a model needs (weights, KV cache, overhead) and its decode speed on a GPU')
    .option('--params <count>', 'parameter count, e.g. 8.03B')
    .option('--quant <type>', 'quantization, e.g. Q4_K_M, Q8_0, F16')
    .option('--ctx <tokens>', 'context length (default 8192, or the model\'s own)')
    .option('--layers <n>', 'transformer blocks (<arch>.block_count)')
    .option('--kv-heads <n>', 'KV heads (<arch>.attention.head_count_kv)')
    .option('--heads <n>', 'attention heads')
    .option('--head-dim <n>', 'dimension of one head')
    .option('--embedding <n>', 'embedding length')
    .option('--active-params <count>', 'MoE: parameters read per token, e.g. 12.9B')
    .option('--kv-type <type>', `KV cache type: ${KV_CACHE_TYPES.join(', ')} (default f16)`)
    .option('--gpu <name>', 'GPU from the built-in table, e.g. "RTX 3090"')
    .option('--bandwidth <GB/s>', 'memory bandwidth instead of --gpu')
    .option('--vram <size>', 'VRAM available to the model (default: the --gpu card\'s); less than needed means partial offload')
    .option('--model <name>', 'take the model from the catalog instead of --params/--quant')
    .option('--config <file>', 'config with the catalog for --model (layered on the shipped one)', collect, [])
    .option('--gguf <file>', "read the model's shape from a local GGUF file's header")
    .option('--ollama-model <name>', "read the model's shape from Ollama's /api/show")
    .option('--ollama <url>', 'Ollama address for --ollama-model', 'http://127.0.0.1:11434')
    .option('--json', 'print the gpufleet.estimate/v1 document')
    .action(async (opts: EstimateOptions) => { io.out(await runEstimate(opts)) })
}

async function runEstimate (opts: EstimateOptions): Promise<string> {
  if (opts.kvType !== undefined && !(KV_CACHE_TYPES as readonly string[]).includes(opts.kvType)) throw new InvalidInputError(`--kv-type: expected one of ${KV_CACHE_TYPES.join(', ')}, got "${opts.kvType}"`)
  const kvType = opts.kvType as KvCacheType | undefined
  const architecture = {
    layers: positiveInt('--layers', opts.layers), kvHeads: positiveInt('--kv-heads', opts.kvHeads), heads: positiveInt('--heads', opts.heads),
    headDim: positiveInt('--head-dim', opts.headDim), embeddingLength: positiveInt('--embedding', opts.embedding)
  }
  const ctx = positiveInt('--ctx', opts.ctx)
  const sources = [opts.model, opts.gguf, opts.ollamaModel].filter(x => x !== undefined).length
  if (sources > 1) throw new InvalidInputError('estimate: give only one of --model, --gguf and --ollama-model')
  let shape: ModelShape
  if (opts.model !== undefined) {
    const config = loadConfigFiles(opts.config)
    const entry = config.models.find(m => m.name === opts.model)
    if (entry === undefined) throw new InvalidInputError(`--model: "${opts.model}" is not in the catalog (have: ${config.models.map(m => m.name).join(', ')})`)
    shape = catalogModelShape(entry)
  } else if (opts.gguf !== undefined) {
    const { shapeFromGgufFile } = await import('@gpufleet/probe')
    shape = await shapeFromGgufFile(opts.gguf)
  } else if (opts.ollamaModel !== undefined) {
    const { shapeFromOllama } = await import('@gpufleet/probe')
    shape = await shapeFromOllama(opts.ollamaModel, { host: opts.ollama })
  } else {
    if (opts.params === undefined || opts.quant === undefined) throw new InvalidInputError('estimate: give --params and --quant, or --model, --gguf or --ollama-model')
    shape = { params: parseCount(opts.params), quantization: opts.quant, contextLength: 8192, activeParams: opts.activeParams === undefined ? undefined : parseCount(opts.activeParams) }
  }
  // Flags given explicitly refine whatever the source said.
  const given = Object.fromEntries(Object.entries(architecture).filter(([, v]) => v !== undefined))
  shape = { ...shape, architecture: { ...shape.architecture, ...given }, contextLength: ctx ?? shape.contextLength, kvType: kvType ?? shape.kvType ?? 'f16' }
  let gpu: GpuSpec | undefined
  if (opts.gpu !== undefined) {
    gpu = matchGpu(opts.gpu)
    if (gpu === undefined) throw new InvalidInputError(`--gpu: "${opts.gpu}" is not in the GPU table; give --bandwidth GB/s instead`)
  }
  const bandwidth = positiveNumber('--bandwidth', opts.bandwidth) ?? gpu?.bandwidthGBs
  const { document: doc, speed } = estimateDocument({ shape, name: opts.model, gpu, bandwidthGBs: bandwidth, vramBytes: opts.vram !== undefined ? parseSizeFlag(opts.vram) : undefined })
  if (opts.json === true) return JSON.stringify(doc, null, 2)
  const lines = [
    `weights    ${formatBytes(doc.weightsBytes, { digits: 2 })} (${doc.model.bitsPerWeight} bits/weight)`,
    `KV cache   ${formatBytes(doc.kvCacheBytes, { digits: 2 })} (${doc.model.contextLength} tokens, ${doc.model.kvType})`,
    `overhead   ${formatBytes(doc.overheadBytes, { digits: 2 })}`,
    `total      ${formatBytes(doc.totalBytes, { digits: 2 })}`
  ]
  if (speed !== undefined) {
    lines.push(`decode     ~${Math.round(speed.decodeTokensPerSecond)} tokens/s at ${bandwidth} GB/s × ${speed.efficiency}${gpu !== undefined ? ` (${gpu.name})` : ''}`)
    if (!speed.fits) lines.push(`           does not fit: ${Math.round(speed.gpuFraction * 100)} % of the weights in VRAM, the rest read from system RAM`)
  }
  return lines.join('\n')
}

function parseSizeFlag (value: string): number {
  try {
    return parseSize(value)
  } catch (err) {
    throw new InvalidInputError(`--vram: ${(err as Error).message}`)
  }
}
