import { z } from 'zod'
import { quotaPressureSchema } from './quota-pressure.js'

export const HOST_REPORT_SCHEMA = 'gpufleet.host-report/v1'

const bytes = z.number().int().nonnegative()
/** Optional numeric readings: omitted or null when unknown; 0 is a real reading and stays 0. */
const reading = z.number().nullable().optional()

export const gpuVendorSchema = z.enum(['nvidia', 'amd', 'intel', 'apple', 'other'])
export type GpuVendor = z.infer<typeof gpuVendorSchema>

/**
 * Where a VRAM figure came from. `wmi` is Win32_VideoController.AdapterRAM, a 32-bit value
 * capped at 4 GiB: a figure with that source is flagged `vramCapped` when it sits at the cap.
 */
export const vramSourceSchema = z.enum([
  'nvidia-smi', 'registry', 'wmi', 'sysfs', 'rocm-smi', 'unified-memory', 'systeminformation', 'gpu-table', 'simulated', 'unknown'
])
export type VramSource = z.infer<typeof vramSourceSchema>

export const gpuReportSchema = z.object({
  index: z.number().int().nonnegative(),
  vendor: gpuVendorSchema,
  model: z.string().min(1).max(200),
  vramBytes: bytes.nullable(),
  vramSource: vramSourceSchema,
  /** True when the only VRAM figure is WMI's 32-bit AdapterRAM sitting at its 4 GiB cap. */
  vramCapped: z.boolean().optional(),
  vramUsedBytes: bytes.nullable().optional(),
  /** Part of vramUsedBytes taken by models gpufleet placed (Ollama's size_vram): not "other programs". */
  vramUsedByFleetBytes: bytes.nullable().optional(),
  driverVersion: z.string().max(100).nullable().optional(),
  uuid: z.string().max(100).nullable().optional(),
  pciBus: z.string().max(100).nullable().optional(),
  computeCapability: z.string().regex(/^\d+\.\d+$/).nullable().optional(),
  /** nvidia-smi when the driver reported it, gpu-table when filled from the built-in table. */
  computeCapabilitySource: z.enum(['nvidia-smi', 'gpu-table']).nullable().optional(),
  utilizationPct: reading,
  temperatureC: reading,
  powerW: reading,
  /** Current SM and memory clocks in MHz (nvidia-smi clocks.sm, clocks.mem). */
  smClockMhz: reading,
  memClockMhz: reading,
  /** Memory bandwidth in GB/s from the GPU table, used for decode-speed estimates. */
  memoryBandwidthGBs: reading,
  /** Apple silicon and other integrated GPUs share system memory. */
  unifiedMemory: z.boolean().optional()
})
export type GpuReport = z.infer<typeof gpuReportSchema>

export const displayReportSchema = z.object({
  model: z.string().max(200),
  resolutionX: z.number().int().nonnegative().nullable(),
  resolutionY: z.number().int().nonnegative().nullable(),
  main: z.boolean()
})
export type DisplayReport = z.infer<typeof displayReportSchema>

export const ollamaModelSchema = z.object({
  name: z.string().min(1).max(300),
  sizeBytes: bytes,
  parameterSize: z.string().max(50).nullable().optional(),
  quantization: z.string().max(50).nullable().optional(),
  family: z.string().max(100).nullable().optional(),
  digest: z.string().max(200).nullable().optional()
})
export type OllamaModel = z.infer<typeof ollamaModelSchema>

export const ollamaReportSchema = z.object({
  reachable: z.boolean(),
  host: z.string().max(300).optional(),
  version: z.string().max(50).nullable().optional(),
  models: z.array(ollamaModelSchema).max(1000)
})
export type OllamaReport = z.infer<typeof ollamaReportSchema>

/** Where one model the plan gave this host stands: pulled, loaded, or failed and why. */
export const modelPlacementSchema = z.object({
  model: z.string().min(1).max(300),
  state: z.enum(['queued', 'pulling', 'loading', 'ready', 'failed']),
  completedBytes: bytes.nullable().optional(),
  totalBytes: bytes.nullable().optional(),
  bytesPerSecond: z.number().nonnegative().nullable().optional(),
  attempts: z.number().int().nonnegative(),
  error: z.string().max(500).nullable().optional(),
  updatedAt: z.iso.datetime()
})
export type ModelPlacement = z.infer<typeof modelPlacementSchema>

/** Speeds measured through Ollama (`gpufleet bench-models`): eval_count / eval_duration. */
export const measuredSpeedSchema = z.object({
  model: z.string().min(1).max(300),
  decodeTokensPerSecond: z.number().nonnegative(),
  promptTokensPerSecond: z.number().nonnegative().nullable(),
  measuredAt: z.iso.datetime()
})
export type MeasuredSpeed = z.infer<typeof measuredSpeedSchema>

export const hostReportSchema = z.object({
  schema: z.literal(HOST_REPORT_SCHEMA),
  hostname: z.string().min(1).max(253),
  role: z.enum(['coordinator', 'worker']),
  simulated: z.boolean(),
  collectedAt: z.iso.datetime(),
  os: z.object({
    platform: z.string().max(50),
    distro: z.string().max(200),
    release: z.string().max(100),
    arch: z.string().max(50)
  }),
  cpu: z.object({
    brand: z.string().max(200),
    cores: z.number().int().nonnegative(),
    threads: z.number().int().nonnegative()
  }),
  memory: z.object({ totalBytes: bytes }),
  gpus: z.array(gpuReportSchema).max(64),
  displays: z.array(displayReportSchema).max(64),
  ollama: ollamaReportSchema,
  /** The plan's models on this host as the agent applies them through Ollama (absent when it does not apply). */
  placement: z.array(modelPlacementSchema).max(64).optional(),
  /** This host's gateway: time to first byte of the requests its own Ollama served (last 5 minutes). */
  gateway: z.object({
    localRequests: z.number().int().nonnegative(),
    firstByteP95Ms: z.number().nonnegative().nullable()
  }).optional(),
  /** Measured decode/prompt speeds of this host's models. */
  measured: z.array(measuredSpeedSchema).max(64).optional(),
  /** The agent's data directory, when its writes fail (a full or read-only disk): the agent runs on from memory. Absent when writable. */
  dataDir: z.object({ writable: z.literal(false), error: z.string().max(300) }).optional(),
  /**
   * The probe fails since `since` (nvidia-smi vanished, a hardware file that no longer parses): the
   * readings in this report are the last good ones, stale. Absent while probing works.
   */
  probeFailure: z.object({ stale: z.literal(true), error: z.string().max(300), since: z.iso.datetime() }).optional(),
  /** This host's cloud limits at or past its alert ratio (its own keys' use); absent when none is. */
  quotas: z.array(quotaPressureSchema).max(64).optional(),
  /** Things the probe could not read, in one line each (e.g. "nvidia-smi not found"). */
  warnings: z.array(z.string().max(500)).max(100).optional(),
  /** Online flag and last contact, added by the cluster's inventory (absent means online). */
  online: z.boolean().optional(),
  lastSeen: z.iso.datetime().optional()
})
export type HostReport = z.infer<typeof hostReportSchema>
