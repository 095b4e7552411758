import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import {
  ChatStreamToMessages, SseParser, tokensFromAnthropic, anthropicError, anthropicErrorType, chatToMessage, estimateInputTokens, explainRoute, mapModelName, messagesToChat, sseFrame,
  type GatewayTarget
} from '@gpufleet/core'
import { passedHeaders, writeChunk, type Exchange, type Gateway } from './gateway.js'
import type { Tokens } from './usage.js'

/** Anthropic's error shape, so the Anthropic SDK and Claude Code report gateway errors as they report Anthropic's. */
export const anthropicErrorOut: Exchange['error'] = (res, status, message, _code, headers = {}) => {
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify({ type: 'error', error: { type: anthropicErrorType(status), message } }))
}

/** The headers an Anthropic-native upstream gets: the client's version and beta flags unchanged. */
function anthropicHeaders (req: IncomingMessage, gateway: Gateway, target: GatewayTarget): Record<string, string> {
  const headers: Record<string, string> = {
    ...gateway.authHeaders(target),
    'content-type': 'application/json',
    accept: String(req.headers.accept ?? 'application/json, text/event-stream'),
    'anthropic-version': typeof req.headers['anthropic-version'] === 'string' ? req.headers['anthropic-version'] : '2023-06-01'
  }
  if (typeof req.headers['anthropic-beta'] === 'string') headers['anthropic-beta'] = req.headers['anthropic-beta']
  return headers
}

/** A Messages request's body, with its model and messages checked; null once a 400 in Anthropic's shape was sent. */
async function readMessagesRequest (gateway: Gateway, req: IncomingMessage, res: ServerResponse): Promise<{ body: Record<string, unknown>, requested: string } | null> {
  const body = await gateway.readJson(req, res, anthropicErrorOut)
  if (body === null) return null
  const requested = body.model
  if (typeof requested !== 'string' || requested === '') { anthropicErrorOut(res, 400, 'model: Field required', 'invalid_request_error'); return null }
  if (!Array.isArray(body.messages)) { anthropicErrorOut(res, 400, 'messages: Field required (an array)', 'invalid_request_error'); return null }
  return { body, requested }
}

/**
 * `POST /v1/messages`: passed through with the model rewritten to upstreams that speak Messages
 * (Ollama ≥ 0.14, Anthropic, z.ai's Anthropic endpoint), translated to and from OpenAI chat
 * completions for the others — JSON and streams, tool calls and results, usage.
 */
export async function handleMessages (gateway: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now()
  const request = await readMessagesRequest(gateway, req, res)
  if (request === null) return
  const { body, requested } = request
  await gateway.dispatch(req, res, requested, started, {
    accepts: target => target.messagesUrl !== null || target.api === 'openai',
    prepare: (target, model) => target.messagesUrl !== null
      ? { url: target.messagesUrl, headers: anthropicHeaders(req, gateway, target), body: JSON.stringify({ ...body, model }) }
      : { url: `${target.baseUrl}/chat/completions`, headers: { ...gateway.authHeaders(target), 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(messagesToChat(body, model)) },
    deliver: async (response, out, target) => target.messagesUrl !== null
      ? await gateway.relay(response, out, target, 'anthropic')
      : await translateAnswer(response, out, target, requested),
    error: anthropicErrorOut
  })
}

/** An OpenAI answer (error, JSON or stream) written to the client as Anthropic's. */
async function translateAnswer (response: Dispatcher.ResponseData, res: ServerResponse, target: GatewayTarget, model: string): Promise<Tokens | null> {
  const headers = passedHeaders(response, target)
  const contentType = headers['content-type'] ?? ''
  if (response.statusCode >= 400 || !contentType.includes('text/event-stream')) {
    const text = await response.body.text()
    let value: Record<string, unknown>
    if (response.statusCode >= 400) value = anthropicError(response.statusCode, text)
    else {
      try { value = chatToMessage(JSON.parse(text) as Record<string, unknown>, model) } catch { value = anthropicError(502, `upstream ${target.label} answered something that is not JSON`) }
    }
    res.writeHead(value.type === 'error' && response.statusCode < 400 ? 502 : response.statusCode, { ...headers, 'content-type': 'application/json' })
    res.end(JSON.stringify(value))
    const usage = value.usage as { input_tokens?: number, output_tokens?: number, cache_read_input_tokens?: number } | undefined
    return usage === undefined ? null : { in: (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0), out: usage.output_tokens ?? 0, buckets: tokensFromAnthropic(usage) ?? undefined }
  }
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' })
  res.flushHeaders()
  const parser = new SseParser()
  const stream = new ChatStreamToMessages(model, `msg_gpufleet_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`)
  const decoder = new TextDecoder()
  const emit = async (events: Array<{ event: string, data: unknown }>): Promise<boolean> => {
    if (events.length === 0) return !res.destroyed
    return await writeChunk(res, events.map(e => sseFrame(e.event, e.data)).join(''))
  }
  try {
    for await (const chunk of response.body) {
      for (const event of parser.push(decoder.decode(chunk as Buffer, { stream: true }))) {
        if (event.data === '[DONE]') continue
        let value: Record<string, unknown>
        try { value = JSON.parse(event.data) as Record<string, unknown> } catch { continue }
        if (value.error !== undefined) {
          await emit([{ event: 'error', data: anthropicError(500, event.data) }])
          res.end()
          return { ...stream.tokens, buckets: stream.buckets }
        }
        if (!await emit(stream.push(value))) { response.body.destroy(); return null }
      }
    }
  } catch (err) {
    if (res.destroyed) return null
    res.end(sseFrame('error', { type: 'error', error: { type: 'api_error', message: `upstream ${target.label} failed mid-stream: ${(err as Error).message}` } }))
    throw err
  }
  await emit(stream.end())
  res.end()
  return { ...stream.tokens, buckets: stream.buckets }
}

/**
 * `POST /v1/messages/count_tokens`: asked of the first target when it is Anthropic's API (it counts
 * exactly); estimated here for Ollama and OpenAI-only targets, which have no such endpoint.
 */
export async function handleCountTokens (gateway: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now()
  const request = await readMessagesRequest(gateway, req, res)
  if (request === null) return
  const { body, requested } = request
  const chain = explainRoute(gateway.routeInputFor(mapModelName(requested, gateway.config)))
  const first = chain.ok ? chain.steps.find(s => s.usable && s.target !== null)?.target ?? null : null
  if (first === null || first.kind !== 'cloud' || first.api !== 'anthropic') {
    if (!chain.ok) { anthropicErrorOut(res, 404, `The model \`${requested}\` does not exist. Available: ${chain.available.join(', ')}`, 'model_not_found'); return }
    res.writeHead(200, { 'content-type': 'application/json', 'x-gpufleet-target': first?.label ?? 'none', 'cache-control': 'no-store' })
    res.end(JSON.stringify({ input_tokens: estimateInputTokens(body) }))
    return
  }
  await gateway.dispatch(req, res, requested, started, {
    accepts: target => target.kind === 'cloud' && target.api === 'anthropic' && target.messagesUrl !== null,
    prepare: (target, model) => ({ url: `${target.messagesUrl ?? ''}/count_tokens`, headers: anthropicHeaders(req, gateway, target), body: JSON.stringify({ ...body, model }) }),
    deliver: async (response, out, target) => { await gateway.relay(response, out, target, 'anthropic'); return null },
    counted: false,
    error: anthropicErrorOut
  })
}
