import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { createFleetNode, GOSSIP_WINDOW_MS } from '../src/node.js'

// The soak benchmark's warm-up (two windows, decision 23) is only honest while gossipsub keeps
// message ids for GOSSIP_WINDOW_MS: a node built with another seenTTL would grow its caches for
// longer than the benchmark waits.
describe('the fleet node\'s gossip window', () => {
  it('is the seenTTL gossipsub runs with', async () => {
    const node = await createFleetNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], mdns: false, psk: null, heartbeatMs: 1000 })
    try {
      // Options gossipsub keeps on its instance, outside its exported interface.
      const { opts } = node.services.pubsub as unknown as { opts: { seenTTL: number } }
      expect(opts.seenTTL).toBe(GOSSIP_WINDOW_MS)
      // The peer score's delivery records use a fixed 2 min (TimeCacheDuration, not exported).
      expect(GOSSIP_WINDOW_MS).toBe(120_000)
    } finally {
      await node.stop()
    }
  })
})
