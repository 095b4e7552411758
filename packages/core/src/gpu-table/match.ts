import { GPU_TABLE } from './data.js'
import type { GpuSpec } from './types.js'

// Words that vendors and drivers put around the model name and that never tell two cards apart.
const NOISE = new Set(['nvidia', 'geforce', 'amd', 'ati', 'radeon', 'intel', 'apple', 'tm', 'r', 'graphics', 'gpu',
  'corporation', 'inc', 'with', 'design', 'generation', 'series', 'sxm', 'sxm2', 'sxm4', 'sxm5', 'hbm2', 'hbm2e', 'hbm3',
  'hbm3e', 'tesla', 'quadro', 'instinct'])
// Laptop parts go by several names across driver generations.
const LAPTOP_WORDS = new Set(['laptop', 'mobile', 'maxq', 'notebook'])
const SIZE_TOKEN = /^(\d+)gb$/

/** Lower-case words of a GPU name, vendor noise dropped and laptop synonyms unified as "laptop". */
export function gpuNameTokens (name: string): string[] {
  const text = name.toLowerCase().replace(/max-q/g, 'maxq').replace(/\((tm|r)\)/g, ' ')
  const tokens: string[] = []
  // "rtx3090" is written "RTX 3090" elsewhere: split letters from the digits that follow them.
  for (const raw of text.replace(/([a-z])(?=\d)/g, '$1 ').split(/[^a-z0-9]+/)) {
    if (raw === '' || NOISE.has(raw)) continue
    const token = LAPTOP_WORDS.has(raw) ? 'laptop' : raw
    if (!tokens.includes(token)) tokens.push(token)
  }
  return tokens
}

interface IndexedSpec { spec: GpuSpec, words: string[] }
// Memory-size words ("80gb") are not part of the name to match: sizes are compared as numbers.
const INDEX: IndexedSpec[] = GPU_TABLE.map(spec => ({ spec, words: gpuNameTokens(spec.name).filter(t => !SIZE_TOKEN.test(t)) }))

/**
 * Finds the table entry for a GPU name as drivers print it ("NVIDIA GeForce RTX 3090",
 * "NVIDIA A100-SXM4-80GB", "AMD Radeon RX 6600"). Every word of the entry must be in the name,
 * and the entry matching the most words wins, so "RTX 3080 Ti Laptop GPU" finds the laptop part
 * rather than the desktop RTX 3080. Between memory sizes of one model the size written in the
 * name decides, else the reported `vramBytes`, else the most common size (listed first).
 */
export function matchGpu (name: string, vramBytes?: number | null): GpuSpec | undefined {
  // Pure and called for every assignment of every plan: remember answers (a fleet has few GPU models).
  const key = `${name}\u0000${vramBytes ?? ''}`
  if (MEMO.has(key)) return MEMO.get(key)
  const spec = lookup(name, vramBytes)
  if (MEMO.size > 10_000) MEMO.clear()
  MEMO.set(key, spec)
  return spec
}

const MEMO = new Map<string, GpuSpec | undefined>()

function lookup (name: string, vramBytes?: number | null): GpuSpec | undefined {
  const tokens = gpuNameTokens(name)
  const sizeInName = tokens.map(t => SIZE_TOKEN.exec(t)?.[1]).find(s => s !== undefined)
  const namedGiB = sizeInName === undefined ? undefined : Number(sizeInName)
  const words = new Set(tokens.filter(t => !SIZE_TOKEN.test(t)))
  let best: IndexedSpec[] = []
  let bestScore = Number.NEGATIVE_INFINITY
  for (const entry of INDEX) {
    if (entry.words.length === 0 || !entry.words.every(w => words.has(w))) continue
    // A size in the name that contradicts the entry outweighs one extra matching word
    // ("A100-PCIE-40GB" is not the 80 GB PCIe card), yet never rules the entry out: drivers
    // print "GH200 480GB", the memory of CPU and GPU together.
    const sizeConflict = namedGiB !== undefined && entry.spec.vramGiB != null && entry.spec.vramGiB !== namedGiB
    const score = entry.words.length - (sizeConflict ? 1.5 : 0)
    if (score > bestScore) { best = [entry]; bestScore = score } else if (score === bestScore) best.push(entry)
  }
  const targetGiB = namedGiB ?? (vramBytes == null ? undefined : vramBytes / 1024 ** 3)
  if (best.length <= 1 || targetGiB === undefined) return best[0]?.spec
  // Strictly closer wins, so equal distances keep the first (most common) entry.
  return best.reduce((a, b) => distance(b, targetGiB) < distance(a, targetGiB) ? b : a).spec
}

function distance (entry: IndexedSpec, gib: number): number {
  return Math.abs((entry.spec.vramGiB ?? 0) - gib)
}
