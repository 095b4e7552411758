import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { InvalidConfigError, loadConfig, parseConfigYaml } from '@gpufleet/core'
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, count, writeTally } from './runs.js'

const defaults = readFileSync(join(import.meta.dirname, '../../configs/default.yaml'), 'utf8')
const cluster = readFileSync(join(import.meta.dirname, '../../configs/roosync/cluster.yaml'), 'utf8')

/** The only acceptable outcomes: a config, or an InvalidConfigError whose message is one line naming the file. */
function load (text: string): void {
  try {
    loadConfig([{ path: 'fuzz.yaml', text }])
    count('config accepted')
  } catch (err) {
    expect((err as Error).name).toBe(InvalidConfigError.NAME)
    expect((err as Error).message).toMatch(/^fuzz\.yaml/)
    expect((err as Error).message).not.toContain('\n')
    count('config rejected')
  }
}

describe(`config loader under ${FUZZ_RUNS} generated inputs per kind`, () => {
  it('arbitrary text: a config or one clear line, never a crash', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), load), { numRuns: FUZZ_RUNS })
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), json => { load(stringify(json)) }), { numRuns: FUZZ_RUNS })
  }, FUZZ_TIMEOUT_MS)

  it('the shipped configs with one value replaced anywhere', () => {
    for (const source of [defaults, cluster]) {
      const doc = parseConfigYaml({ path: 'x', text: source })
      const paths: string[][] = []
      const walk = (v: unknown, path: string[]): void => {
        paths.push(path)
        if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, k])
      }
      walk(doc, [])
      const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 12 }), fc.constantFrom('4G', '-1GiB', '1e400', '10 parsecs', '>=x', '*', ''), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }))
      fc.assert(fc.property(fc.constantFrom(...paths.filter(p => p.length > 0)), junk, (path, value) => {
        const copy = structuredClone(doc)
        let at = copy as Record<string, unknown>
        for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>
        at[path.at(-1)!] = value
        load(stringify(copy))
      }), { numRuns: FUZZ_RUNS })
    }
  }, FUZZ_TIMEOUT_MS)
})

afterAll(writeTally)
