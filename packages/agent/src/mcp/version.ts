import { createRequire } from 'node:module'

let version: string | undefined

/** This package's version (dist/mcp/ sits two folders below package.json), read once. */
export function agentVersion (): string {
  version ??= (createRequire(import.meta.url)('../../package.json') as { version: string }).version
  return version
}
