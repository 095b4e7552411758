/** A signal that aborts after `ms` or when `parent` aborts, whichever comes first. */
export interface BoundedSignal {
  signal: AbortSignal
  /** Detaches from the parent and clears the timer: call when the bounded work is over. */
  release: () => void
}

/**
 * AbortSignal.any([parent, AbortSignal.timeout(ms)]) on Node 20 keeps every derived signal
 * reachable from the parent until the parent aborts: an agent's lifetime signal collected
 * one per dial and per sync, for months. This one removes its listener and timer on release.
 */
export function boundedSignal (parent: AbortSignal, ms: number): BoundedSignal {
  const controller = new AbortController()
  const onAbort = (): void => { controller.abort(parent.reason) }
  const timer = setTimeout(() => { controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')) }, ms)
  timer.unref()
  const release = (): void => {
    clearTimeout(timer)
    parent.removeEventListener('abort', onAbort)
  }
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onAbort, { once: true })
  controller.signal.addEventListener('abort', release, { once: true })
  return { signal: controller.signal, release }
}
