import { join } from 'node:path'
import { bin, repoRoot, runCli, type CliRun } from '../../../test/support/cli.js'

export { repoRoot, type CliRun }
export const binPath = bin
export const fakeNvidiaSmi = join(repoRoot, 'packages/probe/test/fixtures/bin/nvidia-smi')
export const nvidiaFixture = (name: string): string => join(repoRoot, 'packages/probe/test/fixtures/nvidia-smi', name)

/** Runs the built CLI as users do (`node dist/bin.js`), with a bounded lifetime. */
export async function runBin (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 15_000): Promise<CliRun> {
  return await runCli(args, { env, timeoutMs })
}
