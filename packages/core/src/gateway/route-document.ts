import { ROUTE_SCHEMA, type RouteDocument } from '../schemas/route.js'
import { explainRoute, type ResolveInput } from './targets.js'

/**
 * The `gpufleet.route/v1` document: the chain `explainRoute` gives, labels as in x-gpufleet-target.
 * An unknown role is an error naming what exists.
 */
export function routeDocument (input: ResolveInput): { ok: true, document: RouteDocument } | { ok: false, available: string[] } {
  const chain = explainRoute(input)
  if (!chain.ok) return chain
  return {
    ok: true,
    document: {
      schema: ROUTE_SCHEMA,
      host: input.self,
      role: input.requested,
      profile: chain.profile,
      targets: chain.steps.map(s => ({ label: s.label, kind: s.kind, usable: s.usable, reason: s.reason }))
    }
  }
}
