import { z } from 'zod'
import { hostReportSchema, HOST_REPORT_SCHEMA } from './host-report.js'
import { inventorySchema, INVENTORY_SCHEMA } from './inventory.js'
import { planSchema, PLAN_SCHEMA } from './plan.js'
import { estimateDocumentSchema, ESTIMATE_SCHEMA } from './estimate.js'
import { statusSchema, STATUS_SCHEMA } from './status.js'
import { routeDocumentSchema, ROUTE_SCHEMA } from './route.js'
import { catalogDocumentSchema, CATALOG_SCHEMA } from './catalog.js'
import { usageDocumentSchema, USAGE_SCHEMA } from './usage.js'

/**
 * Every JSON document kind gpufleet writes, by the name of its schema file in docs/schemas/.
 * The schema writer (`pnpm schemas`) and the drift test both read this list.
 */
export const documentSchemas: Record<string, { id: string, schema: z.ZodType }> = {
  'host-report': { id: HOST_REPORT_SCHEMA, schema: hostReportSchema },
  inventory: { id: INVENTORY_SCHEMA, schema: inventorySchema },
  plan: { id: PLAN_SCHEMA, schema: planSchema },
  estimate: { id: ESTIMATE_SCHEMA, schema: estimateDocumentSchema },
  status: { id: STATUS_SCHEMA, schema: statusSchema },
  route: { id: ROUTE_SCHEMA, schema: routeDocumentSchema },
  catalog: { id: CATALOG_SCHEMA, schema: catalogDocumentSchema },
  usage: { id: USAGE_SCHEMA, schema: usageDocumentSchema }
}

/** The JSON Schema (draft 2020-12) of one document kind, as committed in docs/schemas/. */
export function documentJsonSchema (kind: string): Record<string, unknown> {
  const entry = documentSchemas[kind]
  if (entry === undefined) throw new Error(`unknown document kind ${kind}`)
  // Input shape: what a producer must write (defaults and optional fields as such).
  const json = z.toJSONSchema(entry.schema, { io: 'input' }) as Record<string, unknown>
  return { $id: `https://gpufleet.dev/schemas/${kind}.schema.json`, title: entry.id, ...json }
}
