/** One thing an install or uninstall does: rendered by --dry-run, carried out otherwise. */
export type Step =
  | { kind: 'mkdir', path: string }
  | { kind: 'write', path: string, contents: string }
  | { kind: 'copy', from: string, to: string }
  | { kind: 'remove', path: string }
  /** `unless`: skip when this command succeeds (e.g. the account already exists). */
  | { kind: 'run', cmd: string, args: string[], ignoreFailure?: boolean, unless?: { cmd: string, args: string[] } }

export interface RunResult { code: number, stdout: string, stderr: string }
/** Runs an OS command: the real one spawns it; tests record it. */
export type Runner = (cmd: string, args: string[]) => Promise<RunResult>

export interface ServiceFs {
  mkdir: (path: string) => Promise<void>
  write: (path: string, contents: string) => Promise<void>
  copy: (from: string, to: string) => Promise<void>
  remove: (path: string) => Promise<void>
}

/** A command the OS refused while installing. */
export class ServiceCommandError extends Error {
  static readonly NAME = 'ServiceCommandError'
  override name = ServiceCommandError.NAME
}

const shellWord = (w: string): string => (/^[\w@%+=:,./\\-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)
export const commandText = (cmd: string, args: string[]): string => [cmd, ...args].map(shellWord).join(' ')

/** What --dry-run prints: every file (path, then contents) and every command, in order. */
export function describeSteps (steps: readonly Step[]): string {
  const out: string[] = []
  for (const s of steps) {
    switch (s.kind) {
      case 'mkdir': out.push(`# mkdir ${s.path}`); break
      case 'write': out.push(`# file ${s.path}`, s.contents.replace(/\r\n/g, '\n').trimEnd(), `# end of ${s.path}`); break
      case 'copy': out.push(`# copy ${s.from} -> ${s.to}`); break
      case 'remove': out.push(`# remove ${s.path}`); break
      case 'run': out.push(`# run ${s.unless === undefined ? '' : `(unless \`${commandText(s.unless.cmd, s.unless.args)}\` succeeds) `}${commandText(s.cmd, s.args)}${s.ignoreFailure === true ? '   (failure ignored)' : ''}`); break
    }
  }
  return out.join('\n')
}

export async function applySteps (steps: readonly Step[], runner: Runner, fs: ServiceFs, log: (line: string) => void): Promise<void> {
  for (const s of steps) {
    switch (s.kind) {
      case 'mkdir': await fs.mkdir(s.path); break
      case 'write': await fs.write(s.path, s.contents); log(`wrote ${s.path}`); break
      case 'copy': await fs.copy(s.from, s.to); break
      case 'remove': await fs.remove(s.path); break
      case 'run': {
        if (s.unless !== undefined && (await runner(s.unless.cmd, s.unless.args)).code === 0) break
        const r = await runner(s.cmd, s.args)
        if (r.code !== 0 && s.ignoreFailure !== true) throw new ServiceCommandError(`${commandText(s.cmd, s.args)} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`)
        log(`ran ${commandText(s.cmd, s.args)}`)
      }
    }
  }
}
