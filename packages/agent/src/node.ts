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

export interface FleetNodeInit {
  privateKey: PrivateKey
  listen: string[]
  bootstrap: string[]
  mdns: boolean
  /** The swarm key: nodes without the same one cannot even finish a handshake. */
  psk: Uint8Array | null
  heartbeatMs: number
}

/** A libp2p node with the services gpufleet uses: TCP, Noise, Yamux, pnet, gossipsub (signed). */
export async function createFleetNode (init: FleetNodeInit) {
  const discovery = []
  if (init.bootstrap.length > 0) discovery.push(bootstrap({ list: init.bootstrap, timeout: 0 }))
  if (init.mdns) discovery.push(mdns({ interval: 2000 }))
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(init.psk === null ? {} : { connectionProtector: preSharedKey({ psk: init.psk }) }),
    peerDiscovery: discovery,
    connectionManager: { maxConnections: 200 },
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
