import type { FleetConfig } from '../config/schema.js'
import type { Plan } from '../schemas/plan.js'
import { priceTable, type PriceTable } from '../ledger/prices.js'
import { routingSchema } from '../config/routing-schema.js'
import { chainFor } from './chains.js'
import { byName } from '../order.js'

/** The wire format a base URL speaks: OpenAI's chat completions, or Anthropic's Messages. */
export type UpstreamApi = 'openai' | 'anthropic'

/** One place a request can go: a base URL and the model name it knows. */
export interface GatewayTarget {
  kind: 'local' | 'peer' | 'cloud'
  /** `local:MODEL`, `peer:HOST:MODEL` or `cloud:PROVIDER:MODEL`: the x-gpufleet-target header and a metrics label. */
  label: string
  /**
   * With api `openai`: the OpenAI-compatible base URL, without the trailing /chat/completions.
   * With api `anthropic`: the Anthropic base URL (the one SDKs take, without /v1/messages).
   */
  baseUrl: string
  api: UpstreamApi
  /** Where this target answers the Anthropic Messages API natively (null: it needs translation). */
  messagesUrl: string | null
  /** Ollama targets: the native API's base (`/api/chat`, `/api/show`…), and the catalog's context length. */
  ollama?: { host: string, contextLength: number }
  /** The model name the upstream knows (Ollama tag, or the provider's model). */
  model: string
  /** Peer hostname, or cloud provider name. */
  via: string
  /** Cloud only: the environment variable holding the key (never the key itself). */
  apiKeyEnv?: string
}

export type TargetResolution =
  | { ok: true, role: string | null, targets: GatewayTarget[] }
  | { ok: false, available: string[] }

export interface ResolveInput {
  /** The `model` field of the request: a role, a catalog model, or a name the config maps to a role. */
  requested: string
  self: string
  plan: Plan | null
  config: Pick<FleetConfig, 'models' | 'cloud' | 'policy' | 'ollama'> & Partial<Pick<FleetConfig, 'routing'>>
  /** Online hosts' Ollama OpenAI-compatible base URLs (peers); absent when unknown. */
  peerOllama: ReadonlyMap<string, string>
  /** Ollama versions by hostname, as reported (decides who speaks Messages natively). */
  ollamaVersions?: ReadonlyMap<string, string>
  /** Environment variables holding a non-empty value; absent: every key counts as set. */
  keysSet?: ReadonlySet<string>
  /** Upstream base URLs whose circuit is open, with when it may be tried again (ms since epoch). */
  openCircuits?: ReadonlyMap<string, number>
  /** The routing profile whose chain orders the targets (default: routing.profile). */
  profile?: string
  /** Prices, for profiles ordered by price (default: the shipped table under routing.prices). */
  prices?: PriceTable
  /** Providers that answered 429, with when they may be tried again (ms since epoch). */
  rateLimited?: ReadonlyMap<string, number>
  /** Providers over a quota or budget now (quotaStatus), with why and until when. */
  overQuota?: ReadonlyMap<string, { reason: string, until: number }>
  /** Now (ms): a 429 window that has passed no longer counts. Default: every window counts. */
  now?: number
}

/** Why a target in the chain is not tried. */
export type RouteSkip = 'no_key' | 'breaker' | 'not_in_plan' | 'offline' | 'rate_limited' | 'quota' | 'profile'

/** One target of the chain as `gpufleet route` shows it. */
export interface RouteStep {
  label: string
  kind: GatewayTarget['kind']
  usable: boolean
  /** Why it is out (null when usable): "no key: ZAI_API_KEY is not set", "offline", "not in plan"… */
  reason: string | null
  skip: RouteSkip | null
  /** Null when there is nowhere to send the request (a peer that is offline). */
  target: GatewayTarget | null
}

export type RouteExplanation =
  | { ok: true, role: string | null, profile: string, steps: RouteStep[] }
  | { ok: false, available: string[] }

/** The names a client may ask for: roles (the catalog's and the cloud providers'), then catalog models. Sorted. */
export function gatewayModelNames (config: Pick<FleetConfig, 'models'> & Partial<Pick<FleetConfig, 'cloud'>>): { roles: string[], models: string[] } {
  const roles = [...new Set([...config.models.flatMap(m => m.roles), ...(config.cloud ?? []).flatMap(p => Object.keys(p.models))])].sort()
  const models = config.models.map(m => m.name).sort()
  return { roles, models }
}

const trim = (url: string): string => url.replace(/\/+$/, '')

/** Ollama serves the Anthropic Messages API natively from 0.14.0 on. */
export function ollamaSpeaksMessages (version: string | null | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '')
  if (m === null) return false
  const [major, minor] = [Number(m[1]), Number(m[2])]
  return major > 0 || minor >= 14
}

/**
 * The chain this host would try for a request, in failover order, each target with whether it is
 * usable now and why not: this host's Ollama when the plan gives it a model for the role (or the
 * named model), then peers serving it (only with policy.allowPeer), then every cloud provider with
 * a model for the role, in config order. Pure: the plan in force decides, so moving a role needs no
 * change on the client; upstreams are only the config's and the inventory's.
 */
export function explainRoute (input: ResolveInput): RouteExplanation {
  const { requested, self, plan, config, peerOllama } = input
  const { roles, models } = gatewayModelNames(config)
  const catalog = config.models.find(m => m.name === requested)
  const isRole = roles.includes(requested)
  if (!isRole && catalog === undefined) return { ok: false, available: [...roles, ...models] }
  const wantedRoles = isRole ? [requested] : catalog!.roles
  const serves = (model: string): boolean => (isRole ? config.models.find(m => m.name === model)?.roles.includes(requested) === true : model === requested)
  const entry = (model: string): { quality: number, contextLength: number } => {
    const m = config.models.find(c => c.name === model)
    return { quality: m?.quality ?? 0, contextLength: m?.contextLength ?? 8192 }
  }
  const byQuality = (a: string, b: string): number => entry(b).quality - entry(a).quality || byName(a, b)
  const routing = config.routing ?? routingSchema.parse({})
  const profile = input.profile ?? routing.profile
  let steps: RouteStep[] = []
  const ollamaTarget = (kind: 'local' | 'peer', host: string, v1Base: string, model: string): GatewayTarget => {
    const base = trim(v1Base).replace(/\/v1$/, '')
    return {
      kind,
      label: kind === 'local' ? `local:${model}` : `peer:${host}:${model}`,
      baseUrl: `${base}/v1`,
      api: 'openai',
      messagesUrl: ollamaSpeaksMessages(input.ollamaVersions?.get(host)) ? `${base}/v1/messages` : null,
      ollama: { host: base, contextLength: entry(model).contextLength },
      model,
      via: host
    }
  }
  const usable = (target: GatewayTarget): RouteStep => {
    const until = input.openCircuits?.get(target.baseUrl)
    if (until !== undefined) return { label: target.label, kind: target.kind, usable: false, reason: `circuit open until ${new Date(until).toISOString()}`, skip: 'breaker', target }
    return { label: target.label, kind: target.kind, usable: true, reason: null, skip: null, target }
  }

  // Local: the plan's route for this host when asked for a role (the planner already chose the best
  // local model), else the named model if the plan put it here.
  const route = isRole ? plan?.routes.find(r => r.host === self && r.role === requested) : undefined
  const localModel = route?.target.kind === 'local'
    ? route.target.model
    : plan?.assignments.filter(a => a.host === self && serves(a.model)).map(a => a.model).sort(byQuality)[0]
  if (localModel !== undefined) {
    steps.push(usable(ollamaTarget('local', self, config.ollama.host, localModel)))
  } else {
    const best = config.models.map(m => m.name).filter(serves).sort(byQuality)[0]
    if (best !== undefined) steps.push({ label: `local:${best}`, kind: 'local', usable: false, reason: plan === null ? 'not in plan (no plan yet)' : 'not in plan', skip: 'not_in_plan', target: null })
  }

  // Peers: the route's peer first, then every other host the plan gives a serving model, best first.
  if (config.policy.allowPeer) {
    const peers = (plan?.assignments ?? []).filter(a => a.host !== self && serves(a.model))
      .sort((a, b) => entry(b.model).quality - entry(a.model).quality || byName(a.host, b.host) || byName(a.model, b.model))
    if (route?.target.kind === 'peer') {
      const { host, model } = route.target
      peers.sort((a, b) => Number(b.host === host && b.model === model) - Number(a.host === host && a.model === model))
    }
    for (const a of peers) {
      const label = `peer:${a.host}:${a.model}`
      if (steps.some(s => s.label === label)) continue
      const url = peerOllama.get(a.host)
      steps.push(url === undefined
        ? { label, kind: 'peer', usable: false, reason: 'offline', skip: 'offline', target: null }
        : usable(ollamaTarget('peer', a.host, url, a.model)))
    }
  }

  // Cloud: a provider with a model for a wanted role (or the one its chain link names), in the
  // order of the profile's chain; local and peers likewise. Targets the chain leaves out are listed
  // last as out of the profile, so `gpufleet route` shows them with their reason.
  const chain = chainFor(profile, wantedRoles[0]!, { cloud: config.cloud, routing }, input.prices ?? priceTable({ routing }))
  const cloudStep = (providerName: string, named: string | null): RouteStep | null => {
    const provider = config.cloud.find(p => p.name === providerName)
    if (provider === undefined) return null
    const role = wantedRoles.find(r => provider.models[r] !== undefined)
    const model = named ?? (role === undefined ? undefined : provider.models[role])
    if (model === undefined) return null
    const label = `cloud:${provider.name}:${model}`
    const api = provider.api
    const baseUrl = trim(provider.baseUrl)
    const target: GatewayTarget = { kind: 'cloud', label, baseUrl, api, messagesUrl: api === 'anthropic' ? `${baseUrl}/v1/messages` : null, model, via: provider.name, apiKeyEnv: provider.apiKeyEnv }
    if (input.keysSet !== undefined && !input.keysSet.has(provider.apiKeyEnv)) return { label, kind: 'cloud', usable: false, reason: `no key: ${provider.apiKeyEnv} is not set`, skip: 'no_key', target }
    const limitedUntil = input.rateLimited?.get(provider.name)
    if (limitedUntil !== undefined && (input.now === undefined || limitedUntil > input.now)) return { label, kind: 'cloud', usable: false, reason: `429 until ${new Date(limitedUntil).toISOString()}`, skip: 'rate_limited', target }
    const quota = input.overQuota?.get(provider.name)
    if (quota !== undefined) return { label, kind: 'cloud', usable: false, reason: quota.reason, skip: 'quota', target }
    return usable(target)
  }
  const local = steps.filter(s => s.kind === 'local')
  const peers = steps.filter(s => s.kind === 'peer')
  const ordered: RouteStep[] = []
  const add = (step: RouteStep | null): void => { if (step !== null && !ordered.some(o => o.label === step.label)) ordered.push(step) }
  for (const link of chain) {
    if (link.kind === 'local') local.forEach(add)
    else if (link.kind === 'peer') peers.forEach(add)
    else add(cloudStep(link.provider, link.model))
  }
  const left = [...local, ...peers, ...config.cloud.map(p => cloudStep(p.name, null))]
  for (const step of left) {
    if (step === null || ordered.some(o => o.label === step.label)) continue
    ordered.push({ label: step.label, kind: step.kind, usable: false, reason: `not in profile ${profile}`, skip: 'profile', target: null })
  }
  steps = ordered
  return { ok: true, role: isRole ? requested : null, profile, steps }
}

/** The targets of the chain that can be sent to (keys and circuits are the caller's to check). */
export function resolveTargets (input: ResolveInput): TargetResolution {
  const chain = explainRoute({ ...input, keysSet: undefined, openCircuits: undefined })
  if (!chain.ok) return chain
  return { ok: true, role: chain.role, targets: chain.steps.flatMap(s => (s.target === null ? [] : [s.target])) }
}

/**
 * A peer's Ollama as seen from here: the URL it reported, with a loopback or wildcard host
 * replaced by the address the peer is reachable at (from its libp2p addresses).
 */
export function peerOllamaUrl (reported: string | undefined, addrs: readonly string[]): string | null {
  if (reported === undefined) return null
  // Parsed by hand: core has no URL class (no I/O, no platform globals).
  const m = /^(https?):\/\/(\[[^\]]+\]|[^:/\s]+)(:\d{1,5})?(\/[^\s]*)?$/i.exec(reported.trim())
  if (m === null) return null
  let host = m[2]!
  if (/^(127\.|localhost$|0\.0\.0\.0$|\[::1?\]$)/i.test(host)) {
    const ips = addrs.map(a => /^\/ip4\/([\d.]+)\//.exec(a)?.[1]).filter((ip): ip is string => ip !== undefined && ip !== '0.0.0.0')
    const ip = ips.find(i => !i.startsWith('127.')) ?? ips[0]
    if (ip === undefined) return null
    host = ip
  }
  return `${m[1]!.toLowerCase()}://${host}${m[3] ?? ''}${trim(m[4] ?? '')}/v1`
}
