import { z } from 'zod'
import { quotaPressureSchema } from './quota-pressure.js'

const bytes = z.number().int().nonnegative()

/** What serves one role of an unplaced model on a host that could have held it. */
export const roleServiceSchema = z.object({
  role: z.string(),
  /** The model the plan gives this role on that host, null when none does. */
  model: z.string().nullable(),
  quality: z.number().nullable()
})

/** A host with a GPU large enough for an unplaced model, and what the plan did there instead. */
export const holderSchema = z.object({
  host: z.string(),
  roles: z.array(roleServiceSchema),
  /** Models placed on that host's GPUs that could have held the unplaced one: what took the VRAM. */
  vramTakenBy: z.array(z.string())
})

/**
 * Why the planner or an alert says what it says, as data: a code and its parameters. Every view
 * (dashboard, CLI, document) renders it in its own language; the English `reason` sentence beside
 * it stays for API users and logs.
 */
export const reasonSchema = z.discriminatedUnion('code', [
  /** No online host has an eligible GPU at all. */
  z.object({ code: z.literal('no-eligible-gpu'), params: z.object({ needBytes: bytes }) }),
  /** Bigger than the largest eligible GPU (and than any host's GPUs together when splits are allowed). */
  z.object({
    code: z.literal('too-large'),
    params: z.object({
      needBytes: bytes, largestFreeBytes: bytes, host: z.string(), gpu: z.number().int().nonnegative(),
      /** With policy.allowSplit: the most VRAM one host has across its GPUs. */
      largestHostTotalBytes: bytes.nullable(),
      offloadedTokensPerSecond: z.number().nonnegative().nullable()
    })
  }),
  /** It fits somewhere, and the objective preferred other models there. */
  z.object({
    code: z.literal('not-chosen'),
    params: z.object({
      needBytes: bytes, quality: z.number(), roleWeights: z.record(z.string(), z.number()),
      /** The first hosts (by name) that could hold it; the plan is gossiped whole, so the list is capped. */
      hosts: z.array(holderSchema),
      /** How many more hosts could hold it, beyond those listed. */
      otherHosts: z.number().int().nonnegative()
    })
  }),
  /** A policy exclude rule: its text is the operator's own words, shown as written. */
  z.object({ code: z.literal('policy-rule'), params: z.object({ text: z.string(), translations: z.object({ fr: z.string().optional(), en: z.string().optional() }).optional() }) }),
  z.object({ code: z.literal('ollama-unreachable'), params: z.object({ ollamaHost: z.string().nullable() }) }),
  z.object({ code: z.literal('vram-unknown'), params: z.object({}) }),
  /** Only Windows WMI's 32-bit figure is known, so the real size is not. */
  z.object({ code: z.literal('vram-capped'), params: z.object({ cappedBytes: bytes }) }),
  /** A role no local model and no cloud provider serves. */
  z.object({ code: z.literal('no-provider'), params: z.object({ role: z.string() }) }),
  /** A host's use of a cloud provider's limit at its alert ratio or past it (the quota-near alert). */
  z.object({ code: z.literal('quota'), params: quotaPressureSchema })
])
export type Reason = z.infer<typeof reasonSchema>
export type ReasonCode = Reason['code']
export type Holder = z.infer<typeof holderSchema>
