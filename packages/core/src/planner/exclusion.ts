import type { ExcludeRule } from '../config/schema.js'
import type { GpuReport } from '../schemas/host-report.js'

/** `*` globs, case-insensitive, whole-string ("*5060 Ti*" matches "NVIDIA GeForce RTX 5060 Ti"). */
export function globMatches (pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i')
  return regex.test(value)
}

function compareVersions (a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number)
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number)
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor
}

/** ">=12.0", "<8", "=8.6", "8.6" against a compute capability; unknown capability never matches. */
export function computeCapabilityMatches (comparison: string, value: string | null | undefined): boolean {
  if (value == null) return false
  const match = /^\s*(>=|<=|>|<|=)?\s*(\d+(?:\.\d+)?)\s*$/.exec(comparison)
  if (match == null) return false
  const diff = compareVersions(value, match[2] ?? '0')
  switch (match[1] ?? '=') {
    case '>=': return diff >= 0
    case '<=': return diff <= 0
    case '>': return diff > 0
    case '<': return diff < 0
    default: return diff === 0
  }
}

/** A GPU matches a rule when every key of its `match` matches. */
export function ruleMatches (rule: ExcludeRule, host: string, gpu: GpuReport): boolean {
  const m = rule.match
  if (m.computeCapability !== undefined && !computeCapabilityMatches(m.computeCapability, gpu.computeCapability)) return false
  if (m.model !== undefined && !globMatches(m.model, gpu.model)) return false
  if (m.uuid !== undefined && (gpu.uuid == null || !globMatches(m.uuid, gpu.uuid))) return false
  if (m.host !== undefined && !globMatches(m.host, host)) return false
  if (m.vendor !== undefined && m.vendor !== gpu.vendor) return false
  if (m.index !== undefined && m.index !== gpu.index) return false
  return true
}

/** The reason of the first rule that excludes this GPU, or undefined. */
export function exclusionReason (rules: readonly ExcludeRule[], host: string, gpu: GpuReport): string | undefined {
  return exclusionRule(rules, host, gpu)?.reason
}

/** The first rule that excludes this GPU, or undefined. */
export function exclusionRule (rules: readonly ExcludeRule[], host: string, gpu: GpuReport): ExcludeRule | undefined {
  return rules.find(rule => ruleMatches(rule, host, gpu))
}
