import { z } from 'zod'
import { reasonSchema } from '../schemas/reason.js'

export const ALERT_RULES = ['vram-high', 'temperature-high', 'gpu-idle', 'latency-high', 'host-offline', 'gpu-excluded', 'model-unplaced', 'disk-unwritable', 'probe-failed', 'quota-near'] as const
export type AlertRule = typeof ALERT_RULES[number]

export const alertSeveritySchema = z.enum(['info', 'warning', 'critical'])
export type AlertSeverity = z.infer<typeof alertSeveritySchema>

/** One active alert, as the leader raised it: shown on the dashboard, logged, counted in /metrics. */
export const alertSchema = z.object({
  /** Stable identity: rule plus what it is about (`vram-high:myia-ai-01:0`). */
  id: z.string().min(1).max(600),
  rule: z.enum(ALERT_RULES),
  severity: alertSeveritySchema,
  host: z.string().max(253).nullable(),
  gpu: z.number().int().nonnegative().nullable(),
  model: z.string().max(300).nullable(),
  /** The reading that fired the rule and the threshold it crossed (units per rule: bytes, °C, %). */
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  /** English, one line, for logs and the CLI; the dashboard composes its own text per language. */
  message: z.string().max(1000),
  /** When the condition started to hold (for rules with a pending period, before it was raised). */
  since: z.iso.datetime(),
  /** Why, as data (gpu-excluded, model-unplaced: the planner's reason; quota-near: the host's use of the limit). */
  detail: reasonSchema.optional()
})
export type Alert = z.infer<typeof alertSchema>
