/**
 * Anthropic Messages ⇄ OpenAI chat completions, for upstreams that speak only OpenAI (older Ollama,
 * llama.cpp, vLLM, OpenAI). Pure: JSON values in, JSON values out; the stream translator is a state
 * machine fed one OpenAI chunk at a time. What others shipped broken and this keeps right: tool
 * call ids kept both ways; tool arguments streamed as `input_json_delta` as they come; stop
 * reasons mapped (tool_calls → tool_use, length → max_tokens); no empty text blocks; reasoning
 * ("thinking") never forwarded as text either way; usage from the final chunk
 * (stream_options.include_usage is always asked for).
 */
import { tokensFromOpenAi, type TokenCounts } from '../ledger/tokens.js'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** Plain text of a string-or-blocks content (text blocks only). */
function textOf (content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.filter(isObject).filter(b => b.type === 'text').map(b => str(b.text)).join('\n')
}

function imagePart (block: Json): Json | null {
  const source = isObject(block.source) ? block.source : null
  if (source === null) return null
  if (source.type === 'base64') return { type: 'image_url', image_url: { url: `data:${str(source.media_type)};base64,${str(source.data)}` } }
  if (source.type === 'url') return { type: 'image_url', image_url: { url: str(source.url) } }
  return null
}

/** A tool_result's content as the text an OpenAI `tool` message carries. */
function toolResultText (block: Json): string {
  const text = typeof block.content === 'string' ? block.content : textOf(block.content)
  return block.is_error === true ? `Error: ${text}` : text
}

function userMessages (content: unknown): Json[] {
  if (typeof content === 'string') return [{ role: 'user', content }]
  if (!Array.isArray(content)) return []
  const out: Json[] = []
  // Tool results answer the previous assistant turn's calls, so they come first, one message each.
  for (const block of content.filter(isObject)) {
    if (block.type === 'tool_result') out.push({ role: 'tool', tool_call_id: str(block.tool_use_id), content: toolResultText(block) })
  }
  const parts: Json[] = []
  for (const block of content.filter(isObject)) {
    if (block.type === 'text' && str(block.text) !== '') parts.push({ type: 'text', text: str(block.text) })
    else if (block.type === 'image') { const part = imagePart(block); if (part !== null) parts.push(part) }
  }
  if (parts.length > 0) out.push({ role: 'user', content: parts.every(p => p.type === 'text') ? parts.map(p => str(p.text)).join('\n') : parts })
  return out
}

function assistantMessage (content: unknown): Json | null {
  if (typeof content === 'string') return { role: 'assistant', content }
  if (!Array.isArray(content)) return null
  const blocks = content.filter(isObject)
  // thinking and redacted_thinking blocks are dropped: an OpenAI upstream would read them as text.
  const text = blocks.filter(b => b.type === 'text').map(b => str(b.text)).join('')
  const calls = blocks.filter(b => b.type === 'tool_use').map(b => ({ id: str(b.id), type: 'function', function: { name: str(b.name), arguments: JSON.stringify(b.input ?? {}) } }))
  if (text === '' && calls.length === 0) return null
  return { role: 'assistant', content: text === '' ? null : text, ...(calls.length > 0 ? { tool_calls: calls } : {}) }
}

function toolChoice (choice: unknown): unknown {
  if (!isObject(choice)) return undefined
  switch (choice.type) {
    case 'auto': return 'auto'
    case 'any': return 'required'
    case 'none': return 'none'
    case 'tool': return { type: 'function', function: { name: str(choice.name) } }
    default: return undefined
  }
}

/** An Anthropic Messages request as an OpenAI chat completions request for `model`. */
export function messagesToChat (req: Json, model: string): Json {
  const messages: Json[] = []
  const system = textOf(req.system)
  if (system !== '') messages.push({ role: 'system', content: system })
  for (const m of Array.isArray(req.messages) ? req.messages.filter(isObject) : []) {
    if (m.role === 'assistant') { const a = assistantMessage(m.content); if (a !== null) messages.push(a) } else messages.push(...userMessages(m.content))
  }
  // Server tools (web search…) have no input_schema and nothing an OpenAI upstream could run.
  const tools = Array.isArray(req.tools)
    ? req.tools.filter(isObject).filter(t => isObject(t.input_schema)).map(t => ({ type: 'function', function: { name: str(t.name), ...(typeof t.description === 'string' ? { description: t.description } : {}), parameters: t.input_schema } }))
    : []
  const out: Json = { model, messages }
  if (typeof req.max_tokens === 'number') out.max_tokens = req.max_tokens
  for (const key of ['temperature', 'top_p'] as const) if (typeof req[key] === 'number') out[key] = req[key]
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) out.stop = req.stop_sequences
  if (tools.length > 0) {
    out.tools = tools
    const choice = toolChoice(req.tool_choice)
    if (choice !== undefined) out.tool_choice = choice
    if (isObject(req.tool_choice) && req.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false
  }
  if (req.stream === true) { out.stream = true; out.stream_options = { include_usage: true } }
  return out
}

/** OpenAI's finish_reason as Anthropic's stop_reason. */
export function stopReason (finish: unknown): string {
  switch (finish) {
    case 'length': return 'max_tokens'
    case 'tool_calls':
    case 'function_call': return 'tool_use'
    default: return 'end_turn'
  }
}

/** OpenAI usage as Anthropic's: cached prompt tokens apart from the rest, never counted twice. */
export function anthropicUsage (usage: unknown): { input_tokens: number, output_tokens: number, cache_read_input_tokens?: number } {
  if (!isObject(usage)) return { input_tokens: 0, output_tokens: 0 }
  const cached = isObject(usage.prompt_tokens_details) && typeof usage.prompt_tokens_details.cached_tokens === 'number' ? usage.prompt_tokens_details.cached_tokens : 0
  const prompt = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0
  return { input_tokens: Math.max(0, prompt - cached), output_tokens: typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0, ...(cached > 0 ? { cache_read_input_tokens: cached } : {}) }
}

function parseArguments (args: unknown): unknown {
  if (isObject(args)) return args
  try {
    const value: unknown = JSON.parse(str(args) === '' ? '{}' : str(args))
    return isObject(value) ? value : {}
  } catch {
    return {}
  }
}

/** A complete OpenAI chat completion as an Anthropic message; `model` is the name the client asked for. */
export function chatToMessage (resp: Json, model: string): Json {
  const choice = Array.isArray(resp.choices) && isObject(resp.choices[0]) ? resp.choices[0] : {}
  const message = isObject(choice.message) ? choice.message : {}
  const content: Json[] = []
  const text = str(message.content)
  if (text !== '') content.push({ type: 'text', text })
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : []
  calls.forEach((call, i) => {
    const fn = isObject(call.function) ? call.function : {}
    content.push({ type: 'tool_use', id: str(call.id) === '' ? `toolu_${str(resp.id)}_${i}` : str(call.id), name: str(fn.name), input: parseArguments(fn.arguments) })
  })
  return {
    id: `msg_${str(resp.id) === '' ? 'gpufleet' : str(resp.id)}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: calls.length > 0 ? 'tool_use' : stopReason(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(resp.usage)
  }
}

/** Anthropic's error type for an HTTP status. */
export function anthropicErrorType (status: number): string {
  if (status === 400 || status === 413 || status === 422) return 'invalid_request_error'
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status === 529 || status === 503) return 'overloaded_error'
  return 'api_error'
}

/** An upstream's error body (OpenAI's shape, Ollama's `{error: "…"}`, or anything) in Anthropic's shape. */
export function anthropicError (status: number, body: string): Json {
  let message = body.slice(0, 2000)
  try {
    const value: unknown = JSON.parse(body)
    if (isObject(value)) message = isObject(value.error) ? str(value.error.message) : typeof value.error === 'string' ? value.error : message
  } catch { /* not JSON: the text is the message */ }
  return { type: 'error', error: { type: anthropicErrorType(status), message } }
}

/** One Anthropic stream event: its name and payload. */
export interface MessagesEvent { event: string, data: Json }

/**
 * Translates an OpenAI chat completion stream into Anthropic's event sequence: message_start, then
 * per block content_block_start / content_block_delta… / content_block_stop, then message_delta
 * (stop reason, usage) and message_stop. Feed each chunk's JSON to `push`, then call `finish`.
 */
export class ChatStreamToMessages {
  private started = false
  private finished = false
  private nextIndex = 0
  /** The open block: its Anthropic index and what it is. */
  private open: { index: number, kind: 'text' | 'tool' } | null = null
  /** OpenAI tool_call index → Anthropic block index. */
  private readonly tools = new Map<number, number>()
  private finish: unknown = null
  private usage: unknown = null
  private sawTool = false

  constructor (private readonly model: string, private readonly id: string) {}

  private start (out: MessagesEvent[]): void {
    if (this.started) return
    this.started = true
    out.push({ event: 'message_start', data: { type: 'message_start', message: { id: this.id, type: 'message', role: 'assistant', model: this.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } } })
    out.push({ event: 'ping', data: { type: 'ping' } })
  }

  private close (out: MessagesEvent[]): void {
    if (this.open === null) return
    out.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: this.open.index } })
    this.open = null
  }

  push (chunk: Json): MessagesEvent[] {
    const out: MessagesEvent[] = []
    if (this.finished) return out
    this.start(out)
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chunk.usage
    const choice = Array.isArray(chunk.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : null
    if (choice === null) return out
    const delta = isObject(choice.delta) ? choice.delta : {}
    // Reasoning (`reasoning_content`, Ollama's `reasoning`) is left out: never a text block.
    const text = str(delta.content)
    if (text !== '') {
      if (this.open?.kind !== 'text') {
        this.close(out)
        this.open = { index: this.nextIndex++, kind: 'text' }
        out.push({ event: 'content_block_start', data: { type: 'content_block_start', index: this.open.index, content_block: { type: 'text', text: '' } } })
      }
      out.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: this.open.index, delta: { type: 'text_delta', text } } })
    }
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls.filter(isObject) : []) {
      const i = typeof call.index === 'number' ? call.index : 0
      const fn = isObject(call.function) ? call.function : {}
      let index = this.tools.get(i)
      if (index === undefined) {
        this.close(out)
        index = this.nextIndex++
        this.tools.set(i, index)
        this.sawTool = true
        this.open = { index, kind: 'tool' }
        const id = str(call.id) === '' ? `${this.id.replace(/^msg_/, 'toolu_')}_${i}` : str(call.id)
        out.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: str(fn.name), input: {} } } })
      }
      // Some servers send the whole arguments object at once, not as a JSON string.
      const partial = isObject(fn.arguments) ? JSON.stringify(fn.arguments) : str(fn.arguments)
      if (partial !== '') out.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } } })
    }
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) this.finish = choice.finish_reason
    return out
  }

  /** The closing events (also when the upstream ended without a finish_reason). */
  end (): MessagesEvent[] {
    const out: MessagesEvent[] = []
    if (this.finished) return out
    this.start(out)
    this.close(out)
    this.finished = true
    const usage = anthropicUsage(this.usage)
    out.push({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: this.sawTool ? 'tool_use' : stopReason(this.finish), stop_sequence: null }, usage } })
    out.push({ event: 'message_stop', data: { type: 'message_stop' } })
    return out
  }

  /** The four priced buckets of the upstream's usage (cached prompt tokens apart). */
  get buckets (): TokenCounts {
    return tokensFromOpenAi(this.usage) ?? { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 }
  }

  /** Tokens so far, for accounting. */
  get tokens (): { in: number, out: number } {
    const u = anthropicUsage(this.usage)
    return { in: u.input_tokens + (u.cache_read_input_tokens ?? 0), out: u.output_tokens }
  }
}

/**
 * A rough token count for upstreams without count_tokens (Ollama, OpenAI-only servers): about four
 * characters a token over everything the model reads. Claude Code uses it to decide when to
 * compact, where an estimate is enough.
 */
export function estimateInputTokens (req: Json): number {
  const text = JSON.stringify([req.system ?? '', req.messages ?? [], req.tools ?? []])
  return Math.max(1, Math.ceil(text.length / 4))
}
