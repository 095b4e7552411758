import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { writeChunk } from '../src/gateway/gateway.js'

/** A response whose socket buffer is always full: every write waits for 'drain'. */
class SlowResponse extends EventEmitter {
  destroyed = false
  written = 0
  write (): boolean { this.written++; setImmediate(() => this.emit('drain')); return false }
}

describe('writeChunk (the relay\'s backpressure wait)', () => {
  it('leaves no listener behind, however many drains a long stream waits for', async () => {
    const res = new SlowResponse()
    const before = res.listenerCount('close') + res.listenerCount('drain')
    for (let i = 0; i < 500; i++) expect(await writeChunk(res as unknown as ServerResponse, 'x')).toBe(true)
    expect(res.written).toBe(500)
    expect(res.listenerCount('close') + res.listenerCount('drain')).toBe(before)
  })

  it('a client gone while waiting ends the wait and says so', async () => {
    const res = new SlowResponse()
    res.write = () => { setImmediate(() => { res.destroyed = true; res.emit('close') }); return false }
    expect(await writeChunk(res as unknown as ServerResponse, 'x')).toBe(false)
    expect(res.listenerCount('drain')).toBe(0)
  })
})
