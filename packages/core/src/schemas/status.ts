import { z } from 'zod'
import { hostReportSchema } from './host-report.js'
import { planSchema } from './plan.js'
import { alertSchema } from '../alerts/schema.js'

export const STATUS_SCHEMA = 'gpufleet.status/v1'

export const statusSchema = z.object({
  schema: z.literal(STATUS_SCHEMA),
  generatedAt: z.iso.datetime(),
  self: z.object({
    hostname: z.string(),
    peerId: z.string(),
    role: z.enum(['coordinator', 'worker']),
    priority: z.number().int().nonnegative(),
    addrs: z.array(z.string()),
    api: z.string().nullable(),
    isLeader: z.boolean()
  }),
  cluster: z.string(),
  /** Where this node writes the GPU spec document (report.path) while it leads: an absolute path on its own disk. */
  reportPath: z.string().optional(),
  /** The leader's hostname, or null while there is none. */
  leader: z.string().nullable(),
  leaderPeerId: z.string().nullable(),
  /** The highest term this node has seen. */
  term: z.number().int().nonnegative(),
  hosts: z.array(hostReportSchema),
  plan: planSchema.nullable(),
  /** The leader's active alerts (most severe first), as this node last heard them. */
  alerts: z.array(alertSchema),
  /** What this node's gateway served, by role and target: requests, errors, tokens in/out. */
  gateway: z.array(z.object({
    role: z.string(),
    kind: z.enum(['local', 'peer', 'cloud']),
    via: z.string(),
    model: z.string(),
    requests: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    tokensIn: z.number().int().nonnegative(),
    tokensOut: z.number().int().nonnegative()
  })).optional(),
  /** Connected peers, and those of them subscribed to the fleet's topic. */
  peers: z.object({ connected: z.number().int().nonnegative(), subscribed: z.number().int().nonnegative() }),
  gossip: z.object({
    received: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    ignored: z.number().int().nonnegative(),
    published: z.number().int().nonnegative(),
    /** Of the rejected: well-formed and signed, but from a member without the right to send it (docs/reliability.md, "Who may lead"). */
    unauthorized: z.number().int().nonnegative().optional(),
    /** Payload bytes of fleet messages validated and published (gossipsub framing not counted). */
    bytesIn: z.number().int().nonnegative().optional(),
    bytesOut: z.number().int().nonnegative().optional()
  })
})
export type StatusDocument = z.infer<typeof statusSchema>
