import { describe, expect, it } from 'vitest'
import { ChatStreamToMessages, ChatStreamToOllama, SseParser, anthropicError, chatToMessage, chatToOllama, estimateInputTokens, messagesToChat, ollamaChatToOpenAi, ollamaGenerateToOpenAi, sseFrame } from '../src/index.js'

describe('Anthropic Messages → OpenAI chat completions', () => {
  it('system, text, images, tools, tool_choice, stop sequences; streams ask for usage', () => {
    const out = messagesToChat({
      model: 'claude-sonnet-4-5', max_tokens: 100, temperature: 0.2, stop_sequences: ['END'], stream: true,
      system: [{ type: 'text', text: 'be brief' }],
      tools: [{ name: 'ls', description: 'list', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search' }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } }] }]
    }, 'llama3.1:8b')
    expect(out).toEqual({
      model: 'llama3.1:8b', max_tokens: 100, temperature: 0.2, stop: ['END'], stream: true, stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } }] }
      ],
      tools: [{ type: 'function', function: { name: 'ls', description: 'list', parameters: { type: 'object' } } }],
      tool_choice: 'required',
      parallel_tool_calls: false
    })
  })

  it('tool_use and tool_result keep their ids; thinking is dropped, never sent as text; errors are flagged', () => {
    const out = messagesToChat({
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'calling' }, { type: 'tool_use', id: 'toolu_1', name: 'ls', input: { dir: '/' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a b' }] }, { type: 'tool_result', tool_use_id: 'toolu_2', is_error: true, content: 'boom' }, { type: 'text', text: 'and?' }] },
        { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'x' }] }
      ]
    }, 'm')
    expect(out.messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'calling', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'ls', arguments: '{"dir":"/"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'a b' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: boom' },
      { role: 'user', content: 'and?' }
    ])
  })
})

describe('OpenAI chat completions → Anthropic Messages', () => {
  it('a completion with text and tool calls; stop reasons; usage with cached tokens apart; no empty text block', () => {
    const msg = chatToMessage({
      id: 'chatcmpl-9',
      choices: [{ message: { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{"dir":"/"}' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 100, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 60 } }
    }, 'claude-sonnet-4-5')
    expect(msg).toEqual({
      id: 'msg_chatcmpl-9', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5',
      content: [{ type: 'tool_use', id: 'call_1', name: 'ls', input: { dir: '/' } }],
      stop_reason: 'tool_use', stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 7, cache_read_input_tokens: 60 }
    })
    expect(chatToMessage({ choices: [{ message: { content: 'cut' }, finish_reason: 'length' }] }, 'm').stop_reason).toBe('max_tokens')
    expect(chatToMessage({ choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] }, 'm').stop_reason).toBe('end_turn')
  })

  it('errors in Anthropic\'s shape, from OpenAI\'s or Ollama\'s', () => {
    expect(anthropicError(429, '{"error":{"message":"slow down","type":"rate_limit"}}')).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } })
    expect(anthropicError(404, '{"error":"model not found"}')).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'model not found' } })
  })

  it('a stream: message_start, text block, tool block with input_json_delta fragments, message_delta with usage, message_stop', () => {
    const s = new ChatStreamToMessages('claude-x', 'msg_1')
    const events = [
      { choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
      { choices: [{ index: 0, delta: { reasoning_content: 'secret' } }] },
      { choices: [{ index: 0, delta: { content: 'Let me look' } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_7', type: 'function', function: { name: 'ls', arguments: '' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"dir"' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':"/"}' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { choices: [], usage: { prompt_tokens: 12, completion_tokens: 5 } }
    ].flatMap(c => s.push(c))
    events.push(...s.end())
    expect(events.map(e => e.event)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
    expect(JSON.stringify(events)).not.toContain('secret')
    expect(events[5]!.data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_7', name: 'ls', input: {} } })
    expect(events[6]!.data).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"dir"' } })
    expect(events[9]!.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 12, output_tokens: 5 } })
    expect(s.tokens).toEqual({ in: 12, out: 5 })
  })

  it('a stream that ends without finish_reason still closes properly; nothing after the end', () => {
    const s = new ChatStreamToMessages('m', 'msg_2')
    const events = [...s.push({ choices: [{ index: 0, delta: { content: 'hi' } }] }), ...s.end(), ...s.end(), ...s.push({ choices: [] })]
    expect(events.map(e => e.event)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
  })
})

describe('server-sent events', () => {
  it('splits events across chunk boundaries; frames carry the event name', () => {
    const p = new SseParser()
    expect(p.push('data: {"a"')).toEqual([])
    expect(p.push(':1}\n\nevent: ping\r\ndata: {}\n\ndata: [DO')).toEqual([{ event: null, data: '{"a":1}' }, { event: 'ping', data: '{}' }])
    expect(p.end()).toEqual([{ event: null, data: '[DO' }])
    expect(sseFrame('message_stop', { type: 'message_stop' })).toBe('event: message_stop\ndata: {"type":"message_stop"}\n\n')
  })

  it('estimates input tokens at about four characters each', () => {
    expect(estimateInputTokens({ messages: [{ role: 'user', content: 'x'.repeat(400) }] })).toBeGreaterThan(100)
  })
})

describe('Ollama\'s chat API ⇄ OpenAI (cloud targets of the Ollama routes)', () => {
  it('a chat request: options to sampling, tool results matched to the calls they answer, images as data URLs', () => {
    const out = ollamaChatToOpenAi({
      model: 'code', options: { temperature: 0.1, num_predict: 50, num_ctx: 4096 },
      tools: [{ type: 'function', function: { name: 'ls', parameters: {} } }],
      messages: [
        { role: 'user', content: 'look', images: ['AAA'] },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'ls', arguments: { dir: '/' } } }] },
        { role: 'tool', content: 'a b' }
      ]
    }, 'gpt-x')
    expect(out).toEqual({
      model: 'gpt-x', temperature: 0.1, max_tokens: 50, stream: true, stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'ls', parameters: {} } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'ls', arguments: '{"dir":"/"}' } }] },
        { role: 'tool', tool_call_id: 'call_0', content: 'a b' }
      ]
    })
    expect(ollamaGenerateToOpenAi({ prompt: 'p', system: 's', stream: false }, 'm')).toEqual({ model: 'm', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'p' }] })
  })

  it('a stream as NDJSON lines: text deltas, tool calls whole once complete, then done with the counters', () => {
    const s = new ChatStreamToOllama('chat', 'code', () => 'T')
    const lines = [
      { choices: [{ index: 0, delta: { content: 'hi' } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'ls', arguments: '{"dir"' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':"/"}' } }] }, finish_reason: 'tool_calls' }] },
      { choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } }
    ].flatMap(c => s.push(c))
    lines.push(...s.end())
    expect(lines).toEqual([
      { model: 'code', created_at: 'T', message: { role: 'assistant', content: 'hi' }, done: false },
      { model: 'code', created_at: 'T', message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'ls', arguments: { dir: '/' } } }] }, done: false },
      { model: 'code', created_at: 'T', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 0, load_duration: 0, prompt_eval_count: 3, prompt_eval_duration: 0, eval_count: 4, eval_duration: 0 }
    ])
    expect(chatToOllama({ choices: [{ message: { content: 'x' }, finish_reason: 'length' }] }, 'generate', 'm', 'T')).toMatchObject({ response: 'x', done: true, done_reason: 'length' })
  })

  it('a stream keeps the upstream\'s cached prompt tokens apart for the ledger, though Ollama\'s done line cannot', () => {
    const s = new ChatStreamToOllama('generate', 'code', () => 'T')
    expect(s.buckets).toBeNull()
    s.push({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }] })
    s.push({ choices: [], usage: { prompt_tokens: 1200, completion_tokens: 80, prompt_tokens_details: { cached_tokens: 1000 } } })
    // By hand: 1200 prompt tokens of which 1000 read from cache → 200 uncached, 1000 cache read, 80 out.
    expect(s.end().at(-1)).toMatchObject({ done: true, prompt_eval_count: 1200, eval_count: 80 })
    expect(s.buckets).toEqual({ uncached: 200, cacheRead: 1000, cacheWrite: 0, output: 80 })
  })
})
