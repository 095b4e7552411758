import { execFile } from 'node:child_process'

export interface ExecResult { stdout: string, stderr: string, exitCode: number }
export interface ExecOptions { signal?: AbortSignal, timeoutMs?: number }
/** Runs a program without a shell. Resolves with its exit code instead of throwing on failure. */
export type ExecFn = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>

/** The real runner: asynchronous, so probing never blocks the agent's event loop. */
export const execFileAsync: ExecFn = async (file, args, options = {}) => {
  return await new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', windowsHide: true, timeout: options.timeoutMs ?? 10_000, signal: options.signal, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error == null) { resolve({ stdout, stderr, exitCode: 0 }); return }
        const code = (error as NodeJS.ErrnoException & { code?: unknown }).code
        // A process that ran and exited non-zero is a result; one that never started is an error.
        if (typeof code === 'number') { resolve({ stdout, stderr, exitCode: code }); return }
        reject(error)
      })
  })
}
