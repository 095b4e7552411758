import type { Logger } from 'pino'
import { EXIT_FAILURE } from './exit.js'

/** What the handlers need of the process: its events and a way out (a test passes its own). */
export interface FatalProcess {
  on: (event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void) => unknown
  exit: (code: number) => void
}

/**
 * A rejection nobody awaited or an exception nobody caught leaves the daemon in a state no one
 * designed: log it with its origin and exit non-zero, so the service manager (systemd
 * Restart=on-failure, launchd KeepAlive, winsw onfailure) starts a fresh agent.
 */
export function installFatalHandlers (log: Logger, proc: FatalProcess = process): void {
  let exiting = false
  const fatal = (origin: 'unhandledRejection' | 'uncaughtException') => (err: unknown): void => {
    if (exiting) return
    exiting = true
    const error = err instanceof Error ? err : new Error(String(err))
    log.fatal({ err: error, origin }, 'unexpected error: exiting for the service manager to restart the agent')
    log.flush()
    proc.exit(EXIT_FAILURE)
  }
  proc.on('unhandledRejection', fatal('unhandledRejection'))
  proc.on('uncaughtException', fatal('uncaughtException'))
}
