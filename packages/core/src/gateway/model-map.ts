import type { FleetConfig } from '../config/schema.js'
import { gatewayModelNames } from './targets.js'

const globToRegExp = (glob: string): RegExp => new RegExp(`^${glob.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i')

/**
 * The name a request is routed by. A role or catalog model is itself (so
 * `ANTHROPIC_DEFAULT_SONNET_MODEL=code` works); any other name goes through `gateway.modelMap`
 * (`claude-sonnet-4-5-20250929[1m]` → `code`); an unmapped name stays as sent and is a 404 listing
 * what exists — never silently routed elsewhere.
 */
export function mapModelName (requested: string, config: Pick<FleetConfig, 'models' | 'cloud' | 'gateway'>): string {
  const { roles, models } = gatewayModelNames(config)
  if (roles.includes(requested) || models.includes(requested)) return requested
  const bare = requested.replace(/\[[^\]]*\]$/, '')
  for (const [glob, role] of Object.entries(config.gateway.modelMap)) {
    if (globToRegExp(glob).test(bare)) return role
  }
  return requested
}

/**
 * `llama3.1:8b` at 32768 → `llama3.1:8b-ctx32768`: the model derived with `/api/create` (`from` the
 * tag, `parameters.num_ctx`) that Ollama runs with the catalog's context on every route. Whoever
 * preloads a model should preload this name, or the first request reloads it with this context.
 */
export function contextModelName (tag: string, contextLength: number): string {
  const colon = tag.lastIndexOf(':')
  const [name, version] = colon > tag.lastIndexOf('/') && colon >= 0 ? [tag.slice(0, colon), tag.slice(colon + 1)] : [tag, 'latest']
  return `${name}:${version}-ctx${contextLength}`
}
