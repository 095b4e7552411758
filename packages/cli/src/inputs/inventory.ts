import { readFileSync } from 'node:fs'
import { InvalidDocumentError, inventorySchema, validateDocument, type Inventory } from '@gpufleet/core'

/** Reads an inventory file; any problem is invalid input naming the file (and field). */
export function readInventoryFile (path: string): Inventory {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InvalidDocumentError(`${path}: cannot read the inventory${code === 'ENOENT' ? ': no such file' : `: ${code ?? String(err)}`}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new InvalidDocumentError(`${path}: not valid JSON (${(err as Error).message.split('\n')[0] ?? ''})`)
  }
  const inventory = validateDocument(inventorySchema, json, path)
  const seen = new Set<string>()
  inventory.hosts.forEach((h, i) => {
    if (seen.has(h.hostname)) throw new InvalidDocumentError(`${path}: hosts.${i}.hostname: host "${h.hostname}" appears twice`)
    seen.add(h.hostname)
  })
  return inventory
}
