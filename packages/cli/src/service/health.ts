/** How long `service install` waits for the new agent to answer before it says it is not running. */
export const HEALTH_WAIT_MS = 20_000

/** Answers whether `url` said {"ok":true} within `withinMs` (the real one polls over HTTP; tests script it). */
export type HealthCheck = (url: string, withinMs: number) => Promise<boolean>

/**
 * The agent's /healthz as seen from this machine, from its `api.listen` (HOST:PORT): a wildcard
 * host is asked on loopback. Null for port 0 (a port chosen at start cannot be known here).
 */
export function healthUrl (listen: string): string | null {
  const m = /^(\[[0-9a-fA-F:]+\]|[^\s:]+):(\d{1,5})$/.exec(listen)
  if (m === null || m[2] === '0') return null
  const host = m[1] === '0.0.0.0' ? '127.0.0.1' : m[1] === '[::]' ? '[::1]' : m[1]!
  return `http://${host}:${m[2]!}/healthz`
}

/** Polls until the agent answers or the time is up; a refused connection just means "not yet". */
export const httpHealthCheck: HealthCheck = async (url, withinMs) => {
  const deadline = Date.now() + withinMs
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      if (res.ok && ((await res.json()) as { ok?: unknown }).ok === true) return true
    } catch {
      // not listening yet, or restarting
    }
    if (Date.now() >= deadline) return false
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}
