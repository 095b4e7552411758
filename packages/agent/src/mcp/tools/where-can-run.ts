import { z } from 'zod'
import { RUNTIME_MINIMUM_BYTES, byName, formatBytes, hostSlots, modelRequirement, speedOn, type GpuSlot, type Plan } from '@gpufleet/core'
import { fleetTool } from './tool.js'
import { modelInputShape, resolveModel } from './model-input.js'

const bytes = z.number().int().nonnegative()
const tokensPerSecond = z.number().nonnegative().nullable()

const output = z.object({
  model: z.object({ name: z.string(), inCatalog: z.boolean(), params: z.number(), quantization: z.string(), contextLength: z.number().int() }),
  /** VRAM the planner reserves for it (policy.fit), and the estimate behind it. */
  requirement: z.object({
    bytes,
    fit: z.enum(['recommended', 'min']),
    source: z.enum(['catalog', 'estimate']),
    estimate: z.object({ weightsBytes: bytes, kvCacheBytes: bytes, overheadBytes: bytes, totalBytes: bytes })
  }),
  /** GPUs that can hold it now, fastest first: capacity = total − VRAM used by other programs − reserve. */
  fits: z.array(z.object({
    host: z.string(),
    gpu: z.number().int().nonnegative(),
    gpuModel: z.string(),
    totalBytes: bytes,
    usedByOthersBytes: bytes,
    reserveBytes: bytes,
    capacityBytes: bytes,
    decodeTokensPerSecond: tokensPerSecond,
    /** What the plan in force puts on this GPU now, and whether the model fits beside it. */
    plan: z.object({ models: z.array(z.string()), assignedBytes: bytes, freeBesidePlanBytes: bytes, fitsBesidePlan: z.boolean() })
  })),
  /** Every other GPU (or GPU-less host), with why it cannot. */
  cannot: z.array(z.object({
    host: z.string(),
    gpu: z.number().int().nonnegative().nullable(),
    gpuModel: z.string().nullable(),
    code: z.enum(['offline', 'no-gpu', 'excluded', 'too-small']),
    reason: z.string()
  })),
  /**
   * With policy.allowSplit, when no single GPU holds it: hosts whose eligible GPUs together do (the
   * planner's rule: the model plus one runtime minimum per extra GPU within their summed capacity).
   */
  split: z.array(z.object({ host: z.string(), gpus: z.array(z.number().int().nonnegative()), capacityBytes: bytes })),
  /** When no GPU (nor split) can hold it: the speed partly run from system RAM on the largest eligible GPU. */
  offload: z.object({ host: z.string(), gpu: z.number().int().nonnegative(), capacityBytes: bytes, decodeTokensPerSecond: tokensPerSecond }).nullable(),
  planTerm: z.number().int().nonnegative().nullable()
})
type Output = z.infer<typeof output>

const round1 = (n: number | null): number | null => n === null ? null : Math.round(n * 10) / 10

/** The plan's models on one GPU and the VRAM they take there (a split model counts its share). */
function planOn (plan: Plan | null, host: string, gpu: number): { models: string[], assignedBytes: number } {
  const here = (plan?.assignments ?? []).filter(a => a.host === host && a.gpus.includes(gpu))
  return { models: here.map(a => a.model), assignedBytes: here.reduce((sum, a) => sum + (a.vramBytesPerGpu?.[a.gpus.indexOf(gpu)] ?? a.vramBytes), 0) }
}

export const whereCanRunTool = fleetTool({
  name: 'where_can_run',
  title: 'Where can this model run?',
  description: 'Which GPUs of which hosts can hold a model now (a catalog model, or params + quantization + context), with the VRAM estimate and decode speed on each, what the plan already puts there, and why every other GPU cannot. Uses the planner\'s own capacity rule: total − VRAM used by other programs − reserve. A model that fits nowhere gets the speed it would have partly offloaded to system RAM.',
  input: z.object(modelInputShape),
  output,
  run: async (source, args) => {
    const [status, catalog] = await Promise.all([source.status(), source.catalog()])
    const { model, inCatalog } = await resolveModel(args, async () => catalog)
    const { policy } = catalog
    const req = modelRequirement(model, policy.fit)
    const fits: Output['fits'] = []
    const cannot: Output['cannot'] = []
    const eligible: GpuSlot[] = []
    for (const host of [...status.hosts].sort((a, b) => byName(a.hostname, b.hostname))) {
      if (host.online === false) {
        const reason = `host offline (last seen ${host.lastSeen ?? 'never'})`
        if (host.gpus.length === 0) cannot.push({ host: host.hostname, gpu: null, gpuModel: null, code: 'offline', reason })
        for (const g of host.gpus) cannot.push({ host: host.hostname, gpu: g.index, gpuModel: g.model, code: 'offline', reason })
        continue
      }
      if (host.gpus.length === 0) { cannot.push({ host: host.hostname, gpu: null, gpuModel: null, code: 'no-gpu', reason: 'no GPU on this host' }); continue }
      for (const slot of hostSlots(host, policy.exclude, policy.reserve)) {
        if (!slot.eligible || slot.totalBytes === null) {
          cannot.push({ host: slot.host, gpu: slot.gpu, gpuModel: slot.model, code: 'excluded', reason: slot.excludedReason ?? 'not eligible' })
          continue
        }
        eligible.push(slot)
        if (slot.capacityBytes < req.bytes) {
          cannot.push({ host: slot.host, gpu: slot.gpu, gpuModel: slot.model, code: 'too-small', reason: `needs ${formatBytes(req.bytes)}; ${formatBytes(slot.capacityBytes)} can be used (${formatBytes(slot.totalBytes)} − ${formatBytes(slot.usedByOthersBytes)} used by other programs − ${formatBytes(slot.reserveBytes)} reserve)` })
          continue
        }
        const onGpu = planOn(status.plan, slot.host, slot.gpu)
        const besidePlan = Math.max(0, slot.capacityBytes - onGpu.assignedBytes)
        fits.push({
          host: slot.host, gpu: slot.gpu, gpuModel: slot.model, totalBytes: slot.totalBytes, usedByOthersBytes: slot.usedByOthersBytes, reserveBytes: slot.reserveBytes, capacityBytes: slot.capacityBytes,
          decodeTokensPerSecond: round1(speedOn([slot], req, model.params, model.activeParams, policy.ramBandwidthGBs)),
          plan: { ...onGpu, freeBesidePlanBytes: besidePlan, fitsBesidePlan: onGpu.models.includes(model.name) || besidePlan >= req.bytes }
        })
      }
    }
    fits.sort((a, b) => (b.decodeTokensPerSecond ?? -1) - (a.decodeTokensPerSecond ?? -1) || byName(a.host, b.host) || a.gpu - b.gpu)
    const split = fits.length > 0 || !policy.allowSplit ? [] : splitHosts(eligible, req.bytes)
    // The planner's choice for a model too large anywhere: the largest eligible GPU, ties by host then index.
    const largest = [...eligible].sort((a, b) => b.capacityBytes - a.capacityBytes || byName(a.host, b.host) || a.gpu - b.gpu)[0]
    const offload = fits.length > 0 || split.length > 0 || largest === undefined
      ? null
      : { host: largest.host, gpu: largest.gpu, capacityBytes: largest.capacityBytes, decodeTokensPerSecond: round1(speedOn([largest], req, model.params, model.activeParams, policy.ramBandwidthGBs, largest.capacityBytes)) }
    const structured: Output = {
      model: { name: model.name, inCatalog, params: model.params, quantization: model.quantization, contextLength: model.contextLength },
      requirement: { bytes: req.bytes, fit: policy.fit, source: req.source, estimate: { weightsBytes: req.estimate.weightsBytes, kvCacheBytes: req.estimate.kvCacheBytes, overheadBytes: req.estimate.overheadBytes, totalBytes: req.estimate.totalBytes } },
      fits,
      cannot,
      split,
      offload,
      planTerm: status.plan?.term ?? null
    }
    return { structured, text: summary(structured) }
  }
})

/** Hosts with several eligible GPUs whose summed capacity holds the model, as the planner allows a split. */
function splitHosts (eligible: GpuSlot[], need: number): Output['split'] {
  const byHost = new Map<string, GpuSlot[]>()
  for (const s of eligible) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s])
  return [...byHost].filter(([, slots]) => slots.length > 1)
    .map(([host, slots]) => ({ host, gpus: slots.map(s => s.gpu), capacityBytes: slots.reduce((sum, s) => sum + s.capacityBytes, 0) }))
    .filter(h => need + RUNTIME_MINIMUM_BYTES <= h.capacityBytes)
}

function summary (o: Output): string {
  const speed = (t: number | null): string => t === null ? 'speed unknown' : `~${t} tokens/s`
  const lines = [`${o.model.name} needs ${formatBytes(o.requirement.bytes)} (${o.requirement.fit} fit, ${o.requirement.source === 'catalog' ? 'catalog figure' : 'estimated'}).`]
  if (o.fits.length > 0) {
    lines.push(`Fits on ${o.fits.length} GPU(s):`)
    for (const f of o.fits) lines.push(`- ${f.host} GPU ${f.gpu} (${f.gpuModel}): ${formatBytes(f.capacityBytes)} usable, ${speed(f.decodeTokensPerSecond)}; plan there: ${f.plan.models.length === 0 ? 'nothing' : `${f.plan.models.join(', ')} (${formatBytes(f.plan.assignedBytes)})`}${f.plan.fitsBesidePlan ? '' : ', not enough left beside it'}`)
  } else {
    lines.push('Fits on no single GPU now.')
    for (const h of o.split) lines.push(`Split across GPUs ${h.gpus.join('+')} of ${h.host} (${formatBytes(h.capacityBytes)} usable together; policy.allowSplit).`)
    if (o.offload !== null) lines.push(`Partly offloaded to system RAM on ${o.offload.host} GPU ${o.offload.gpu} (${formatBytes(o.offload.capacityBytes)} usable): ${speed(o.offload.decodeTokensPerSecond)}.`)
  }
  for (const c of o.cannot) lines.push(`- not ${c.host}${c.gpu === null ? '' : ` GPU ${c.gpu}`}: ${c.reason}`)
  return lines.join('\n')
}
