// One raw gossipsub node (the same libp2p stack as the agent, nothing of gpufleet on top), for the
// baseline of the cluster benchmark. argv: key file, swarm key, peers to dial (comma-separated
// multiaddrs, or '-'), messages to publish on "publish". Prints one JSON line per message
// received: { sent, recv }. Silent otherwise: the idle baseline is a mesh that only keeps itself up.
// GPUFLEET_RAW_MONITOR=off: without libp2p's connection monitor (its pings), as the agent runs.
import '../../packages/cli/dist/polyfills.js'
import { createFleetNode, loadOrCreateIdentity, loadSwarmKey } from '../../packages/agent/dist/index.js'

const [keyPath, pskPath, peers, publishCount] = process.argv.slice(2)
const dial = peers === '-' ? [] : peers.split(',')
// Every earlier node is a bootstrap peer: a full mesh, as the agents keep.
const node = await createFleetNode({ privateKey: await loadOrCreateIdentity(keyPath), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: dial, mdns: false, psk: await loadSwarmKey(pskPath), heartbeatMs: 1000, connectionMonitor: process.env.GPUFLEET_RAW_MONITOR !== 'off' })
const topic = 'raw-baseline'
node.services.pubsub.subscribe(topic)
node.services.pubsub.addEventListener('message', evt => {
  const { sent } = JSON.parse(new TextDecoder().decode(evt.detail.data))
  process.stdout.write(`${JSON.stringify({ sent, recv: Date.now() })}\n`)
})
process.stdout.write(`${JSON.stringify({ ready: node.getMultiaddrs()[0].toString() })}\n`)
process.stdin.on('data', async line => {
  // "publish": send N messages, 100 ms apart, with a 2 KB payload (about a host report's size).
  if (!line.toString().startsWith('publish')) return
  for (let i = 0; i < Number(publishCount); i++) {
    await node.services.pubsub.publish(topic, new TextEncoder().encode(JSON.stringify({ sent: Date.now(), pad: 'x'.repeat(2048) })))
    await new Promise(r => setTimeout(r, 100))
  }
})
process.stdin.on('data', line => { if (line.toString().startsWith('peers')) process.stdout.write(`${JSON.stringify({ peers: node.getPeers().length })}\n`) })
process.on('SIGTERM', async () => { await node.stop(); process.exit(0) })
