import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import {
  ChatStreamToOllama, SseParser, chatToOllama, gatewayModelNames, ollamaChatToOpenAi, ollamaGenerateToOpenAi, ollamaStreams, tokensFromOpenAi,
  type GatewayTarget, type OllamaKind
} from '@gpufleet/core'
import { passedHeaders, writeChunk, type Exchange, type Gateway } from './gateway.js'
import type { Tokens } from './usage.js'

/** The Ollama API level the gateway speaks (Anthropic Messages included). */
export const OLLAMA_API_VERSION = '0.14.0'

/** Ollama's error shape: `{ "error": "…" }`. */
export const ollamaError: Exchange['error'] = (res, status, message, _code, headers = {}) => {
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify({ error: message }))
}

const digestOf = (name: string): string => createHash('sha256').update(`gpufleet:${name}`).digest('hex')

/** The gateway's names as Ollama's model entries (what /api/tags lists and /api/show describes). */
function entry (gateway: Gateway, name: string): { details: Record<string, unknown>, params: number | null } {
  const catalog = gateway.config.models.find(m => m.name === name) ?? gateway.config.models.filter(m => m.roles.includes(name)).sort((a, b) => b.quality - a.quality)[0]
  return {
    details: { parent_model: '', format: 'gguf', family: 'gpufleet', families: ['gpufleet'], parameter_size: catalog === undefined ? '' : `${(catalog.params / 1e9).toFixed(1)}B`, quantization_level: catalog?.quantization ?? '' },
    params: catalog?.params ?? null
  }
}

/** GET /api/tags: the roles and catalog models, as Ollama lists its installed models. */
export function ollamaTags (gateway: Gateway): unknown {
  const { roles, models } = gatewayModelNames(gateway.config)
  return {
    models: [...roles, ...models].map(name => ({ name, model: name, modified_at: '2026-01-01T00:00:00Z', size: 0, digest: digestOf(name), details: entry(gateway, name).details }))
  }
}

/**
 * POST /api/show: context length in model_info (`<architecture>.context_length`, where Roo and
 * Continue read it) and the `tools` capability (Roo hides models without it).
 */
export function ollamaShow (gateway: Gateway, name: string): unknown | null {
  const { roles, models } = gatewayModelNames(gateway.config)
  if (!roles.includes(name) && !models.includes(name)) return null
  const ctx = gateway.contextLength(name) ?? 8192
  const { details, params } = entry(gateway, name)
  return {
    license: '',
    modelfile: `# gpufleet ${roles.includes(name) ? 'role' : 'catalog model'} ${name}\nPARAMETER num_ctx ${ctx}\n`,
    parameters: `num_ctx                        ${ctx}`,
    template: '',
    details,
    model_info: { 'general.architecture': 'gpufleet', ...(params === null ? {} : { 'general.parameter_count': params }), 'gpufleet.context_length': ctx },
    capabilities: ['completion', 'tools'],
    modified_at: '2026-01-01T00:00:00Z'
  }
}

/**
 * POST /api/chat and /api/generate: to Ollama targets (local, peers) the native request goes
 * through with the model rewritten and `options.num_ctx` set to the catalog's context length; to
 * cloud targets it is translated to OpenAI chat completions and the answer back to Ollama's NDJSON.
 */
export async function handleOllamaGenerate (gateway: Gateway, req: IncomingMessage, res: ServerResponse, kind: OllamaKind): Promise<void> {
  const started = performance.now()
  const body = await gateway.readJson(req, res, ollamaError)
  if (body === null) return
  const requested = body.model
  if (typeof requested !== 'string' || requested === '') { ollamaError(res, 400, 'model is required', 'invalid_request_error'); return }
  if (kind === 'chat' && body.messages !== undefined && !Array.isArray(body.messages)) { ollamaError(res, 400, 'messages must be an array', 'invalid_request_error'); return }
  await gateway.dispatch(req, res, requested, started, {
    accepts: target => target.ollama !== undefined || target.api === 'openai',
    prepare: (target, model) => {
      if (target.ollama !== undefined) {
        const options = { ...(typeof body.options === 'object' && body.options !== null ? body.options : {}), num_ctx: target.ollama.contextLength }
        return { url: `${target.ollama.host}/api/${kind}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, model, options }) }
      }
      const translated = kind === 'chat' ? ollamaChatToOpenAi(body, model) : ollamaGenerateToOpenAi(body, model)
      return { url: `${target.baseUrl}/chat/completions`, headers: { ...gateway.authHeaders(target), 'content-type': 'application/json' }, body: JSON.stringify(translated) }
    },
    deliver: async (response, out, target) => target.ollama !== undefined
      ? await gateway.relay(response, out, target, 'ollama')
      : await translateToOllama(response, out, target, kind, requested, ollamaStreams(body)),
    error: ollamaError
  })
}

async function translateToOllama (response: Dispatcher.ResponseData, res: ServerResponse, target: GatewayTarget, kind: OllamaKind, model: string, streamed: boolean): Promise<Tokens | null> {
  const headers = passedHeaders(response, target)
  const now = (): string => new Date().toISOString()
  if (response.statusCode >= 400 || !streamed) {
    const text = await response.body.text()
    if (response.statusCode >= 400) {
      let message = text.slice(0, 2000)
      try { const v = JSON.parse(text) as { error?: { message?: string } | string }; message = typeof v.error === 'string' ? v.error : v.error?.message ?? message } catch { /* the text is the message */ }
      ollamaError(res, response.statusCode, message, 'upstream', headers)
      return null
    }
    let value: Record<string, unknown>
    try { value = JSON.parse(text) as Record<string, unknown> } catch { ollamaError(res, 502, `upstream ${target.label} answered something that is not JSON`, 'upstream', headers); return null }
    const answer = chatToOllama(value, kind, model, now())
    res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(answer))
    return { in: Number(answer.prompt_eval_count ?? 0), out: Number(answer.eval_count ?? 0), buckets: tokensFromOpenAi(value.usage) ?? undefined }
  }
  res.writeHead(200, { ...headers, 'content-type': 'application/x-ndjson' })
  res.flushHeaders()
  const parser = new SseParser()
  const stream = new ChatStreamToOllama(kind, model, now)
  const decoder = new TextDecoder()
  const emit = async (lines: unknown[]): Promise<boolean> => lines.length === 0 ? !res.destroyed : await writeChunk(res, lines.map(l => `${JSON.stringify(l)}\n`).join(''))
  try {
    for await (const chunk of response.body) {
      for (const event of parser.push(decoder.decode(chunk as Buffer, { stream: true }))) {
        if (event.data === '[DONE]') continue
        let value: Record<string, unknown>
        try { value = JSON.parse(event.data) as Record<string, unknown> } catch { continue }
        if (value.error !== undefined) { await emit([{ error: JSON.stringify(value.error) }]); res.end(); return null }
        if (!await emit(stream.push(value))) { response.body.destroy(); return null }
      }
    }
  } catch (err) {
    if (res.destroyed) return null
    res.end(`${JSON.stringify({ error: `upstream ${target.label} failed mid-stream: ${(err as Error).message}` })}\n`)
    throw err
  }
  const closing = stream.end()
  const last = closing.at(-1) as Record<string, unknown>
  await emit(closing)
  res.end()
  // The priced buckets from the upstream's own usage: the `done` line's prompt_eval_count has the
  // cached tokens folded in (Ollama's counters have no cache field).
  return { in: Number(last.prompt_eval_count ?? 0), out: Number(last.eval_count ?? 0), buckets: stream.buckets ?? undefined }
}
