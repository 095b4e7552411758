import { z } from 'zod'
import { catalogModelSchema, fleetConfigSchema, type FleetConfig } from '../config/schema.js'

export const CATALOG_SCHEMA = 'gpufleet.catalog/v1'

/**
 * What an agent plans with besides the inventory: the catalog and the placement policy. Served at
 * `GET /api/catalog` so a client of the API (`gpufleet mcp`) answers with the agent's own rules
 * instead of a catalog of its own. Nothing secret: cloud keys and the API token are not in it.
 */
export const catalogDocumentSchema = z.object({
  schema: z.literal(CATALOG_SCHEMA),
  models: z.array(catalogModelSchema),
  policy: fleetConfigSchema.shape.policy
})
export type CatalogDocument = z.infer<typeof catalogDocumentSchema>

export function catalogDocument (config: Pick<FleetConfig, 'models' | 'policy'>): CatalogDocument {
  return { schema: CATALOG_SCHEMA, models: config.models, policy: config.policy }
}
