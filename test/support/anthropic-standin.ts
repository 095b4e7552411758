import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SeenRequest } from './ollama-standin.js'
import { LoopbackServer } from './loopback-server.js'

type Json = Record<string, unknown>

/** The text of the last user turn, or of the tool results it carries. */
function lastUserText (messages: Json[]): { text: string, toolResult: boolean } {
  const last = messages.at(-1)
  const content = last?.content
  if (typeof content === 'string') return { text: content, toolResult: false }
  const blocks = Array.isArray(content) ? content as Json[] : []
  const results = blocks.filter(b => b.type === 'tool_result')
  if (results.length > 0) return { text: results.map(r => (typeof r.content === 'string' ? r.content : (r.content as Json[]).map(c => String(c.text ?? '')).join(''))).join(' '), toolResult: true }
  return { text: blocks.filter(b => b.type === 'text').map(b => String(b.text)).join(' '), toolResult: false }
}

/** Which tool the stand-in calls, with what input, given the names offered (default: the first, with {"city":"Paris"}). */
export type ToolPicker = (names: string[]) => { name: string, input: Record<string, unknown> } | undefined

const sse = (res: ServerResponse, event: string, data: unknown): void => { res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`) }

/**
 * Answers one Anthropic Messages request the way Anthropic's API (and Ollama ≥ 0.14) does: JSON, or
 * the event stream (message_start, content_block_start/delta/stop, ping, message_delta,
 * message_stop). With tools and a user turn that is not a tool result, it calls the first tool
 * with `{"city":"Paris"}` (streamed as input_json_delta fragments); otherwise it says
 * `NAME says: <text>`, word by word.
 */
export async function answerMessages (name: string, body: Json, res: ServerResponse, chunkDelayMs = 0, pickTool?: ToolPicker): Promise<void> {
  const messages = Array.isArray(body.messages) ? body.messages as Json[] : []
  const tools = Array.isArray(body.tools) ? body.tools as Json[] : []
  const { text, toolResult } = lastUserText(messages)
  const callTool = tools.length > 0 && !toolResult
  const picked = pickTool?.(tools.map(t => String(t.name)))
  const words = `${name} says: ${text}`.split(' ')
  const model = String(body.model)
  const usage = { input_tokens: Math.max(1, text.split(' ').length), output_tokens: callTool ? 12 : words.length }
  const toolUse = { type: 'tool_use', id: 'toolu_01StandInCall', name: picked?.name ?? String(tools[0]?.name ?? ''), input: picked?.input ?? { city: 'Paris' } }
  if (body.stream !== true) {
    const content = callTool ? [toolUse] : [{ type: 'text', text: words.join(' ') }]
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_standin' })
    res.end(JSON.stringify({ id: 'msg_01StandIn', type: 'message', role: 'assistant', model, content, stop_reason: callTool ? 'tool_use' : 'end_turn', stop_sequence: null, usage }))
    return
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_standin' })
  sse(res, 'message_start', { type: 'message_start', message: { id: 'msg_01StandIn', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } })
  if (callTool) {
    sse(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { ...toolUse, input: {} } })
    sse(res, 'ping', { type: 'ping' })
    const json = JSON.stringify(toolUse.input)
    for (const part of [json.slice(0, 8), json.slice(8, 14), json.slice(14)].filter(p => p !== '')) {
      sse(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: part } })
      await new Promise(resolve => setTimeout(resolve, chunkDelayMs))
    }
  } else {
    sse(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
    sse(res, 'ping', { type: 'ping' })
    for (const [i, word] of words.entries()) {
      sse(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: i === 0 ? word : ` ${word}` } })
      await new Promise(resolve => setTimeout(resolve, chunkDelayMs))
    }
  }
  sse(res, 'content_block_stop', { type: 'content_block_stop', index: 0 })
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: callTool ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } })
  sse(res, 'message_stop', { type: 'message_stop' })
  res.end()
}

/**
 * A loopback stand-in for Anthropic's API (or z.ai's Anthropic endpoint): `POST /v1/messages` and
 * `/v1/messages/count_tokens`, `x-api-key` required, errors in Anthropic's shape; `rateLimited`
 * makes it answer 429 with retry-after and rate-limit headers, as Anthropic does.
 */
export class AnthropicStandIn extends LoopbackServer {
  readonly seen: SeenRequest[] = []
  rateLimited = false

  constructor (private readonly options: { name: string, requireKey?: string }) { super() }

  protected async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    let body: Json | null = null
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json } catch { body = null }
    const path = (req.url ?? '/').split('?')[0]!
    this.seen.push({ method: req.method ?? '', path, headers: req.headers, body })
    const error = (status: number, type: string, message: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify({ type: 'error', error: { type, message } }))
    }
    if (this.options.requireKey !== undefined && req.headers['x-api-key'] !== this.options.requireKey) { error(401, 'authentication_error', 'invalid x-api-key'); return }
    if (typeof req.headers['anthropic-version'] !== 'string') { error(400, 'invalid_request_error', 'anthropic-version header is required'); return }
    if (this.rateLimited) {
      error(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '14', 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2026-11-30T20:00:14Z' })
      return
    }
    if (req.method !== 'POST' || body === null) { error(404, 'not_found_error', `no route ${path}`); return }
    if (path === '/v1/messages/count_tokens') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ input_tokens: 21 }))
      return
    }
    if (path === '/v1/messages') { await answerMessages(this.options.name, body, res); return }
    error(404, 'not_found_error', `no route ${path}`)
  }
}
