import { z } from 'zod'

export const ROUTE_SCHEMA = 'gpufleet.route/v1'

/**
 * `GET /api/route?role=ROLE` (CONTRACT.md "Routing"): the chain of targets this host would try
 * now, in order, each in or out with its reason. Fields beyond the contract's pass through.
 */
export const routeDocumentSchema = z.looseObject({
  schema: z.literal(ROUTE_SCHEMA),
  host: z.string(),
  role: z.string(),
  profile: z.string().nullable(),
  targets: z.array(z.looseObject({
    label: z.string(),
    kind: z.string(),
    usable: z.boolean(),
    reason: z.string().nullable().optional()
  }))
})
export type RouteDocument = z.infer<typeof routeDocumentSchema>
