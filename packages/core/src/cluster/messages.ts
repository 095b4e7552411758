import { z } from 'zod'
import { hostReportSchema } from '../schemas/host-report.js'
import { planSchema } from '../schemas/plan.js'
import { alertSchema } from '../alerts/schema.js'
import { spendMessageFields } from '../ledger/spend-message.js'

/** Gossip payloads are JSON; anything larger is rejected before parsing. */
export const GOSSIP_MAX_BYTES = 64 * 1024
export const GOSSIP_VERSION = 1

const peerId = z.string().min(10).max(100).regex(/^[1-9A-HJ-NP-Za-km-z]+$/, 'a base58 peer id')
/**
 * Reports and plans are also signed by their author's identity key (base64 Ed25519 over the
 * message's JSON without this field), so a peer can relay them in a sync response and the
 * receiver still checks who wrote them. Leader claims only travel by gossip (libp2p-signed).
 */
const signature = z.string().regex(/^[A-Za-z0-9+/=]{40,200}$/, 'a base64 signature')
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
  api: z.string().max(300).nullable(),
  signature
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
  /**
   * Orders the plans of one term: the leader counts up from 1 in each term it leads. Absent in
   * plans of earlier versions (read as 0). Wall-clock fields never order anything.
   */
  seq: z.number().int().nonnegative().optional(),
  plan: planSchema,
  signature
})

/** Most alerts a leader gossips (most severe first): keeps the message far below GOSSIP_MAX_BYTES. */
export const ALERTS_PER_MESSAGE = 100

/** The leader's active alerts, stamped with its term (fenced like plans). */
export const alertsMessageSchema = z.strictObject({
  ...common,
  type: z.literal('alerts'),
  term: z.number().int().positive(),
  alerts: z.array(alertSchema).max(ALERTS_PER_MESSAGE),
  signature
})

/** A host's own gateway spending: daily rollups and quota use, sent only when they changed (ledger/spend-message.ts). */
export const spendMessageSchema = z.strictObject({ ...common, type: z.literal('spend'), ...spendMessageFields, signature })


/**
 * A tombstone: the leader of `term` forgot `hostname` (the host of peer id `host`), whose last
 * report it knew had sequence `upTo`. Every node drops that host; a report of the same host with a
 * higher sequence is the host coming back, and rejoins (see tombstones.ts).
 */
export const forgetMessageSchema = z.strictObject({
  ...common,
  type: z.literal('forget'),
  term: z.number().int().positive(),
  hostname: z.string().min(1).max(253),
  host: peerId,
  upTo: z.number().int().nonnegative(),
  /** manual: `gpufleet forget`; offline: silent longer than cluster.forgetAfter. */
  reason: z.enum(['manual', 'offline']),
  signature
})

/** Most GPUs whose readings one beat carries. */
export const READINGS_PER_BEAT = 64

/**
 * One GPU's live readings, compact: [index, utilization %, temperature °C, power W, VRAM used
 * bytes, SM clock MHz, memory clock MHz], null where unknown.
 */
export const gpuReadingSchema = z.tuple([
  z.number().int().nonnegative(),
  z.number().min(0).max(100).nullable(),
  z.number().min(-50).max(200).nullable(),
  z.number().min(0).max(10_000).nullable(),
  z.number().int().nonnegative().nullable(),
  z.number().min(0).max(100_000).nullable(),
  z.number().min(0).max(100_000).nullable()
])
export type GpuReading = z.infer<typeof gpuReadingSchema>

/**
 * A host's small message between its full reports (docs/cluster.md, "Delta gossip"): it is alive,
 * its last full report is still `of`, and — when they changed — its GPUs' live readings. The
 * leader's beat renews its lease (`lease`). Sent on push streams to connected peers (vouched for by
 * the connection) and by gossip (libp2p-signed) while some host is not connected; never relayed.
 */
export const beatMessageSchema = z.strictObject({
  ...common,
  type: z.literal('beat'),
  hostname: z.string().min(1).max(253),
  /** Orders the author's beats; grows past the sequence of every report it published. */
  seq: z.number().int().nonnegative(),
  /** Sequence of the author's last full report: a receiver holding an older one has missed it. */
  of: z.number().int().nonnegative(),
  /**
   * Present in the leader's beats: the renewal of its lease for `term`, with what the leader has
   * published in that term — its plan's sequence and a digest of its alert list — so a follower
   * that missed one pulls it instead of the leader republishing it on a timer.
   */
  lease: z.strictObject({
    term: z.number().int().positive(),
    priority: z.number().int().nonnegative(),
    plan: z.number().int().nonnegative().optional(),
    alerts: z.string().regex(/^[0-9a-f]{8}$/).optional()
  }).optional(),
  readings: z.array(gpuReadingSchema).max(READINGS_PER_BEAT).optional()
})

export const gossipMessageSchema = z.discriminatedUnion('type', [reportMessageSchema, leaderMessageSchema, planMessageSchema, alertsMessageSchema, forgetMessageSchema, spendMessageSchema, beatMessageSchema])
export type GossipMessage = z.infer<typeof gossipMessageSchema>
export type ReportMessage = z.infer<typeof reportMessageSchema>
export type LeaderMessage = z.infer<typeof leaderMessageSchema>
export type PlanMessage = z.infer<typeof planMessageSchema>
export type AlertsMessage = z.infer<typeof alertsMessageSchema>
export type ForgetMessage = z.infer<typeof forgetMessageSchema>
export type SpendMessage = z.infer<typeof spendMessageSchema>
export type BeatMessage = z.infer<typeof beatMessageSchema>

/** `text` is the message as received: what a node stores and relays for its author. */
export type DecodeResult = { ok: true, message: GossipMessage, signed: SignedPart | null, text: string } | { ok: false, reason: string }

/** The bytes an author signed, and the signature, for the receiver to verify. */
export interface SignedPart { bytes: string, signature: string }

/** The JSON an author signs: the message without its signature, in the author's key order. */
export function signingText (message: Record<string, unknown>): string {
  const { signature: _drop, ...rest } = message
  return JSON.stringify(rest)
}

/** Most tombstones a node keeps (the most recent): bounds memory, the disk and sync responses. */
export const TOMBSTONES_KEPT = 256

/** A sync response: every host's last signed report, the signed plan in force and the tombstones, as JSON texts. */
export const syncResponseSchema = z.strictObject({
  v: z.literal(GOSSIP_VERSION),
  reports: z.array(z.string().max(GOSSIP_MAX_BYTES)).max(10_000),
  plan: z.string().max(GOSSIP_MAX_BYTES).nullable(),
  /** Absent from nodes of earlier versions. */
  tombstones: z.array(z.string().max(4096)).max(TOMBSTONES_KEPT).default([]),
  /** The leader's signed alert list this node holds (absent from nodes of earlier versions). */
  alerts: z.string().max(GOSSIP_MAX_BYTES).nullable().default(null)
})
export type SyncResponse = z.infer<typeof syncResponseSchema>

/**
 * A sync request. `have` is the asker's digest — the sequence of each host's report it holds — so
 * the answer carries only what it lacks; without it (first sync, nodes of earlier versions) the
 * answer carries everything.
 */
export const syncRequestSchema = z.strictObject({
  v: z.literal(GOSSIP_VERSION),
  have: z.record(z.string().min(1).max(253), z.number().int().nonnegative()).optional(),
  /** The asker's plan in force (its term and sequence): an answer leaves out a plan no newer. */
  plan: z.strictObject({ term: z.number().int().nonnegative(), seq: z.number().int().nonnegative() }).optional(),
  /** The digest of the asker's alert list: an answer leaves out the same list. */
  alerts: z.string().regex(/^[0-9a-f]{8}$/).optional()
})
export type SyncRequest = z.infer<typeof syncRequestSchema>

/**
 * Decodes and validates one gossip payload. `from` is the libp2p signer of the message: a
 * payload speaking for another peer is a forgery and is rejected.
 */
export function decodeGossip (data: Uint8Array, from: string | undefined, decoder: { decode: (b: Uint8Array) => string }): DecodeResult {
  if (data.byteLength > GOSSIP_MAX_BYTES) return { ok: false, reason: `oversized: ${data.byteLength} bytes (limit ${GOSSIP_MAX_BYTES})` }
  return decodeMessageText(decoder.decode(data), from)
}

/**
 * Decodes one message's JSON text. `from` is who vouches for it: the libp2p signer for gossip,
 * or undefined for a relayed message (then only its own signature can vouch, so leader claims,
 * which carry none, are refused). The author signature itself is checked by the caller (async).
 */
export function decodeMessageText (text: string, from: string | undefined, options: { relayed?: boolean } = {}): DecodeResult {
  if (text.length > GOSSIP_MAX_BYTES) return { ok: false, reason: `oversized: ${text.length} bytes (limit ${GOSSIP_MAX_BYTES})` }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  const parsed = gossipMessageSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, reason: `malformed: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim() }
  }
  const message = parsed.data
  if (options.relayed === true) {
    if (message.type === 'leader') return { ok: false, reason: 'leader claims are not relayed' }
    if (message.type === 'beat') return { ok: false, reason: 'beats are not relayed' }
  } else {
    if (from === undefined) return { ok: false, reason: 'unsigned' }
    if (message.peerId !== from) return { ok: false, reason: `forged: signed by ${from} but claims to be ${message.peerId}` }
  }
  if (message.type === 'plan' && message.plan.term !== message.term) return { ok: false, reason: 'malformed: plan.term differs from the message term' }
  const signed = message.type === 'leader' || message.type === 'beat' ? null : { bytes: signingText(json as Record<string, unknown>), signature: message.signature }
  return { ok: true, message, signed, text }
}
