import { z } from 'zod'
import { GOSSIP_VERSION } from './messages.js'

/**
 * Indirect probes, the pure half (SWIM's ping-req, as memberlist does it). A node that lost its
 * connection to a host it holds online cannot tell alone whether the host stopped or only its own
 * link to it is gone. It asks a few peers it is connected to ("witnesses") what they hear of it.
 * A host cut off from this node only is still heard by the others; a stopped one by nobody.
 * The answer decides one thing: whether this node's beats also go by gossip to reach that host
 * (BeatChannel). Gossiping them for a host that stopped is what saturated a fleet of 50 after its
 * leader was killed: every agent gossiped each beat to every other until the host went offline.
 */

/** At most this many hosts in one question: a fleet split in two halves asks about all of the other half. */
export const WITNESS_MAX_HOSTS = 64

/** A question: what do you hear of these hosts? `id` pairs the answers with it. */
export const witnessQuestionSchema = z.strictObject({
  v: z.literal(GOSSIP_VERSION),
  type: z.literal('ask'),
  id: z.number().int().nonnegative(),
  /** The peer ids of the hosts asked about. */
  peers: z.array(z.string().min(1).max(128)).min(1).max(WITNESS_MAX_HOSTS)
})
export type WitnessQuestion = z.infer<typeof witnessQuestionSchema>

/** What a witness says of one host. */
export const witnessAnswerSchema = z.strictObject({
  /** Whether the witness has a connection to the host now. */
  connected: z.boolean(),
  /** How long ago the witness last heard from the host, by any path (ms); null: never. */
  heardMs: z.number().nonnegative().nullable()
})
export type WitnessAnswer = z.infer<typeof witnessAnswerSchema>

/** The answers to question `id`: one per host asked about, in the order asked. */
export const witnessAnswersSchema = z.strictObject({
  v: z.literal(GOSSIP_VERSION),
  type: z.literal('answers'),
  id: z.number().int().nonnegative(),
  answers: z.array(witnessAnswerSchema).max(WITNESS_MAX_HOSTS)
})
export type WitnessAnswers = z.infer<typeof witnessAnswersSchema>

/** What travels on the witness stream: questions one way, answers the other. */
export const witnessFrameSchema = z.discriminatedUnion('type', [witnessQuestionSchema, witnessAnswersSchema])
export type WitnessFrame = z.infer<typeof witnessFrameSchema>

/**
 * alive: someone heard from the host after this node lost it. stopped: every witness that answered
 * is cut from it too and heard nothing since. unknown: no answer, or a witness still connected to
 * it that heard nothing since (its own loss may not have reached it yet, or the host is hung).
 */
export type LostHostVerdict = 'alive' | 'stopped' | 'unknown'

/**
 * Judges a host this node lost `lostMs` ago from its witnesses' answers (the same round) and what
 * this node itself last heard of it (`ownHeardMs`: a gossiped beat counts). "Heard since" must be
 * later than the loss by `skewMs`: a stopped host's last beat reaches each peer at a slightly
 * different time (each one's own load), and a witness that took it a little after this node saw
 * the connection close must not make the host look alive — that would last until it goes offline,
 * since both ages grow together.
 */
export function judgeLostHost (answers: readonly WitnessAnswer[], lostMs: number, skewMs: number, ownHeardMs: number | null = null): LostHostVerdict {
  const heardSince = (heardMs: number | null): boolean => heardMs !== null && heardMs < lostMs - skewMs
  if (heardSince(ownHeardMs) || answers.some(a => heardSince(a.heardMs))) return 'alive'
  if (answers.length === 0 || answers.some(a => a.connected)) return 'unknown'
  return 'stopped'
}
