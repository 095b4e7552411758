import { generateKeyPair } from '@libp2p/crypto/keys'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { libp2pAgentNode } from '../src/libp2p-node.js'
import { createFleetNode } from '../src/node.js'
import type { AgentNode } from '../src/components.js'

const PROTOCOL = '/gpufleet/test-push/1.0.0'
const silent = pino({ level: 'silent' })
const started: Array<{ stop: () => void | Promise<void> }> = []
afterEach(async () => { await Promise.all(started.splice(0).map(async n => { await n.stop() })) })

async function node (): Promise<{ agent: AgentNode, addr: string }> {
  const key = await generateKeyPair('Ed25519')
  const fleet = await createFleetNode({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], mdns: false, psk: null, heartbeatMs: 1000 })
  started.push(fleet)
  return { agent: libp2pAgentNode(fleet, key, silent), addr: fleet.getMultiaddrs()[0]!.toString() }
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

describe('push streams between two real libp2p nodes (TCP, Noise, Yamux on 127.0.0.1)', () => {
  it('carry frames in order on one long-lived stream, each with the sender the connection authenticated; an oversized frame ends that stream and the next push opens another', async () => {
    const a = await node()
    const b = await node()
    const got: Array<[string, string]> = []
    await b.agent.listen(PROTOCOL, 64, (from, frame) => { got.push([from, text(frame)]) })
    await a.agent.dial(b.addr, AbortSignal.timeout(10_000))
    // The first frame waits for the stream to open; the ones after it go on the same stream.
    for (const n of [1, 2, 3]) a.agent.push(b.agent.peerId, PROTOCOL, new TextEncoder().encode(`{"n":${n}}`))
    await expect.poll(() => got.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
    for (const n of [4, 5]) a.agent.push(b.agent.peerId, PROTOCOL, new TextEncoder().encode(`{"n":${n}}`))
    await expect.poll(() => got.at(-1)?.[1], { timeout: 10_000 }).toBe('{"n":5}')
    expect(got.every(([from]) => from === a.agent.peerId)).toBe(true)
    // Newest first while opening: frames 1-3 were pushed before the stream was open, so only the last waited.
    expect(got.map(([, t]) => t)).toEqual(['{"n":3}', '{"n":4}', '{"n":5}'])
    a.agent.push(b.agent.peerId, PROTOCOL, new TextEncoder().encode(`{"pad":"${'x'.repeat(100)}"}`))
    // The receiver aborted that stream; pushes go on once the sender sees it closed and opens a new one.
    await expect.poll(() => {
      a.agent.push(b.agent.peerId, PROTOCOL, new TextEncoder().encode('{"n":6}'))
      return got.at(-1)?.[1]
    }, { timeout: 10_000, interval: 200 }).toBe('{"n":6}')
    expect(got.some(([, t]) => t.includes('pad'))).toBe(false)
  })
})
