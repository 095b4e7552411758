import type { ServerResponse } from 'node:http'
import { sendJson } from '../json-response.js'

/** OpenAI's error shape, so every client library reports gateway errors the way it reports OpenAI's. */
export function sendOpenAiError (res: ServerResponse, status: number, message: string, type: string, code: string | null, param: string | null = null, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { message, type, param, code } }, headers)
}
