import type { FleetConfig } from '../config/schema.js'
import type { Plan } from '../schemas/plan.js'

/** One place a request can go: an OpenAI-compatible base URL and the model name it knows. */
export interface GatewayTarget {
  kind: 'local' | 'peer' | 'cloud'
  /** `local:MODEL`, `peer:HOST:MODEL` or `cloud:PROVIDER:MODEL`: the x-gpufleet-target header and a metrics label. */
  label: string
  /** OpenAI-compatible base URL, without the trailing /chat/completions. */
  baseUrl: string
  /** The model name the upstream knows (Ollama tag, or the provider's model). */
  model: string
  /** Peer hostname, or cloud provider name. */
  via: string
  /** Cloud only: the environment variable holding the bearer key (never the key itself). */
  apiKeyEnv?: string
}

export type TargetResolution =
  | { ok: true, role: string | null, targets: GatewayTarget[] }
  | { ok: false, available: string[] }

export interface ResolveInput {
  /** The `model` field of the request: a role of the catalog, or a catalog model. */
  requested: string
  self: string
  plan: Plan | null
  config: Pick<FleetConfig, 'models' | 'cloud' | 'policy' | 'ollama'>
  /** Online hosts' Ollama OpenAI-compatible base URLs (peers); absent when unknown. */
  peerOllama: ReadonlyMap<string, string>
}

/** The names a client may ask for: the catalog's roles, then its models. Sorted, no duplicates. */
export function gatewayModelNames (config: Pick<FleetConfig, 'models'>): { roles: string[], models: string[] } {
  const roles = [...new Set(config.models.flatMap(m => m.roles))].sort()
  const models = config.models.map(m => m.name).sort()
  return { roles, models }
}

const trim = (url: string): string => url.replace(/\/+$/, '')

/**
 * Where a request goes, in failover order: this host's Ollama when the plan gives it a model for
 * the role (or the named model), then peers serving it (only when policy.allowPeer), then the first
 * cloud provider with a model for the role. Pure: the plan in force decides, so switching where a
 * role runs needs no change on the client. Upstreams are only the config's and the inventory's.
 */
export function resolveTargets ({ requested, self, plan, config, peerOllama }: ResolveInput): TargetResolution {
  const { roles, models } = gatewayModelNames(config)
  const catalog = config.models.find(m => m.name === requested)
  const isRole = roles.includes(requested)
  if (!isRole && catalog === undefined) return { ok: false, available: [...roles, ...models] }
  const wantedRoles = isRole ? [requested] : catalog!.roles
  const serves = (model: string): boolean => (isRole ? config.models.find(m => m.name === model)?.roles.includes(requested) === true : model === requested)
  const quality = (model: string): number => config.models.find(m => m.name === model)?.quality ?? 0
  const targets: GatewayTarget[] = []
  const localBase = `${trim(config.ollama.host)}/v1`

  // Local: the plan's route for this host when asked for a role (the planner already chose the best
  // local model), else the named model if the plan put it here.
  const route = isRole ? plan?.routes.find(r => r.host === self && r.role === requested) : undefined
  const localModel = route?.target.kind === 'local'
    ? route.target.model
    : plan?.assignments.filter(a => a.host === self && serves(a.model)).sort((a, b) => quality(b.model) - quality(a.model) || a.model.localeCompare(b.model))[0]?.model
  if (localModel !== undefined) targets.push({ kind: 'local', label: `local:${localModel}`, baseUrl: localBase, model: localModel, via: self })

  // Peers: the route's peer first, then every other host the plan gives a serving model, best first.
  if (config.policy.allowPeer) {
    const peers = (plan?.assignments ?? []).filter(a => a.host !== self && serves(a.model) && peerOllama.has(a.host))
      .sort((a, b) => quality(b.model) - quality(a.model) || a.host.localeCompare(b.host) || a.model.localeCompare(b.model))
    if (route?.target.kind === 'peer') {
      const { host, model } = route.target
      peers.sort((a, b) => Number(b.host === host && b.model === model) - Number(a.host === host && a.model === model))
    }
    for (const a of peers) {
      if (targets.some(t => t.kind === 'peer' && t.via === a.host && t.model === a.model)) continue
      targets.push({ kind: 'peer', label: `peer:${a.host}:${a.model}`, baseUrl: peerOllama.get(a.host)!, model: a.model, via: a.host })
    }
  }

  // Cloud: the route's provider if it names one, else the first provider with a model for a wanted role.
  const cloudRole = wantedRoles.find(r => config.cloud.some(p => p.models[r] !== undefined))
  const routed = route?.target.kind === 'cloud' ? config.cloud.find(p => route.target.kind === 'cloud' && p.name === route.target.provider) : undefined
  const provider = routed ?? (cloudRole === undefined ? undefined : config.cloud.find(p => p.models[cloudRole] !== undefined))
  const cloudModel = provider === undefined ? undefined : (route?.target.kind === 'cloud' ? route.target.model : provider.models[cloudRole!])
  if (provider !== undefined && cloudModel !== undefined) {
    targets.push({ kind: 'cloud', label: `cloud:${provider.name}:${cloudModel}`, baseUrl: trim(provider.baseUrl), model: cloudModel, via: provider.name, apiKeyEnv: provider.apiKeyEnv })
  }
  return { ok: true, role: isRole ? requested : null, targets }
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
