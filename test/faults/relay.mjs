// Runs inside a test network namespace: exposes the agent's loopback API (127.0.0.1:PORT in that
// namespace) on a Unix socket, which the test runner in the root namespace can reach.
import { connect, createServer } from 'node:net'
import { rmSync } from 'node:fs'

const [socketPath, port] = process.argv.slice(2)
rmSync(socketPath, { force: true })
createServer(client => {
  const upstream = connect(Number(port), '127.0.0.1')
  client.on('error', () => { upstream.destroy() })
  upstream.on('error', () => { client.destroy() })
  client.pipe(upstream).pipe(client)
}).listen(socketPath)
