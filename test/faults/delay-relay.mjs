// Runs inside one test namespace: for each peer, listens on 127.0.0.1:LOCAL and forwards to
// PEER_IP:7702, holding every chunk DELAY ms plus up to JITTER ms (order kept within a connection,
// so streams stay intact while messages on different connections overtake each other). The kernel
// here has no netem; iptables REDIRECTs the agent's dials through this relay (etcd's robustness
// tests use the same kind of peer proxy).
import { connect, createServer } from 'node:net'

const [delayMs, jitterMs, ...pairs] = process.argv.slice(2)
const delay = Number(delayMs)
const jitter = Number(jitterMs)

/**
 * One direction of a connection: chunks wait in a queue and leave in arrival order once their
 * time has come (separate timers per chunk could fire out of order and corrupt the stream).
 */
function delayed (from, to) {
  const queue = []
  let timer = null
  let ended = false
  const pump = () => {
    timer = null
    while (queue.length > 0 && queue[0].at <= Date.now()) if (!to.destroyed) to.write(queue.shift().chunk); else queue.shift()
    if (queue.length > 0) timer = setTimeout(pump, queue[0].at - Date.now())
    else if (ended) to.end()
  }
  from.on('data', chunk => {
    const last = queue.at(-1)?.at ?? 0
    queue.push({ at: Math.max(last, Date.now() + delay + Math.random() * jitter), chunk })
    if (timer === null) timer = setTimeout(pump, queue[0].at - Date.now())
  })
  from.on('end', () => { ended = true; if (timer === null) pump() })
}

// Says "ready" on stdout once every port listens: the lab starts the agents only then.
let listening = 0
for (const pair of pairs) {
  const [localPort, peerIp] = pair.split('=')
  createServer(client => {
    const upstream = connect(7702, peerIp)
    // An error cuts both sides; a clean end is passed on after the chunks still held back.
    const cut = () => { client.destroy(); upstream.destroy() }
    client.on('error', cut)
    upstream.on('error', cut)
    delayed(client, upstream)
    delayed(upstream, client)
  }).listen(Number(localPort), '127.0.0.1', () => { if (++listening === pairs.length) process.stdout.write('ready\n') })
}
