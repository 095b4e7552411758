/**
 * Ollama's native chat/generate API ⇄ OpenAI chat completions, for clients that speak Ollama's API
 * (Roo Code's and Continue's Ollama providers) when the target is a cloud provider. Local and peer
 * targets are Ollama itself and get the native request unchanged but for the model. Pure: JSON
 * values in and out; `now` (ISO time) comes from the caller.
 */

import { tokensFromOpenAi, type TokenCounts } from '../ledger/tokens.js'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** Ollama's sampling options that have an OpenAI equivalent. */
function samplingOf (options: unknown): Json {
  if (!isObject(options)) return {}
  const out: Json = {}
  if (typeof options.temperature === 'number') out.temperature = options.temperature
  if (typeof options.top_p === 'number') out.top_p = options.top_p
  if (typeof options.seed === 'number') out.seed = options.seed
  if (typeof options.num_predict === 'number' && options.num_predict > 0) out.max_tokens = options.num_predict
  if (Array.isArray(options.stop)) out.stop = options.stop
  return out
}

/** Ollama streams unless told not to. */
export const ollamaStreams = (body: Json): boolean => body.stream !== false

/** An Ollama /api/chat request as an OpenAI one. Tool results get the ids of the calls they answer, in order. */
export function ollamaChatToOpenAi (body: Json, model: string): Json {
  const messages: Json[] = []
  let pending: string[] = []
  let callCount = 0
  for (const m of Array.isArray(body.messages) ? body.messages.filter(isObject) : []) {
    const role = str(m.role)
    const images = Array.isArray(m.images) ? m.images.filter((i): i is string => typeof i === 'string') : []
    if (role === 'assistant') {
      const calls = Array.isArray(m.tool_calls) ? m.tool_calls.filter(isObject) : []
      pending = calls.map(() => `call_${callCount++}`)
      messages.push({
        role,
        content: str(m.content) === '' && calls.length > 0 ? null : str(m.content),
        ...(calls.length > 0
          ? { tool_calls: calls.map((c, i) => { const fn = isObject(c.function) ? c.function : {}; return { id: pending[i], type: 'function', function: { name: str(fn.name), arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) } } }) }
          : {})
      })
    } else if (role === 'tool') {
      messages.push({ role: 'tool', tool_call_id: pending.shift() ?? `call_${callCount++}`, content: str(m.content) })
    } else if (images.length > 0) {
      messages.push({ role, content: [{ type: 'text', text: str(m.content) }, ...images.map(data => ({ type: 'image_url', image_url: { url: `data:image/png;base64,${data}` } }))] })
    } else {
      messages.push({ role, content: str(m.content) })
    }
  }
  const out: Json = { model, messages, ...samplingOf(body.options) }
  if (Array.isArray(body.tools) && body.tools.length > 0) out.tools = body.tools
  if (body.format === 'json') out.response_format = { type: 'json_object' }
  if (ollamaStreams(body)) { out.stream = true; out.stream_options = { include_usage: true } }
  return out
}

/** An Ollama /api/generate request as an OpenAI chat one (system, then the prompt). */
export function ollamaGenerateToOpenAi (body: Json, model: string): Json {
  const messages = [...(str(body.system) === '' ? [] : [{ role: 'system', content: str(body.system) }]), { role: 'user', content: str(body.prompt) }]
  return ollamaChatToOpenAi({ ...body, messages }, model)
}

export type OllamaKind = 'chat' | 'generate'

function doneReason (finish: unknown): string {
  return finish === 'length' ? 'length' : 'stop'
}

function toolCallsOf (calls: Array<{ name: string, args: string }>): Json[] {
  return calls.map(c => {
    let args: unknown = {}
    try { args = JSON.parse(c.args === '' ? '{}' : c.args) } catch { args = {} }
    return { function: { name: c.name, arguments: isObject(args) ? args : {} } }
  })
}

function line (kind: OllamaKind, model: string, now: string, text: string, done: boolean, extra: Json = {}): Json {
  return kind === 'chat'
    ? { model, created_at: now, message: { role: 'assistant', content: text, ...(isObject(extra.message) ? extra.message : {}) }, done, ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'message')) }
    : { model, created_at: now, response: text, done, ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'message')) }
}

function counters (usage: unknown): Json {
  const u = isObject(usage) ? usage : {}
  return { total_duration: 0, load_duration: 0, prompt_eval_count: typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0, prompt_eval_duration: 0, eval_count: typeof u.completion_tokens === 'number' ? u.completion_tokens : 0, eval_duration: 0 }
}

/** A complete OpenAI completion as Ollama's single (stream: false) answer. */
export function chatToOllama (resp: Json, kind: OllamaKind, model: string, now: string): Json {
  const choice = Array.isArray(resp.choices) && isObject(resp.choices[0]) ? resp.choices[0] : {}
  const message = isObject(choice.message) ? choice.message : {}
  const calls = (Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : []).map(c => { const fn = isObject(c.function) ? c.function : {}; return { name: str(fn.name), args: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) } })
  return line(kind, model, now, str(message.content), true, { ...(calls.length > 0 ? { message: { tool_calls: toolCallsOf(calls) } } : {}), done_reason: doneReason(choice.finish_reason), ...counters(resp.usage) })
}

/**
 * An OpenAI stream as Ollama's NDJSON lines: one per text delta, tool calls (whose arguments Ollama
 * gives whole) in one line when complete, then the `done` line with the counters.
 */
export class ChatStreamToOllama {
  private readonly calls = new Map<number, { name: string, args: string }>()
  private finish: unknown = null
  private usage: unknown = null
  private ended = false

  constructor (private readonly kind: OllamaKind, private readonly model: string, private readonly now: () => string) {}

  push (chunk: Json): Json[] {
    if (this.ended) return []
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chunk.usage
    const choice = Array.isArray(chunk.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : null
    if (choice === null) return []
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) this.finish = choice.finish_reason
    const delta = isObject(choice.delta) ? choice.delta : {}
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls.filter(isObject) : []) {
      const i = typeof call.index === 'number' ? call.index : 0
      const fn = isObject(call.function) ? call.function : {}
      const entry = this.calls.get(i) ?? { name: '', args: '' }
      if (str(fn.name) !== '') entry.name = str(fn.name)
      entry.args += isObject(fn.arguments) ? JSON.stringify(fn.arguments) : str(fn.arguments)
      if (this.calls.size < 128 || this.calls.has(i)) this.calls.set(i, entry)
    }
    const text = str(delta.content)
    return text === '' ? [] : [line(this.kind, this.model, this.now(), text, false)]
  }

  end (): Json[] {
    if (this.ended) return []
    this.ended = true
    const out: Json[] = []
    if (this.calls.size > 0 && this.kind === 'chat') out.push(line(this.kind, this.model, this.now(), '', false, { message: { tool_calls: toolCallsOf([...this.calls.values()]) } }))
    out.push(line(this.kind, this.model, this.now(), '', true, { done_reason: doneReason(this.finish), ...counters(this.usage) }))
    return out
  }

  /**
   * The four priced buckets of the upstream's usage. Ollama's counters have no cache field, so the
   * `done` line's prompt_eval_count is OpenAI's prompt_tokens, cached ones included: the ledger
   * must read the buckets here, not from the translated line.
   */
  get buckets (): TokenCounts | null {
    return tokensFromOpenAi(this.usage)
  }
}
