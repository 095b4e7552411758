import type { IncomingMessage, ServerResponse } from 'node:http'
import { LoopbackServer } from './loopback-server.js'

type Json = Record<string, unknown>

/** The usage every answer reports, per wire format: fixed so a test can tally tokens and money by hand. */
export const OPENAI_USAGE = { prompt_tokens: 1200, completion_tokens: 80, total_tokens: 1280, prompt_tokens_details: { cached_tokens: 1000 } }
export const ANTHROPIC_USAGE = { input_tokens: 50, cache_read_input_tokens: 2000, cache_creation_input_tokens: 300, output_tokens: 40 }

/**
 * A loopback stand-in for a paid cloud API that reports prompt caching: OpenAI's chat completions
 * (usage with prompt_tokens_details.cached_tokens; in streams only when asked with
 * stream_options.include_usage) or Anthropic's Messages (cache_read/cache_creation_input_tokens;
 * message_start then message_delta in streams). `rateLimitFor(seconds)` makes the next answers 429
 * with retry-after, as both providers do.
 */
export class PricedCloudStandIn extends LoopbackServer {
  /** Requests answered, by status. */
  readonly answered: number[] = []
  /** Bodies as received. */
  readonly bodies: Json[] = []
  private limitedUntil = 0

  constructor (private readonly api: 'openai' | 'anthropic', private readonly key: string) { super() }

  rateLimitFor (seconds: number): void { this.limitedUntil = Date.now() + seconds * 1000 }
  clearRateLimit (): void { this.limitedUntil = 0 }

  private send (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    this.answered.push(status)
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(value))
  }

  protected async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    let body: Json = {}
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json } catch { /* answered below */ }
    this.bodies.push(body)
    const anthropic = this.api === 'anthropic'
    const keyOk = anthropic ? req.headers['x-api-key'] === this.key : req.headers.authorization === `Bearer ${this.key}`
    if (!keyOk) { this.send(res, 401, { error: { message: 'bad key' } }); return }
    if (Date.now() < this.limitedUntil) {
      const seconds = String(Math.ceil((this.limitedUntil - Date.now()) / 1000))
      this.send(res, 429, anthropic ? { type: 'error', error: { type: 'rate_limit_error', message: 'rate limited' } } : { error: { message: 'rate limited', type: 'rate_limit_exceeded', param: null, code: null } }, { 'retry-after': seconds })
      return
    }
    const model = String(body.model ?? '')
    const stream = body.stream === true
    if (anthropic) {
      if (req.url !== '/v1/messages') { this.send(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'no route' } }); return }
      if (!stream) {
        this.send(res, 200, { id: 'msg_priced', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'priced answer' }], stop_reason: 'end_turn', stop_sequence: null, usage: ANTHROPIC_USAGE })
        return
      }
      this.answered.push(200)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const sse = (event: string, data: unknown): void => { res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`) }
      sse('message_start', { type: 'message_start', message: { id: 'msg_priced', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...ANTHROPIC_USAGE, output_tokens: 1 } } })
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'priced answer' } })
      sse('content_block_stop', { type: 'content_block_stop', index: 0 })
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: ANTHROPIC_USAGE.output_tokens } })
      sse('message_stop', { type: 'message_stop' })
      res.end()
      return
    }
    if (req.url !== '/v1/chat/completions') { this.send(res, 404, { error: { message: 'no route' } }); return }
    const created = 1_795_000_000
    if (!stream) {
      this.send(res, 200, { id: 'chatcmpl-priced', object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: 'priced answer' }, finish_reason: 'stop' }], usage: OPENAI_USAGE })
      return
    }
    this.answered.push(200)
    const withUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const chunk = (choices: unknown[], extra: Json = {}): void => { res.write(`data: ${JSON.stringify({ id: 'chatcmpl-priced', object: 'chat.completion.chunk', created, model, choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`) }
    chunk([{ index: 0, delta: { role: 'assistant', content: 'priced' }, finish_reason: null }])
    chunk([{ index: 0, delta: { content: ' answer' }, finish_reason: null }])
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }])
    if (withUsage) chunk([], { usage: OPENAI_USAGE })
    res.end('data: [DONE]\n\n')
  }
}
