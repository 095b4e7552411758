import type { ServerResponse } from 'node:http'

/** OpenAI's error shape, so every client library reports gateway errors the way it reports OpenAI's. */
export function sendOpenAiError (res: ServerResponse, status: number, message: string, type: string, code: string | null, param: string | null = null, headers: Record<string, string> = {}): void {
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify({ error: { message, type, param, code } }))
}
