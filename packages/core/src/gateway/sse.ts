/** One server-sent event: its `event:` name (null when absent) and its `data:` lines joined. */
export interface SseEvent { event: string | null, data: string }

/**
 * Splits a server-sent-events stream into events as chunks arrive (a chunk may end mid-line or
 * mid-event). Pure: text in, events out; the caller decodes bytes. A partial event is bounded.
 */
export class SseParser {
  private buffer = ''
  private event: string | null = null
  private data: string[] = []

  push (text: string): SseEvent[] {
    this.buffer += text
    const out: SseEvent[] = []
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '')
      this.buffer = this.buffer.slice(nl + 1)
      if (line === '') {
        if (this.data.length > 0) out.push({ event: this.event, data: this.data.join('\n') })
        this.event = null
        this.data = []
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(5).replace(/^ /, ''))
      } else if (line.startsWith('event:')) {
        this.event = line.slice(6).trim()
      }
    }
    if (this.buffer.length > 16 * 1024 * 1024) this.buffer = ''
    return out
  }

  /** The last event when the stream ended without its blank line. */
  end (): SseEvent[] {
    const out = this.push('\n\n')
    return out
  }
}

/** One event in the wire format: `event: NAME` then `data: JSON`, blank line. */
export function sseFrame (event: string | null, data: unknown): string {
  return `${event === null ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`
}
