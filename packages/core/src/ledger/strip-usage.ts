/**
 * The gateway asks OpenAI-compatible upstreams for usage in streams (stream_options.include_usage)
 * so every request is counted; a client that did not ask must not see the extra final chunk (one
 * with `usage` and no choices). This filter drops exactly those events from a server-sent event
 * stream and passes everything else through byte for byte. Feed chunks in order, then `end()`.
 */
export class UsageChunkFilter {
  private pending = ''

  push (text: string): string {
    this.pending += text
    let out = ''
    let cut: number
    while ((cut = this.boundary()) >= 0) {
      const event = this.pending.slice(0, cut)
      this.pending = this.pending.slice(cut)
      if (!isUsageOnly(event)) out += event
    }
    return out
  }

  end (): string {
    const rest = this.pending
    this.pending = ''
    return isUsageOnly(rest) ? '' : rest
  }

  /** End of the first complete event (after its blank line), or -1. */
  private boundary (): number {
    const m = /\r?\n\r?\n/.exec(this.pending)
    return m === null ? -1 : m.index + m[0].length
  }
}

function isUsageOnly (event: string): boolean {
  if (!event.includes('"usage"')) return false
  const data = event.split(/\r?\n/).filter(l => l.startsWith('data:')).map(l => l.slice(5).trim()).join('\n')
  try {
    const value = JSON.parse(data) as { choices?: unknown[], usage?: unknown }
    return Array.isArray(value.choices) && value.choices.length === 0 && value.usage !== undefined && value.usage !== null
  } catch {
    return false
  }
}
