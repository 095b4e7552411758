import { z } from 'zod'
import { hostReportSchema } from '../schemas/host-report.js'
import { planSchema } from '../schemas/plan.js'

/** Gossip payloads are JSON; anything larger is rejected before parsing. */
export const GOSSIP_MAX_BYTES = 64 * 1024
export const GOSSIP_VERSION = 1

const peerId = z.string().min(10).max(100).regex(/^[1-9A-HJ-NP-Za-km-z]+$/, 'a base58 peer id')
const common = { v: z.literal(GOSSIP_VERSION), peerId, sentAt: z.iso.datetime() }

/** A host's own report: only that host may publish it, with an ever-increasing sequence number. */
export const reportMessageSchema = z.strictObject({
  ...common,
  type: z.literal('report'),
  seq: z.number().int().nonnegative(),
  report: hostReportSchema,
  /** Election priority of a coordinator (0 for workers). */
  priority: z.number().int().nonnegative(),
  /** The node's libp2p addresses (with /p2p/), so every peer can keep a connection to it. */
  addrs: z.array(z.string().startsWith('/').max(300)).max(16),
  /** Its HTTP API address (HOST:PORT), for links from the dashboard. */
  api: z.string().max(300).nullable()
})

/** A coordinator's claim or renewal of leadership for a term. */
export const leaderMessageSchema = z.strictObject({
  ...common,
  type: z.literal('leader'),
  hostname: z.string().min(1).max(253),
  term: z.number().int().positive(),
  priority: z.number().int().nonnegative()
})

/** The plan in force, stamped with the term of the leader that computed it. */
export const planMessageSchema = z.strictObject({
  ...common,
  type: z.literal('plan'),
  term: z.number().int().positive(),
  plan: planSchema
})

export const gossipMessageSchema = z.discriminatedUnion('type', [reportMessageSchema, leaderMessageSchema, planMessageSchema])
export type GossipMessage = z.infer<typeof gossipMessageSchema>
export type ReportMessage = z.infer<typeof reportMessageSchema>
export type LeaderMessage = z.infer<typeof leaderMessageSchema>
export type PlanMessage = z.infer<typeof planMessageSchema>

export type DecodeResult = { ok: true, message: GossipMessage } | { ok: false, reason: string }

/**
 * Decodes and validates one gossip payload. `from` is the libp2p signer of the message: a
 * payload speaking for another peer is a forgery and is rejected.
 */
export function decodeGossip (data: Uint8Array, from: string | undefined, decoder: { decode: (b: Uint8Array) => string }): DecodeResult {
  if (data.byteLength > GOSSIP_MAX_BYTES) return { ok: false, reason: `oversized: ${data.byteLength} bytes (limit ${GOSSIP_MAX_BYTES})` }
  let json: unknown
  try {
    json = JSON.parse(decoder.decode(data))
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  const parsed = gossipMessageSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, reason: `malformed: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim() }
  }
  if (from === undefined) return { ok: false, reason: 'unsigned' }
  if (parsed.data.peerId !== from) return { ok: false, reason: `forged: signed by ${from} but claims to be ${parsed.data.peerId}` }
  if (parsed.data.type === 'plan' && parsed.data.plan.term !== parsed.data.term) return { ok: false, reason: 'malformed: plan.term differs from the message term' }
  return { ok: true, message: parsed.data }
}
