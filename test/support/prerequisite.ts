import { describe, it } from 'vitest'

/** CI sets CI=true (.ci/run does too); a prerequisite missing there is a failure, not a skip. */
export const IN_CI = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase())

/**
 * `describe` for a suite that needs something of the machine (a browser, free ports, root…).
 * `missing` is null when the prerequisite is there, otherwise why it is not. Under CI the suite
 * then fails with that reason instead of passing green with zero tests; on a developer machine it
 * is skipped and says why on stderr.
 */
export function describeIfPresent (missing: string | null, title: string, suite: () => void): void {
  if (missing === null) { describe(title, suite); return }
  if (IN_CI) {
    describe(title, () => {
      it('has its prerequisite on this machine', () => { throw new Error(`prerequisite missing under CI: ${missing}`) })
    })
    return
  }
  process.stderr.write(`skipped "${title}": ${missing} (under CI=true this fails)\n`)
  describe.skip(title, suite)
}
