import type { ServerResponse } from 'node:http'

/** The one content type of every JSON answer the agent gives. */
export const JSON_TYPE = 'application/json; charset=utf-8'

/** A JSON answer: compact, never cached by a browser or proxy, never sniffed as something else. */
export function sendJson (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  // Too late for a status line: the client sees the connection end instead of a wrong answer.
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(status, { 'content-type': JSON_TYPE, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers })
  res.end(JSON.stringify(value))
}
