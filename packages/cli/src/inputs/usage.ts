import { readFileSync } from 'node:fs'
import { InvalidDocumentError, usageDocumentSchema, validateDocument, type UsageDocumentJson } from '@gpufleet/core'

/**
 * Reads a `gpufleet.usage/v1` file (what `gpufleet usage --by provider --json` prints) for the
 * document's "Costs and savings" section; any problem is invalid input naming the file and field.
 */
export function readUsageFile (path: string): UsageDocumentJson {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InvalidDocumentError(`${path}: cannot read the usage document${code === 'ENOENT' ? ': no such file' : `: ${code ?? String(err)}`}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new InvalidDocumentError(`${path}: not valid JSON (${(err as Error).message.split('\n')[0] ?? ''})`)
  }
  const usage = validateDocument(usageDocumentSchema, json, path)
  // The section is a table per provider: rows grouped otherwise would be mislabelled.
  if (usage.by !== 'provider') throw new InvalidDocumentError(`${path}: by: expected "provider" (write it with gpufleet usage --by provider --json), got "${usage.by}"`)
  return usage
}
