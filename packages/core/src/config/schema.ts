import { z } from 'zod'
import { KV_CACHE_TYPES, QUANTIZATIONS } from '../estimate/quantization.js'
import { countField, durationField, sizeField } from './fields.js'
import { routingIssues, routingSchema } from './routing-schema.js'
import { BUILTIN_PROFILES } from './builtin-profiles.js'

const role = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a role is a lower-case word (chat, code, analysis…)')
const ccComparison = z.string().regex(/^\s*(>=|<=|>|<|=)?\s*\d+(\.\d+)?\s*$/, 'expected a comparison such as ">=12.0" or "=8.6"')

export const excludeRuleSchema = z.strictObject({
  match: z.strictObject({
    computeCapability: ccComparison.optional(),
    model: z.string().min(1).optional(),
    uuid: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    vendor: z.enum(['nvidia', 'amd', 'intel', 'apple', 'other']).optional(),
    index: z.number().int().nonnegative().optional()
  }).refine(m => Object.keys(m).length > 0, 'match needs at least one key'),
  reason: z.string().min(1).max(300),
  /** The reason in each language the views speak, when it should not show in `reason`'s language. */
  reasons: z.strictObject({ fr: z.string().min(1).max(300).optional(), en: z.string().min(1).max(300).optional() }).optional()
})
export type ExcludeRule = z.infer<typeof excludeRuleSchema>

export const catalogModelSchema = z.strictObject({
  /** The Ollama tag. */
  name: z.string().min(1).max(200),
  params: countField,
  /** For mixture-of-experts models: parameters read per token (Mixtral 8x7B: 12.9B of 46.7B). */
  activeParams: countField.optional(),
  quantization: z.string().transform((q, ctx) => {
    const upper = q.trim().toUpperCase()
    if (!(upper in QUANTIZATIONS)) {
      ctx.addIssue({ code: 'custom', message: `unknown quantization "${q}" (known: ${Object.keys(QUANTIZATIONS).join(', ')})` })
      return z.NEVER
    }
    return upper
  }),
  contextLength: z.number().int().positive().max(10_000_000).default(8192),
  vram: z.strictObject({ min: sizeField.optional(), recommended: sizeField.optional() }).optional(),
  roles: z.array(role).min(1),
  quality: z.number().positive().max(100),
  /** Architecture, when known: sharpens the KV-cache and graph estimates (else derived from params). */
  layers: z.number().int().positive().optional(),
  kvHeads: z.number().int().positive().optional(),
  heads: z.number().int().positive().optional(),
  headDim: z.number().int().positive().optional(),
  embeddingLength: z.number().int().positive().optional(),
  kvType: z.enum(KV_CACHE_TYPES).default('f16'),
  description: z.string().max(300).optional()
})
export type CatalogModel = z.infer<typeof catalogModelSchema>

export const cloudProviderSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'a provider name is a word'),
  baseUrl: z.url(),
  /** Name of the environment variable holding the key; the key itself never enters the config. */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
  /** The wire format baseUrl speaks: openai (chat completions) or anthropic (Messages; baseUrl without /v1). */
  api: z.enum(['openai', 'anthropic']).default('openai'),
  models: z.record(role, z.string().min(1))
})
export type CloudProvider = z.infer<typeof cloudProviderSchema>

/** Every key and unit of the config, without the checks that span several keys. */
export const fleetConfigShape = z.strictObject({
  cluster: z.strictObject({
    name: z.string().min(1).max(100).default('gpufleet'),
    listen: z.array(z.string().startsWith('/')).default(['/ip4/0.0.0.0/tcp/7701']),
    bootstrap: z.array(z.string().startsWith('/')).default([]),
    mdns: z.boolean().default(true),
    pskFile: z.string().min(1).nullable().default('swarm.key'),
    heartbeat: durationField.default(1000),
    leaderLease: durationField.default(3000),
    offlineAfter: durationField.default(10_000),
    // Membership and authority (docs/reliability.md, "Who may lead"):
    /** A host offline this long is forgotten everywhere (a leader's tombstone); null: never. */
    forgetAfter: durationField.nullable().default(168 * 3_600_000),
    /**
     * Pinned coordinators (peer ids): only these may lead and publish plans, alerts and tombstones;
     * null: any coordinator. The agent checks each is a peer id when it starts (core has no decoder).
     */
    coordinators: z.array(z.string().min(1).max(100)).min(1, 'list at least one peer id, or set null').max(64).nullable().default(null)
  }).prefault({}),
  node: z.strictObject({
    name: z.string().min(1).max(253).nullable().default(null),
    role: z.enum(['coordinator', 'worker']).default('worker'),
    priority: z.number().int().min(0).max(1_000_000).default(0)
  }).prefault({}),
  dataDir: z.string().min(1).default('./data'),
  api: z.strictObject({
    listen: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^\s:]+):\d{1,5}$/, 'expected HOST:PORT').default('127.0.0.1:7700'),
    token: z.string().min(16).nullable().default(null)
  }).prefault({}),
  ollama: z.strictObject({
    host: z.url().default('http://127.0.0.1:11434'),
    /** Make the plan happen: pull this host's models, preload them, unload the ones the plan dropped. */
    apply: z.boolean().default(true),
    /** keep_alive for preloaded models (-1: until unloaded; or a duration such as "24h"). */
    keepAlive: z.union([z.number().int(), z.string().regex(/^\d+(ms|s|m|h)$/, 'a duration such as "24h", or -1')]).default(-1)
  }).prefault({}),
  report: z.strictObject({
    path: z.string().min(1).default('GPU_SPECS.md'),
    lang: z.enum(['fr', 'en']).default('fr'),
    /** Machines expected in the fleet: the document counts "N/M documented" against them. */
    hosts: z.array(z.string().min(1)).default([])
  }).prefault({}),
  models: z.array(catalogModelSchema).default([]),
  cloud: z.array(cloudProviderSchema).default([]),
  policy: z.strictObject({
    reserve: sizeField.default(2 * 1024 ** 3),
    fit: z.enum(['recommended', 'min']).default('recommended'),
    exclude: z.array(excludeRuleSchema).default([]),
    /** Let hosts without a local model send requests to a peer's Ollama before the cloud. */
    allowPeer: z.boolean().default(false),
    /** Let one model span several GPUs of one host (tensor split). */
    allowSplit: z.boolean().default(false),
    /** System-RAM bandwidth (GB/s) assumed for the offloaded part of a model that does not fit. */
    ramBandwidthGBs: z.number().positive().default(50),
    /** Delete models the plan dropped from disk (else they are only unloaded). */
    prune: z.boolean().default(false),
    /**
     * How much each role counts in the planner's objective (Σ weight × best quality per role);
     * roles not listed weigh 1. The default favours `code`, for a team of coding agents.
     */
    roleWeights: z.record(z.string().min(1), z.number().min(0).max(1000)).default({ code: 3 })
  }).prefault({}),
  /** The OpenAI-compatible endpoint on the api address (docs/gateway.md). */
  gateway: z.strictObject({
    /** Request bodies above this are refused (413). */
    maxBodyBytes: sizeField.default(16 * 1024 ** 2),
    /** A target that does not accept the connection this fast is skipped (next target). */
    connectTimeout: durationField.default(3000),
    /** Wait for the response's first byte: a non-streaming answer only starts when it is complete. */
    responseTimeout: durationField.default(30 * 60_000),
    /** Longest silence between two chunks of a response before it is cut. */
    idleTimeout: durationField.default(5 * 60_000),
    /** Consecutive failures before a target is skipped for breakerCoolDown. */
    breakerThreshold: z.number().int().positive().default(2),
    breakerCoolDown: durationField.default(15_000),
    /** Requests in flight to one upstream at most; more wait (gauge gpufleet_gateway_waiting_streams). */
    maxStreamsPerUpstream: z.number().int().positive().max(100_000).default(1024),
    /**
     * Model names clients send (Claude Code's), as `*` globs, to the role that serves them; the first
     * match wins, a `[1m]`-style suffix is ignored. A role name or catalog model is always itself.
     */
    modelMap: z.record(z.string().min(1).max(200), role).default({ 'claude-opus-*': 'analysis', 'claude-sonnet-*': 'code', 'claude-haiku-*': 'fast', 'claude-*': 'code' })
  }).prefault({}),
  /** Chains, profiles, quotas, prices and the ledger of cost and savings (docs/costs.md). */
  routing: routingSchema.prefault({}),
  alerts: z.strictObject({
    /** VRAM used above this (or above vramUsedPct of the card, whichever is lower); null: percentage only. */
    vramUsed: sizeField.nullable().default(22 * 1e9),
    vramUsedPct: z.number().min(0).max(100).default(92),
    temperatureC: z.number().default(83),
    idleUtilizationPct: z.number().min(0).max(100).default(20),
    /** A GPU with models assigned must stay under idleUtilizationPct this long before it alerts. */
    idleFor: durationField.default(10 * 60_000),
    latencyMs: z.number().positive().default(500)
  }).prefault({})
})

/** The whole config: the shape plus the checks across keys (run on the merged layers). */
export const fleetConfigSchema = fleetConfigShape.superRefine((config, ctx) => {
  const seen = new Set<string>()
  config.models.forEach((m, i) => {
    if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `model "${m.name}" is listed twice` })
    seen.add(m.name)
    if (m.vram?.min !== undefined && m.vram.recommended !== undefined && m.vram.min > m.vram.recommended) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'vram'], message: 'vram.min is larger than vram.recommended' })
    }
  })
  for (const issue of routingIssues(config.routing, config.cloud, BUILTIN_PROFILES)) ctx.addIssue({ code: 'custom', ...issue })
  if (config.cluster.leaderLease <= config.cluster.heartbeat) {
    ctx.addIssue({ code: 'custom', path: ['cluster', 'leaderLease'], message: 'leaderLease must be longer than heartbeat (the leader renews its lease every heartbeat)' })
  }
  // Hosts beat every floor(offlineAfter / 3 heartbeats) heartbeats (the agent's one timer): at
  // 3 × heartbeat or less, two lost beats in a row (three beat periods) take a live host offline.
  if (config.cluster.offlineAfter <= 3 * config.cluster.heartbeat) {
    ctx.addIssue({ code: 'custom', path: ['cluster', 'offlineAfter'], message: `offlineAfter (${config.cluster.offlineAfter} ms) must be longer than 3 × heartbeat (${config.cluster.heartbeat} ms): hosts beat three times per offlineAfter, at most once per heartbeat, and two lost beats must not take one offline` })
  }
  if (config.cluster.forgetAfter !== null && config.cluster.forgetAfter <= config.cluster.offlineAfter) {
    ctx.addIssue({ code: 'custom', path: ['cluster', 'forgetAfter'], message: 'forgetAfter must be longer than offlineAfter (only an offline host is forgotten)' })
  }
})
export type FleetConfig = z.infer<typeof fleetConfigSchema>
/** The config as written in YAML, before units are read and defaults filled. */
export type FleetConfigInput = z.input<typeof fleetConfigSchema>
