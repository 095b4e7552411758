import { z } from 'zod'
import { reasonSchema } from './reason.js'

export const PLAN_SCHEMA = 'gpufleet.plan/v1'
const bytes = z.number().int().nonnegative()

export const routeTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), model: z.string() }),
  z.object({ kind: z.literal('peer'), host: z.string(), model: z.string() }),
  z.object({ kind: z.literal('cloud'), provider: z.string(), model: z.string() }),
  /** No local model and no cloud provider serves the role: requests for it are refused. */
  z.object({ kind: z.literal('none'), reason: z.string(), detail: reasonSchema.optional() })
])
export type RouteTarget = z.infer<typeof routeTargetSchema>

export const unplacedCodeSchema = z.enum(['too-large', 'no-eligible-gpu', 'not-chosen'])

export const planSchema = z.object({
  schema: z.literal(PLAN_SCHEMA),
  /** The leader's term: receivers reject plans of a lower term than the highest seen. */
  term: z.number().int().nonnegative(),
  generatedAt: z.iso.datetime(),
  assignments: z.array(z.object({
    model: z.string(),
    host: z.string(),
    gpus: z.array(z.number().int().nonnegative()).min(1),
    vramBytes: bytes,
    /** Share of vramBytes on each GPU of `gpus`, in the same order (differs from vramBytes when split). */
    vramBytesPerGpu: z.array(bytes).optional(),
    roles: z.array(z.string()).optional(),
    /** Estimated decode speed on that GPU (memory-bandwidth bound). */
    decodeTokensPerSecond: z.number().nonnegative().nullable().optional()
  })),
  routes: z.array(z.object({ host: z.string(), role: z.string(), target: routeTargetSchema })),
  excluded: z.array(z.object({ host: z.string(), gpu: z.number().int().nonnegative(), reason: z.string(), detail: reasonSchema.optional() })),
  unplaced: z.array(z.object({
    model: z.string(),
    reason: z.string(),
    code: unplacedCodeSchema.optional(),
    needBytes: bytes.optional(),
    largestFreeBytes: bytes.nullable().optional(),
    /** For too-large models: estimated speed if run partly from system RAM on the largest GPU. */
    offloadedTokensPerSecond: z.number().nonnegative().nullable().optional(),
    /** The reason as a code and its parameters, for views that speak another language than `reason`. */
    detail: reasonSchema.optional()
  })),
  /** Per-GPU budget of online hosts: total − used by other programs − reserve = capacity. */
  capacity: z.array(z.object({
    host: z.string(),
    gpu: z.number().int().nonnegative(),
    totalBytes: bytes.nullable(),
    usedByOthersBytes: bytes,
    reserveBytes: bytes,
    capacityBytes: bytes,
    assignedBytes: bytes,
    eligible: z.boolean()
  })).optional()
})
export type Plan = z.infer<typeof planSchema>
export type Assignment = Plan['assignments'][number]
export type Route = Plan['routes'][number]
export type Unplaced = Plan['unplaced'][number]
