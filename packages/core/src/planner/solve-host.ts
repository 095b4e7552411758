/** A catalog model as the solver sees it. */
export interface Candidate {
  name: string
  roles: readonly string[]
  quality: number
  bytes: number
}

export interface Placement {
  /** Index into the candidates array given to solveHost. */
  candidate: number
  /** Indices into the slot capacities given to solveHost. */
  slots: number[]
  bytesPerSlot: number[]
}

export interface HostSolution {
  placements: Placement[]
  /** Σ over roles of weight × the best quality placed for that role: what the planner maximizes. */
  value: number
  bytes: number
  /** False when the search stopped at its node budget (the best found so far is returned). */
  exact: boolean
  nodes: number
}

export interface SolveHostOptions {
  /** Let one model span several GPUs (tensor split), each extra GPU costing `splitOverheadBytes`. */
  allowSplit?: boolean
  splitOverheadBytes?: number
  /** Search nodes before settling for the best plan found; 8 models × 4 GPUs never reach it. */
  nodeBudget?: number
  /** Weight of each role, in the order of `roles` (policy.roleWeights); 1 each when absent. */
  roleWeights?: readonly number[]
}

const EPS = 1e-9

/**
 * Picks which models this host runs and on which GPU, maximizing Σ over roles of the role's
 * weight × the best quality available locally for that role, then using the least VRAM. Exact branch and bound:
 * models are tried best first (so the first leaf is the greedy plan), a branch stops when even
 * the best remaining model for every role could not beat the best plan found, a model that
 * improves no role is never placed, and GPUs with equal free VRAM are tried once.
 */
export function solveHost (capacities: readonly number[], candidates: readonly Candidate[], roles: readonly string[], options: SolveHostOptions = {}): HostSolution {
  const budget = options.nodeBudget ?? 200_000
  const overhead = options.splitOverheadBytes ?? 0
  const roleIndex = new Map(roles.map((r, i) => [r, i]))
  const weight = roles.map((_, i) => options.roleWeights?.[i] ?? 1)
  const maxCapacity = capacities.reduce((a, b) => Math.max(a, b), 0)
  const totalCapacity = capacities.reduce((a, b) => a + b, 0)
  const fits = (c: Candidate): boolean => c.bytes <= maxCapacity || (options.allowSplit === true && capacities.length > 1 && c.bytes + overhead <= totalCapacity)

  // Best first; ties by smaller size then name, so the search order is fully determined.
  const sorted = candidates.map((c, i) => ({ c, i })).filter(({ c }) => fits(c))
    .sort((a, b) => b.c.quality - a.c.quality || a.c.bytes - b.c.bytes || (a.c.name < b.c.name ? -1 : a.c.name > b.c.name ? 1 : 0))
  // Dominance is transitive, so comparing with the models kept so far is enough.
  const order: typeof sorted = []
  for (const x of sorted) if (!order.some(y => dominates(y.c, x.c))) order.push(x)
  const n = order.length
  const roleIdx = order.map(({ c }) => c.roles.map(r => roleIndex.get(r)).filter((r): r is number => r !== undefined))
  // suffixBest[i][r]: the best quality any model from i on offers for role r.
  const suffixBest: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(roles.length).fill(0))
  for (let i = n - 1; i >= 0; i--) {
    const row = [...suffixBest[i + 1]!]
    for (const r of roleIdx[i]!) row[r] = Math.max(row[r]!, order[i]!.c.quality)
    suffixBest[i] = row
  }

  const remaining = [...capacities]
  const bestQ = new Array<number>(roles.length).fill(0)
  const chosen: Placement[] = []
  let value = 0
  let bytes = 0
  let best: HostSolution = { placements: [], value: 0, bytes: 0, exact: true, nodes: 0 }
  let nodes = 0
  let stopped = false

  const record = (): void => {
    if (value > best.value + EPS || (Math.abs(value - best.value) <= EPS && bytes < best.bytes)) {
      best = { placements: chosen.map(p => ({ ...p, slots: [...p.slots], bytesPerSlot: [...p.bytesPerSlot] })), value, bytes, exact: true, nodes: 0 }
    }
  }

  const place = (i: number, p: Placement): void => {
    const saved = roleIdx[i]!.map(r => bestQ[r]!)
    p.slots.forEach((s, k) => { remaining[s]! -= p.bytesPerSlot[k]! })
    for (const r of roleIdx[i]!) bestQ[r] = Math.max(bestQ[r]!, order[i]!.c.quality)
    const before = value
    value = bestQ.reduce((a, q, r) => a + weight[r]! * q, 0)
    const added = p.bytesPerSlot.reduce((a, b) => a + b, 0)
    bytes += added
    chosen.push(p)
    search(i + 1)
    chosen.pop()
    bytes -= added
    value = before
    roleIdx[i]!.forEach((r, k) => { bestQ[r] = saved[k]! })
    p.slots.forEach((s, k) => { remaining[s]! += p.bytesPerSlot[k]! })
  }

  const search = (i: number): void => {
    if (stopped) return
    if (++nodes > budget) { stopped = true; return }
    record()
    if (i >= n) return
    let bound = value
    for (let r = 0; r < roles.length; r++) bound += weight[r]! * Math.max(0, suffixBest[i]![r]! - bestQ[r]!)
    if (bound < best.value - EPS || (bound <= best.value + EPS && bytes >= best.bytes)) return
    const { c, i: original } = order[i]!
    const gain = roleIdx[i]!.some(r => c.quality > bestQ[r]! + EPS)
    if (gain) {
      const tried = new Set<number>()
      // Best fit first: the fullest GPU that still holds the model keeps big GPUs free.
      const singles = remaining.map((free, s) => ({ free, s })).filter(x => x.free >= c.bytes).sort((a, b) => a.free - b.free || a.s - b.s)
      for (const { free, s } of singles) {
        if (tried.has(free)) continue
        tried.add(free)
        place(i, { candidate: original, slots: [s], bytesPerSlot: [c.bytes] })
      }
      if (singles.length === 0 && options.allowSplit === true) {
        const split = splitAcross(remaining, c.bytes, overhead)
        if (split !== undefined) place(i, { candidate: original, ...split })
      }
    }
    search(i + 1)
  }

  search(0)
  return { ...best, exact: !stopped, nodes }
}

/** a makes b useless: it serves every role of b, at least as well, in no more VRAM. */
function dominates (a: Candidate, b: Candidate): boolean {
  return a.quality >= b.quality && a.bytes <= b.bytes && b.roles.every(r => a.roles.includes(r))
}

/** Spreads a model over the GPUs with the most free VRAM, proportionally, fewest GPUs first. */
function splitAcross (remaining: readonly number[], bytes: number, overhead: number): { slots: number[], bytesPerSlot: number[] } | undefined {
  const bySpace = remaining.map((free, s) => ({ free, s })).filter(x => x.free > overhead).sort((a, b) => b.free - a.free || a.s - b.s)
  for (let k = 2; k <= bySpace.length; k++) {
    const picked = bySpace.slice(0, k)
    const total = bytes + (k - 1) * overhead
    const space = picked.reduce((a, x) => a + x.free, 0)
    if (space < total) continue
    const shares = picked.map(x => Math.floor(total * x.free / space))
    shares[0]! += total - shares.reduce((a, b) => a + b, 0)
    if (shares.some((share, j) => share > picked[j]!.free)) continue
    const sorted = picked.map((x, j) => ({ s: x.s, share: shares[j]! })).sort((a, b) => a.s - b.s)
    return { slots: sorted.map(x => x.s), bytesPerSlot: sorted.map(x => x.share) }
  }
  return undefined
}
