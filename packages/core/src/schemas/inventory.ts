import { z } from 'zod'
import { hostReportSchema } from './host-report.js'

export const INVENTORY_SCHEMA = 'gpufleet.inventory/v1'

export const inventorySchema = z.object({
  schema: z.literal(INVENTORY_SCHEMA),
  hosts: z.array(hostReportSchema).max(10_000)
})
export type Inventory = z.infer<typeof inventorySchema>
