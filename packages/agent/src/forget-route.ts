import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RawHandler } from './http.js'

/** What `POST /api/forget` can answer: done, or why not (HTTP status and one line). */
export type ForgetOutcome =
  | { ok: true, hostname: string, term: number, upTo: number }
  | { ok: false, status: 404 | 409 | 503, error: string }

export interface ForgetRouteSource {
  /** Publishes the tombstone when this node leads and the host may be forgotten. */
  forget: (hostname: string) => Promise<ForgetOutcome>
}

/** A request names one host: a few hundred bytes at most. */
const MAX_BODY_BYTES = 4096

/**
 * `POST /api/forget` with `{"host": "NAME"}`: what `gpufleet forget HOST` calls. Only the leader
 * can forget (it signs the tombstone); another node answers 409 naming the leader to ask.
 */
export function forgetRoute (src: ForgetRouteSource): RawHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      res.end(JSON.stringify(value))
    }
    const body = await readBounded(req)
    if (body === null) { send(413, { error: `request body larger than ${MAX_BODY_BYTES} bytes` }); return }
    const hostname = hostOf(body)
    if (hostname === null) { send(400, { error: 'expected a JSON body {"host": "NAME"} naming the host to forget' }); return }
    const outcome = await src.forget(hostname)
    if (outcome.ok) send(200, { forgotten: outcome.hostname, term: outcome.term, upTo: outcome.upTo })
    else send(outcome.status, { error: outcome.error })
  }
}

function hostOf (body: string): string | null {
  try {
    const value = JSON.parse(body) as unknown
    const host = (value as { host?: unknown } | null)?.host
    return typeof host === 'string' && host.length > 0 && host.length <= 253 ? host : null
  } catch {
    return null
  }
}

async function readBounded (req: IncomingMessage): Promise<string | null> {
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) { req.resume(); return null }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) { req.resume(); return null }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
