import { InvalidDocumentError } from '../errors.js'
import type { z } from 'zod'

/**
 * Validates a parsed document and returns it typed, or throws an InvalidDocumentError whose
 * one-line message names the source, the path of the first bad field and its value.
 */
export function validateDocument<T extends z.ZodType> (schema: T, value: unknown, source: string): z.infer<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue == null || issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.')
  const bad = issue == null ? value : valueAt(value, issue.path)
  throw new InvalidDocumentError(`${source}: ${path}: ${issue?.message ?? 'invalid'} (got ${preview(bad)})`)
}

function valueAt (value: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = value
  for (const key of path) {
    if (current == null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

function preview (value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
