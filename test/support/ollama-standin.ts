import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { answerMessages, type ToolPicker } from './anthropic-standin.js'
import { LoopbackServer } from './loopback-server.js'

/** A model's digest as /api/tags and /api/ps give it: 64 hex digits (the pull stream prefixes `sha256:`). */
const digestOf = (model: string): string => createHash('sha256').update(model).digest('hex')

/** One request as the stand-in saw it. */
export interface SeenRequest { method: string, path: string, headers: IncomingMessage['headers'], body: Record<string, unknown> | null }

export interface StandInOptions {
  /** Models it serves (an unknown one answers 404 as Ollama does). Empty: any model. */
  models?: string[]
  /** When set, every request must carry `Authorization: Bearer <key>` (a cloud provider). */
  requireKey?: string
  /** Delay between streamed chunks. */
  chunkDelayMs?: number
  /** Prefix of the answer, so a test can tell which upstream answered. */
  name: string
  /** What /api/version reports (default 0.12.6); from 0.14 it also answers the Anthropic Messages API at /v1/messages. */
  version?: string
  /** Hold every chat stream open after its first chunk until this many streams have started (then release them all). */
  holdStreamsUntil?: number
  /** Which tool to call when a request offers tools (default: the first, with {"city":"Paris"}). */
  pickTool?: ToolPicker
}

/**
 * A loopback stand-in for what cannot run here — an Ollama server, or an OpenAI-compatible cloud
 * API — speaking their real wire formats: Ollama's native /api/version, /api/tags, /api/ps,
 * /api/show and its OpenAI-compatible /v1/chat/completions (JSON, or server-sent events with
 * `data: [DONE]`), /v1/completions and /v1/embeddings; errors in OpenAI's shape.
 */
export class OpenAiStandIn extends LoopbackServer {
  readonly seen: SeenRequest[] = []
  /** Requests whose client went away before the answer was complete. */
  aborted = 0
  /** Answer every request with this status (a 5xx makes the gateway fail over). */
  failWith: number | null = null
  /** Headers sent with failWith's answer (a 429's retry-after and rate-limit headers). */
  failHeaders: Record<string, string> = {}
  /** Native API state: installed models, loaded ones (with keep_alive), bytes already downloaded per model. */
  readonly installed = new Set<string>()
  readonly loaded = new Map<string, string | number>()
  readonly downloaded = new Map<string, number>()
  /** Pulls as they started: model and the byte offset they resumed from. */
  readonly pulls: Array<{ model: string, resumedFrom: number }> = []
  /** Drop the connection once when a model's download passes this many bytes (a failure mid-pull). */
  readonly failPullAt = new Map<string, number>()
  /** Answer every pull of a model with Ollama's in-stream error line `{"error": …}` after the manifest step. */
  readonly failPullWith = new Map<string, string>()
  /** Hold a model's pull once it passes this many bytes, until releasePulls(): a pull provably in progress. */
  readonly holdPullAt = new Map<string, number>()
  private releaseHeld: (() => void) | null = null
  /** Size of each model's single layer, and the delay between progress lines. */
  layerBytes = 8 * 1024 * 1024
  pullStepMs = 20
  pullAborts = 0
  /** Models derived with /api/create: name → the tag it was made from and its num_ctx. */
  readonly created = new Map<string, { from: string, numCtx: number | null }>()
  /** Streams started so far, and the waiters released once holdStreamsUntil have started. */
  streamsStarted = 0
  private readonly held: Array<() => void> = []

  constructor (private readonly options: StandInOptions) { super() }

  releasePulls (): void {
    this.holdPullAt.clear()
    this.releaseHeld?.()
  }

  /** Ollama's pull stream: NDJSON progress lines, resuming from what was already downloaded. */
  private async pull (model: string, res: ServerResponse): Promise<void> {
    const line = (value: unknown): void => { res.write(`${JSON.stringify(value)}\n`) }
    const start = this.downloaded.get(model) ?? 0
    this.pulls.push({ model, resumedFrom: start })
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    let closed = false
    res.on('close', () => { if (!res.writableFinished) { closed = true; this.pullAborts++ } })
    line({ status: 'pulling manifest' })
    const failure = this.failPullWith.get(model)
    if (failure !== undefined) { res.end(`${JSON.stringify({ error: failure })}\n`); return }
    const digest = `sha256:${digestOf(model)}`
    const step = Math.ceil(this.layerBytes / 20)
    for (let done = start; done < this.layerBytes;) {
      await new Promise(resolve => setTimeout(resolve, this.pullStepMs))
      if (closed) return
      done = Math.min(this.layerBytes, done + step)
      this.downloaded.set(model, done)
      const failAt = this.failPullAt.get(model)
      if (failAt !== undefined && done >= failAt) {
        this.failPullAt.delete(model)
        res.destroy()
        return
      }
      line({ status: `pulling ${digest.slice(7, 19)}`, digest, total: this.layerBytes, completed: done })
      const holdAt = this.holdPullAt.get(model)
      if (holdAt !== undefined && done >= holdAt) await new Promise<void>(resolve => { this.releaseHeld = resolve })
    }
    line({ status: 'verifying sha256 digest' })
    line({ status: 'writing manifest' })
    this.installed.add(model)
    res.end(`${JSON.stringify({ status: 'success' })}\n`)
  }

  /** With holdStreamsUntil: a stream waits here until that many have started, proving none waited for another to end. */
  private async holdStream (): Promise<void> {
    this.streamsStarted++
    const until = this.options.holdStreamsUntil
    if (until === undefined) return
    if (this.streamsStarted >= until) { for (const release of this.held.splice(0)) release(); return }
    await new Promise<void>(resolve => this.held.push(resolve))
  }

  /** An OpenAI tool call to the first tool with {"city":"Paris"}: JSON, or streamed with the arguments in fragments. */
  private async toolCall (body: Record<string, unknown>, name: string, res: ServerResponse, input: Record<string, unknown> = { city: 'Paris' }): Promise<void> {
    const model = String(body.model ?? '')
    const created = 1_795_000_000
    const usage = { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 }
    const call = { id: 'call_StandIn01', type: 'function', function: { name, arguments: JSON.stringify(input) } }
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }], usage }))
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const send = (delta: unknown, finish: string | null = null): void => { res.write(`data: ${JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`) }
    send({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name, arguments: '' } }] })
    const args = call.function.arguments
    for (const part of [args.slice(0, 7), args.slice(7, 13), args.slice(13)].filter(p => p !== '')) {
      send({ tool_calls: [{ index: 0, function: { arguments: part } }] })
      await new Promise(resolve => setTimeout(resolve, this.options.chunkDelayMs ?? 0))
    }
    send({}, 'tool_calls')
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true) res.write(`data: ${JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`)
    res.end('data: [DONE]\n\n')
  }

  /** Ollama's native /api/chat: NDJSON lines (or one JSON with stream: false), the last with done and counters. */
  private async nativeChat (body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const model = String(body.model ?? '')
    const messages = Array.isArray(body.messages) ? body.messages as Array<{ content?: unknown }> : []
    const words = `${this.options.name} says: ${String(messages.at(-1)?.content ?? '')}`.split(' ')
    const at = '2026-11-30T20:00:00.000Z'
    const final = { model, created_at: at, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 1, load_duration: 1, prompt_eval_count: 5, prompt_eval_duration: 1, eval_count: words.length, eval_duration: 1 }
    if (body.stream === false) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify({ ...final, message: { role: 'assistant', content: words.join(' ') } }))
      return
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    for (const [i, word] of words.entries()) {
      res.write(`${JSON.stringify({ model, created_at: at, message: { role: 'assistant', content: i === 0 ? word : ` ${word}` }, done: false })}\n`)
      await new Promise(resolve => setTimeout(resolve, this.options.chunkDelayMs ?? 0))
    }
    res.end(`${JSON.stringify(final)}\n`)
  }

  protected async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: Record<string, unknown> | null = null
    try { body = text === '' ? null : JSON.parse(text) as Record<string, unknown> } catch { body = null }
    const path = (req.url ?? '/').split('?')[0]!
    this.seen.push({ method: req.method ?? '', path, headers: req.headers, body })
    const json = (status: number, value: unknown): void => { res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }); res.end(JSON.stringify(value)) }
    const error = (status: number, message: string, type = 'api_error'): void => { json(status, { error: { message, type, param: null, code: null } }) }
    if (this.options.requireKey !== undefined && req.headers.authorization !== `Bearer ${this.options.requireKey}`) { error(401, 'Incorrect API key provided', 'invalid_request_error'); return }
    if (this.failWith !== null) {
      res.writeHead(this.failWith, { 'content-type': 'application/json; charset=utf-8', ...this.failHeaders })
      res.end(JSON.stringify({ error: { message: `stand-in ${this.options.name} failing on purpose`, type: this.failWith === 429 ? 'rate_limit_exceeded' : 'api_error', param: null, code: null } }))
      return
    }
    const models = this.options.models ?? []
    const model = typeof body?.model === 'string' ? body.model : ''
    switch (`${req.method ?? ''} ${path}`) {
      case 'GET /api/version': json(200, { version: this.options.version ?? '0.12.6' }); return
      case 'POST /api/create': {
        const name = String(body?.model ?? '')
        const numCtx = (body?.parameters as { num_ctx?: number } | undefined)?.num_ctx ?? null
        this.created.set(name, { from: String(body?.from ?? ''), numCtx })
        this.installed.add(name)
        json(200, { status: 'success' })
        return
      }
      case 'POST /api/chat': await this.nativeChat(body ?? {}, res); return
      case 'POST /v1/messages':
        if (!/^0\.(1[4-9]|[2-9]\d)|^[1-9]/.test(this.options.version ?? '0.12.6')) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('404 page not found'); return }
        await answerMessages(this.options.name, body ?? {}, res, this.options.chunkDelayMs, this.options.pickTool)
        return
      case 'GET /api/tags': json(200, { models: [...new Set([...models, ...this.installed])].sort().map(name => ({ name, model: name, modified_at: '2026-11-01T00:00:00Z', size: 4_900_000_000, digest: digestOf(name), details: { format: 'gguf', family: 'llama', parameter_size: '8.0B', quantization_level: 'Q4_K_M' } })) }); return
      case 'GET /api/ps': json(200, { models: [...this.loaded.keys()].map(name => ({ name, model: name, size: this.layerBytes, digest: digestOf(name), details: { format: 'gguf', family: 'llama', parameter_size: '8.0B', quantization_level: 'Q4_K_M' }, expires_at: '2318-01-01T00:00:00Z', size_vram: this.layerBytes })) }); return
      case 'POST /api/pull': await this.pull(String(body?.model ?? body?.name ?? ''), res); return
      case 'DELETE /api/delete': {
        const name = String(body?.model ?? body?.name ?? '')
        if (!this.installed.delete(name)) { error(404, `model '${name}' not found`); return }
        json(200, {})
        return
      }
      case 'POST /api/generate': {
        const name = String(body?.model ?? '')
        if (!this.installed.has(name)) { json(404, { error: `model '${name}' not found, try pulling it first` }); return }
        const keepAlive = body?.keep_alive as string | number | undefined
        if (keepAlive === 0) this.loaded.delete(name); else this.loaded.set(name, keepAlive ?? '5m')
        const prompt = String(body?.prompt ?? '')
        const generated = prompt === '' ? 0 : Number((body?.options as { num_predict?: number } | undefined)?.num_predict ?? 64)
        // Counters as Ollama reports them: durations in nanoseconds. 40 tokens/s decode, 800 tokens/s prompt.
        json(200, { model: name, created_at: new Date().toISOString(), response: prompt === '' ? '' : 'text', done: true, done_reason: prompt === '' ? (keepAlive === 0 ? 'unload' : 'load') : 'length', total_duration: 1, load_duration: 1, prompt_eval_count: prompt === '' ? 0 : 16, prompt_eval_duration: 16 / 800 * 1e9, eval_count: generated, eval_duration: generated / 40 * 1e9 })
        return
      }
      case 'GET /v1/models': json(200, { object: 'list', data: models.map(id => ({ id, object: 'model', created: 0, owned_by: 'library' })) }); return
    }
    if (req.method !== 'POST') { error(404, `no route ${path}`); return }
    if (models.length > 0 && !models.includes(model)) { error(404, `model "${model}" not found, try pulling it first`, 'not_found_error'); return }
    const messages = Array.isArray(body?.messages) ? body.messages as Array<{ content?: unknown }> : []
    const prompt = String(messages.at(-1)?.content ?? body?.prompt ?? '')
    const words = `${this.options.name} says: ${prompt}`.split(' ')
    const usage = { prompt_tokens: prompt.split(' ').length, completion_tokens: words.length, total_tokens: prompt.split(' ').length + words.length }
    const created = 1_795_000_000
    switch (path) {
      case '/v1/chat/completions':
      case '/v1/completions': {
        const chat = path === '/v1/chat/completions'
        const tools = Array.isArray(body?.tools) ? body.tools as Array<{ function?: { name?: string } }> : []
        const last = messages.at(-1) as { role?: string } | undefined
        if (chat && tools.length > 0 && last?.role !== 'tool') {
          const picked = this.options.pickTool?.(tools.map(t => String(t.function?.name ?? '')))
          await this.toolCall(body ?? {}, picked?.name ?? String(tools[0]?.function?.name ?? ''), res, picked?.input)
          return
        }
        if (body?.stream !== true) {
          const choice = chat ? { index: 0, message: { role: 'assistant', content: words.join(' ') }, finish_reason: 'stop' } : { index: 0, text: words.join(' '), finish_reason: 'stop' }
          json(200, { id: 'chatcmpl-1', object: chat ? 'chat.completion' : 'text_completion', created, model, system_fingerprint: 'fp_ollama', choices: [choice], usage })
          return
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
        let closed = false
        res.on('close', () => { if (!res.writableFinished) { closed = true; this.aborted++ } })
        const send = (value: unknown): void => { res.write(`data: ${JSON.stringify(value)}\n\n`) }
        await this.holdStream()
        for (const [i, word] of words.entries()) {
          if (closed) return
          const piece = i === 0 ? word : ` ${word}`
          send({ id: 'chatcmpl-1', object: chat ? 'chat.completion.chunk' : 'text_completion', created, model, system_fingerprint: 'fp_ollama', choices: [chat ? { index: 0, delta: { role: 'assistant', content: piece }, finish_reason: null } : { index: 0, text: piece, finish_reason: null }] })
          await new Promise(resolve => setTimeout(resolve, this.options.chunkDelayMs ?? 0))
        }
        if (closed) return
        send({ id: 'chatcmpl-1', object: chat ? 'chat.completion.chunk' : 'text_completion', created, model, system_fingerprint: 'fp_ollama', choices: [chat ? { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' }] })
        if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true) send({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_ollama', choices: [], usage })
        res.end('data: [DONE]\n\n')
        return
      }
      case '/v1/embeddings':
        json(200, { object: 'list', data: [{ object: 'embedding', embedding: [0.1, -0.2, 0.3], index: 0 }], model, usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens } })
        return
      default:
        error(404, `no route ${path}`)
    }
  }
}
