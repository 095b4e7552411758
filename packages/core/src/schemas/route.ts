import { z } from 'zod'

export const ROUTE_SCHEMA = 'gpufleet.route/v1'

/** `gpufleet route --json` and `GET /api/route?role=`: the chain a host would try now, and why each target is in or out. */
export const routeDocumentSchema = z.object({
  schema: z.literal(ROUTE_SCHEMA),
  /** The host whose gateway would route. */
  host: z.string(),
  /** The role (or catalog model) asked about, after the model-name map. */
  role: z.string(),
  profile: z.string(),
  targets: z.array(z.object({
    /** Exactly as in the x-gpufleet-target header: local:MODEL, peer:HOST:MODEL, cloud:PROVIDER:MODEL. */
    label: z.string(),
    kind: z.enum(['local', 'peer', 'cloud']),
    usable: z.boolean(),
    /** Why the target is out (no key, offline, not in plan, circuit open); null when usable. */
    reason: z.string().nullable()
  }))
})
export type RouteDocument = z.infer<typeof routeDocumentSchema>
