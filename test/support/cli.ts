import { spawn } from 'node:child_process'
import { join } from 'node:path'

export const repoRoot = join(import.meta.dirname, '../..')
/** The built CLI, run as users run it: `node packages/cli/dist/bin.js`. */
export const bin = join(repoRoot, 'packages/cli/dist/bin.js')

export interface CliRun { code: number | null, stdout: string, stderr: string }

export interface CliRunOptions {
  /** Added to the test's own environment. */
  env?: NodeJS.ProcessEnv
  /** Node flags before the script (an agent's AGENT_NODE_FLAGS). */
  nodeFlags?: string[]
  /** Killed (SIGKILL) past this; the run then ends with code null. */
  timeoutMs?: number
}

/** Runs one `gpufleet` command to its end: exit code and everything it printed. The one way tests spawn the CLI. */
export async function runCli (args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), bin, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, options.timeoutMs ?? 15_000)
    child.on('error', reject)
    child.on('close', code => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

/** Runs a command that must succeed and returns its stdout; otherwise throws with its stderr. */
export async function runCliOk (args: string[], options: CliRunOptions = {}): Promise<string> {
  const run = await runCli(args, options)
  if (run.code !== 0) throw new Error(`gpufleet ${args.join(' ')} exited ${String(run.code)}: ${run.stderr}`)
  return run.stdout
}
