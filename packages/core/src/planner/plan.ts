import type { CloudProvider, FleetConfig } from '../config/schema.js'
import { RUNTIME_MINIMUM_BYTES, estimateDecodeSpeed } from '../estimate/estimate.js'
import { modelRequirement, type ModelRequirement } from '../estimate/requirement.js'
import { matchGpu } from '../gpu-table/match.js'
import type { HostReport } from '../schemas/host-report.js'
import { PLAN_SCHEMA, type Assignment, type Plan, type Route, type RouteTarget, type Unplaced } from '../schemas/plan.js'
import type { Holder, Reason } from '../schemas/reason.js'
import { renderReason } from '../report/text.js'
import { byName } from '../order.js'
import { hostSlots, isOnline, type GpuSlot } from './slots.js'
import { solveHost, type Candidate } from './solve-host.js'

export interface PlanInput {
  hosts: readonly HostReport[]
  config: Pick<FleetConfig, 'models' | 'cloud' | 'policy'>
  term?: number
  /** Defaults to the newest collectedAt/lastSeen of the inventory, so the same input gives the same plan. */
  generatedAt?: string
  nodeBudget?: number
}

/**
 * Hosts detailed in a not-chosen reason. The plan travels as one gossip message (64 KiB): every
 * host listed for every unplaced model would outgrow it on a large fleet; the rest are counted.
 */
const HOLDERS_SHOWN = 3

/** Every role the catalog offers, sorted. */
export function catalogRoles (config: Pick<FleetConfig, 'models'>): string[] {
  return [...new Set(config.models.flatMap(m => m.roles))].sort(byName)
}

/**
 * The planner: a pure, deterministic function of inventory, catalog and policy. Each online
 * host gets the models that maximize its roles covered locally, weighted by quality and by
 * policy.roleWeights, within
 * every GPU's capacity (total − VRAM other programs use − reserve); every online host gets a
 * route for every role (local, else peer when allowed, else cloud); every model left out and
 * every GPU not used says why.
 */
export function computePlan (input: PlanInput): Plan {
  const { config } = input
  const policy = config.policy
  const hosts = [...input.hosts].sort((a, b) => byName(a.hostname, b.hostname))
  const online = hosts.filter(isOnline)
  const roles = catalogRoles(config)
  const requirements = new Map<string, ModelRequirement>(config.models.map(m => [m.name, modelRequirement(m, policy.fit)]))
  const weights = roleWeightsOf(roles, policy.roleWeights)
  const candidates: Candidate[] = config.models.map(m => ({ name: m.name, roles: m.roles, quality: m.quality, bytes: requirements.get(m.name)!.bytes }))

  const assignments: Assignment[] = []
  const excluded: Plan['excluded'] = []
  const capacity: NonNullable<Plan['capacity']> = []
  const allSlots: GpuSlot[] = []
  for (const host of online) {
    const slots = hostSlots(host, policy.exclude, policy.reserve)
    allSlots.push(...slots)
    for (const s of slots) if (s.excludedReason !== undefined) excluded.push({ host: s.host, gpu: s.gpu, reason: s.excludedReason, ...(s.excludedDetail === undefined ? {} : { detail: s.excludedDetail }) })
    const eligible = slots.filter(s => s.eligible)
    const solution = solveHost(eligible.map(s => s.capacityBytes), candidates, roles, {
      allowSplit: policy.allowSplit, splitOverheadBytes: RUNTIME_MINIMUM_BYTES, nodeBudget: input.nodeBudget, roleWeights: weights
    })
    const assigned = new Map<number, number>()
    for (const p of solution.placements) {
      const model = config.models[p.candidate]!
      const gpus = p.slots.map(i => eligible[i]!)
      p.slots.forEach((i, k) => assigned.set(i, (assigned.get(i) ?? 0) + p.bytesPerSlot[k]!))
      assignments.push({
        model: model.name,
        host: host.hostname,
        gpus: gpus.map(g => g.gpu),
        vramBytes: p.bytesPerSlot.reduce((a, b) => a + b, 0),
        ...(gpus.length > 1 ? { vramBytesPerGpu: p.bytesPerSlot } : {}),
        roles: [...model.roles],
        decodeTokensPerSecond: round1(speedOn(gpus, requirements.get(model.name)!, model.params, model.activeParams, policy.ramBandwidthGBs))
      })
    }
    slots.forEach(s => {
      const k = eligible.indexOf(s)
      capacity.push({ host: s.host, gpu: s.gpu, totalBytes: s.totalBytes, usedByOthersBytes: s.usedByOthersBytes, reserveBytes: s.reserveBytes, capacityBytes: s.capacityBytes, assignedBytes: k < 0 ? 0 : assigned.get(k) ?? 0, eligible: s.eligible })
    })
  }
  assignments.sort((a, b) => byName(a.host, b.host) || (a.gpus[0] ?? 0) - (b.gpus[0] ?? 0) || byName(a.model, b.model))

  return {
    schema: PLAN_SCHEMA,
    term: input.term ?? 0,
    generatedAt: input.generatedAt ?? newestTimestamp(hosts),
    assignments,
    routes: computeRoutes(online.map(h => h.hostname), roles, assignments, config, policy.allowPeer),
    excluded,
    unplaced: explainUnplaced(config, requirements, assignments, allSlots, policy.allowSplit, policy.ramBandwidthGBs, policy.roleWeights ?? {}),
    capacity
  }
}

function computeRoutes (hosts: string[], roles: string[], assignments: Assignment[], config: PlanInput['config'], allowPeer: boolean): Route[] {
  const quality = new Map(config.models.map(m => [m.name, m.quality]))
  const better = (a: Assignment, b: Assignment): boolean =>
    (quality.get(a.model) ?? 0) - (quality.get(b.model) ?? 0) > 0 || ((quality.get(a.model) ?? 0) === (quality.get(b.model) ?? 0) && (byName(a.host, b.host) || byName(a.model, b.model)) < 0)
  // For each role, every assignment serving it, best first: peers are taken from the top of this list.
  const ranked = new Map(roles.map(role => [role, assignments.filter(a => a.roles?.includes(role) === true).sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))]))
  const byHost = new Map<string, Assignment[]>()
  for (const a of assignments) byHost.set(a.host, [...(byHost.get(a.host) ?? []), a])
  const routes: Route[] = []
  for (const host of hosts) {
    const local = byHost.get(host) ?? []
    for (const role of roles) {
      const mine = local.filter(a => a.roles?.includes(role) === true).reduce<Assignment | undefined>((best, a) => (best === undefined || better(a, best) ? a : best), undefined)
      let target: RouteTarget
      if (mine !== undefined) target = { kind: 'local', model: mine.model }
      else {
        const peer = allowPeer ? ranked.get(role)?.find(a => a.host !== host) : undefined
        target = peer !== undefined ? { kind: 'peer', host: peer.host, model: peer.model } : cloudTarget(config.cloud, role)
      }
      routes.push({ host, role, target })
    }
  }
  return routes
}

function cloudTarget (providers: readonly CloudProvider[], role: string): RouteTarget {
  const provider = providers.find(p => p.models[role] !== undefined)
  if (provider === undefined) {
    const detail: Reason = { code: 'no-provider', params: { role } }
    return { kind: 'none', reason: renderReason(detail, 'en'), detail }
  }
  return { kind: 'cloud', provider: provider.name, model: provider.models[role]! }
}

function explainUnplaced (config: PlanInput['config'], requirements: Map<string, ModelRequirement>, assignments: Assignment[], slots: GpuSlot[], allowSplit: boolean, ramBandwidthGBs: number, roleWeights: Readonly<Record<string, number>>): Unplaced[] {
  const placed = new Set(assignments.map(a => a.model))
  const quality = new Map(config.models.map(m => [m.name, m.quality]))
  const eligible = slots.filter(s => s.eligible)
  const largest = [...eligible].sort((a, b) => b.capacityBytes - a.capacityBytes || byName(a.host, b.host) || a.gpu - b.gpu)[0]
  const hostTotals = new Map<string, number>()
  for (const s of eligible) hostTotals.set(s.host, (hostTotals.get(s.host) ?? 0) + s.capacityBytes)
  const largestHostTotal = Math.max(0, ...hostTotals.values())
  const out: Unplaced[] = []
  const push = (model: string, detail: Reason, extra: Omit<Unplaced, 'model' | 'reason' | 'detail'>): void => {
    out.push({ model, ...extra, reason: renderReason(detail, 'en'), detail })
  }
  for (const model of [...config.models].sort((a, b) => byName(a.name, b.name))) {
    if (placed.has(model.name)) continue
    const req = requirements.get(model.name)!
    if (largest === undefined) {
      push(model.name, { code: 'no-eligible-gpu', params: { needBytes: req.bytes } }, { code: 'no-eligible-gpu', needBytes: req.bytes, largestFreeBytes: null })
      continue
    }
    const fitsSomewhere = req.bytes <= largest.capacityBytes || (allowSplit && req.bytes + RUNTIME_MINIMUM_BYTES <= largestHostTotal)
    if (!fitsSomewhere) {
      const offloaded = round1(speedOn([largest], req, model.params, model.activeParams, ramBandwidthGBs, largest.capacityBytes))
      push(model.name, {
        code: 'too-large',
        params: { needBytes: req.bytes, largestFreeBytes: largest.capacityBytes, host: largest.host, gpu: largest.gpu, largestHostTotalBytes: allowSplit ? largestHostTotal : null, offloadedTokensPerSecond: offloaded }
      }, { code: 'too-large', needBytes: req.bytes, largestFreeBytes: largest.capacityBytes, offloadedTokensPerSecond: offloaded })
      continue
    }
    // What the plan did on each host that could have held it: who serves its roles, who took the VRAM.
    const holderHosts = [...new Set(eligible.filter(s => s.capacityBytes >= req.bytes).map(s => s.host))].sort(byName)
    const hosts: Holder[] = holderHosts.slice(0, HOLDERS_SHOWN).map(host => {
      const local = assignments.filter(a => a.host === host)
      const bigGpus = new Set(eligible.filter(s => s.host === host && s.capacityBytes >= req.bytes).map(s => s.gpu))
      return {
        host,
        roles: model.roles.map(role => {
          const best = local.filter(a => a.roles?.includes(role) === true)
            .sort((a, b) => (quality.get(b.model) ?? 0) - (quality.get(a.model) ?? 0) || byName(a.model, b.model))[0]
          return { role, model: best?.model ?? null, quality: best === undefined ? null : quality.get(best.model) ?? null }
        }),
        vramTakenBy: [...new Set(local.filter(a => a.gpus.some(g => bigGpus.has(g))).map(a => a.model))].sort(byName)
      }
    })
    const weights = Object.fromEntries(model.roles.map(role => [role, roleWeights[role] ?? 1]))
    push(model.name, { code: 'not-chosen', params: { needBytes: req.bytes, quality: model.quality, roleWeights: weights, hosts, otherHosts: Math.max(0, holderHosts.length - HOLDERS_SHOWN) } }, { code: 'not-chosen', needBytes: req.bytes, largestFreeBytes: largest.capacityBytes })
  }
  return out
}

/** Each role's weight in the objective, in the order of `roles`. */
function roleWeightsOf (roles: readonly string[], configured: Readonly<Record<string, number>> | undefined): number[] {
  return roles.map(role => configured?.[role] ?? 1)
}

/**
 * Estimated decode speed of a model on these GPUs (slowest GPU bounds a split), null without
 * bandwidth. With `vramBytes` below the model's size, the rest is read from system RAM (offload).
 */
export function speedOn (gpus: GpuSlot[], req: ModelRequirement, params: number, activeParams: number | undefined, ramBandwidthGBs: number, vramBytes?: number): number | null {
  const bandwidths = gpus.map(g => g.bandwidthGBs ?? matchGpu(g.model, g.totalBytes)?.bandwidthGBs ?? null)
  if (bandwidths.some(b => b === null)) return null
  const first = gpus[0]!
  const spec = matchGpu(first.model, first.totalBytes)
  return estimateDecodeSpeed({
    memory: req.estimate, params, activeParams, bandwidthGBs: Math.min(...(bandwidths as number[])),
    vendor: first.vendor, segment: spec?.segment, vramBytes, ramBandwidthGBs
  }).decodeTokensPerSecond
}

function round1 (n: number | null): number | null {
  return n === null ? null : Math.round(n * 10) / 10
}

function newestTimestamp (hosts: readonly HostReport[]): string {
  const times = hosts.flatMap(h => [h.collectedAt, h.lastSeen]).filter((t): t is string => t !== undefined).sort()
  return times[times.length - 1] ?? '1970-01-01T00:00:00.000Z'
}
