import { spawn } from 'node:child_process'
import { join } from 'node:path'

export const repoRoot = join(import.meta.dirname, '../../..')
export const binPath = join(repoRoot, 'packages/cli/dist/bin.js')
export const fakeNvidiaSmi = join(repoRoot, 'packages/probe/test/fixtures/bin/nvidia-smi')
export const nvidiaFixture = (name: string): string => join(repoRoot, 'packages/probe/test/fixtures/nvidia-smi', name)

export interface CliRun { code: number | null, stdout: string, stderr: string }

/** Runs the built CLI as users do (`node dist/bin.js`), with a bounded lifetime. */
export async function runBin (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 15_000): Promise<CliRun> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.on('error', reject)
    child.on('close', code => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}
