import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub, StrictSign } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { mdns } from '@libp2p/mdns'
import { preSharedKey } from '@libp2p/pnet'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { GOSSIP_MAX_BYTES } from '@gpufleet/core'
import { ListenAddressError } from './errors.js'

export interface FleetNodeInit {
  privateKey: PrivateKey
  listen: string[]
  bootstrap: string[]
  mdns: boolean
  /** The swarm key: nodes without the same one cannot even finish a handshake. */
  psk: Uint8Array | null
  heartbeatMs: number
  /**
   * libp2p's connection monitor: a ping on a new stream over every connection every 10 s, which
   * aborts a connection whose ping fails (over 5 s at least). On by default: a bare libp2p node has
   * no other way to find a dead link. The agent turns it off, its beats doing that job
   * (BeatChannel.closeSilent, docs/cluster.md "Liveness"): the pings were ~80 % of an idle mesh's
   * CPU here (3.9 → 0.7 ms/s per node at 5 nodes).
   */
  connectionMonitor?: boolean
}

/**
 * How long gossipsub remembers a message: its seen and published ids (seenTTL, passed below) and
 * its peer score's delivery records (a fixed 2 min in @libp2p/gossipsub, TimeCacheDuration). These
 * caches hold every message of the last window, so they grow for this long after start and then
 * stay at (messages per second × window): the heap floor of an agent is flat only after it.
 */
export const GOSSIP_WINDOW_MS = 120_000

/** A libp2p node with the services gpufleet uses: TCP, Noise, Yamux, pnet, gossipsub (signed). */
export async function createFleetNode (init: FleetNodeInit) {
  const discovery = []
  if (init.bootstrap.length > 0) discovery.push(bootstrap({ list: init.bootstrap, timeout: 0 }))
  if (init.mdns) discovery.push(mdns({ interval: 2000 }))
  try {
    return await startLibp2p(init, discovery)
  } catch (err) {
    throw listenError(err, init.listen) ?? err
  }
}

/**
 * libp2p's own message for a taken port is advice about its `transportManager.faultTolerance`
 * option, which a gpufleet user cannot set: say which address of `cluster.listen` failed, and why.
 */
function listenError (err: unknown, listen: readonly string[]): ListenAddressError | null {
  if ((err as Error | null)?.name !== 'UnsupportedListenAddressesError') return null
  // Each failed address is a line `ADDR: reason`, followed by the reason's stack.
  const failures = (err as Error).message.split('\n').map(l => l.trim()).filter(l => l.startsWith('/')).map(l => l.replace(/: (Error: )?/, ': '))
  const detail = failures.length > 0 ? failures.join('; ') : listen.join(', ')
  return new ListenAddressError(`cluster.listen: cannot listen on ${detail} (another program holds the port, or the address is not this machine's)`)
}

async function startLibp2p (init: FleetNodeInit, discovery: Array<ReturnType<typeof bootstrap> | ReturnType<typeof mdns>>) {
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(init.psk === null ? {} : { connectionProtector: preSharedKey({ psk: init.psk }) }),
    peerDiscovery: discovery,
    ...(init.connectionMonitor === false ? { connectionMonitor: { enabled: false } } : {}),
    // Peers the mesh keeper tags keep-alive are redialed by libp2p when their connection drops:
    // every heartbeat, as the agent used to, for 10 heartbeats; after that the agent's own sweep
    // takes over (a restarted peer must be back in the mesh within a heartbeat or two).
    connectionManager: { maxConnections: 200, reconnectRetries: 10, reconnectRetryInterval: init.heartbeatMs, reconnectBackoffFactor: 1 },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        globalSignaturePolicy: StrictSign,
        // A duplicate is recognised by its author and sequence number (StrictSign's message id)
        // before its signature is checked: each unique message is verified once, not once per copy.
        fastMsgIdFn: msg => `${msg.from === undefined ? '' : Buffer.from(msg.from).toString('base64')}:${msg.seqno === undefined ? '' : Buffer.from(msg.seqno).toString('base64')}`,
        // Authors send their messages to every subscriber directly (the fleet is a full mesh), so
        // the gossip mesh is only a second path: a degree of 3 instead of 6 halves the forwarding
        // (socket writes, Noise encryption, duplicate checks) that dominates an agent's CPU.
        floodPublish: true,
        D: 3,
        Dlo: 2,
        Dhi: 5,
        Dlazy: 3,
        heartbeatInterval: Math.min(1000, init.heartbeatMs),
        seenTTL: GOSSIP_WINDOW_MS,
        maxInboundDataLength: GOSSIP_MAX_BYTES + 4096,
        // gossipsub penalizes more than 10 peers sharing one IP (−5 × surplus²): a demo or a test on
        // one machine, or an office behind one NAT address, would graylist every peer past the
        // tenth and silently drop their messages. Membership here is gated by the swarm key.
        scoreParams: { IPColocationFactorWeight: 0 }
      })
    }
  })
}

export type FleetNode = Awaited<ReturnType<typeof createFleetNode>>
