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
