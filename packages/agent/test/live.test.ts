import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { pino } from 'pino'
import { LiveHub } from '../src/live.js'

const log = pino({ level: 'silent' })
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('LiveHub', () => {
  let server: Server
  let hub: LiveHub
  afterEach(async () => {
    hub?.close()
    server?.closeAllConnections()
    await new Promise(resolve => server?.close(resolve))
  })

  async function start (highWaterBytes: number, authorized = true): Promise<string> {
    server = createServer()
    let snapshots = 0
    hub = new LiveHub({ server, authorized: () => authorized, snapshot: () => ({ n: ++snapshots }), log, highWaterBytes })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`
  }

  it('a client that stops reading never makes the server buffer past the high-water mark; once it reads again it gets a fresh snapshot', async () => {
    const HIGH = 256 * 1024
    const url = await start(HIGH)
    const received: Array<{ type: string, n?: number, i?: number }> = []
    const ws = new WebSocket(url, ['gpufleet.v1'])
    ws.on('message', d => { received.push(JSON.parse(String(d)) as { type: string }) })
    await new Promise(resolve => ws.once('open', resolve))
    while (received.length === 0) await sleep(10)
    expect(received[0]).toEqual({ type: 'snapshot', n: 1 })
    const socket = (ws as unknown as { _socket: Socket })._socket
    socket.pause()

    const pad = 'x'.repeat(32 * 1024)
    let maxBuffered = 0
    const EVENTS = 2000 // 64 MiB if nothing were dropped
    for (let i = 0; i < EVENTS; i++) {
      hub.broadcast({ type: 'host:updated', i, pad })
      maxBuffered = Math.max(maxBuffered, hub.bufferedBytes)
      if (i % 50 === 0) await sleep(1)
    }
    expect(maxBuffered).toBeLessThanOrEqual(HIGH + 33 * 1024)
    expect(hub.stats.dropped).toBeGreaterThan(EVENTS / 2)

    socket.resume()
    for (let i = 0; i < 200 && hub.bufferedBytes > 0; i++) await sleep(20)
    hub.broadcast({ type: 'host:updated', i: EVENTS, pad: '' })
    hub.broadcast({ type: 'host:updated', i: EVENTS + 1, pad: '' })
    for (let i = 0; i < 200 && received.at(-1)?.i !== EVENTS + 1; i++) await sleep(20)
    const resnapshot = received.findIndex((m, i) => i > 0 && m.type === 'snapshot')
    expect(resnapshot).toBeGreaterThan(0)
    expect(received[resnapshot]?.n).toBe(2)
    // After the fresh snapshot, events flow again in order.
    expect(received.at(-1)?.i).toBe(EVENTS + 1)
    expect(received.length).toBeLessThan(EVENTS)
    ws.close()
  }, 30_000)

  it('refuses an unauthorized upgrade with 401 and another path with 404', async () => {
    const url = await start(1024 * 1024, false)
    const status = async (u: string): Promise<string> => await new Promise(resolve => {
      const ws = new WebSocket(u)
      ws.on('unexpected-response', (_req, res) => { resolve(String(res.statusCode)); ws.terminate() })
      ws.on('error', err => { resolve(err.message) })
    })
    expect(await status(url)).toBe('401')
    expect(await status(url.replace('/ws', '/other'))).toBe('404')
    expect(hub.size).toBe(0)
  })
})
