import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { expect } from 'vitest'

/** Set to 1 to rewrite goldens from the current output (then review the diff before committing). */
export const UPDATING_GOLDENS = process.env.UPDATE_GOLDENS === '1'

/**
 * Compares `actual` with the golden file byte for byte. A missing golden is a failure, never a
 * silent first write: goldens change only under an explicit `UPDATE_GOLDENS=1`, so deleting one
 * cannot turn a test green.
 */
export function expectGolden (file: string, actual: string): void {
  if (UPDATING_GOLDENS) writeFileSync(file, actual)
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing: run with UPDATE_GOLDENS=1 to write it, then review it`)
  expect(actual).toBe(readFileSync(file, 'utf8'))
}
