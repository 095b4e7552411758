/** Exit codes of the contract: 0 success, 1 runtime failure, 2 bad usage or invalid input. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/**
 * Maps an error to its exit code and the one line to print. Input errors (every class derived
 * from core's InvalidInputError carries exitCode 2) print their message alone, never a stack.
 */
export function describeError (err: unknown): { code: number, line: string } {
  if (err instanceof Error) {
    const code = (err as { exitCode?: unknown }).exitCode === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE
    return { code, line: `gpufleet: ${err.message.split('\n')[0] ?? err.name}` }
  }
  return { code: EXIT_FAILURE, line: `gpufleet: ${String(err)}` }
}
