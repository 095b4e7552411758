// Gateway overhead: the same chat completion sent straight to an upstream on loopback, and through
// a real agent's /v1 (which resolves the role from the plan and relays the answer). Requests are
// interleaved so drift on the machine hits both sides alike. Goal: ≤ 2 ms median added.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AGENT_NODE_FLAGS } from '../../packages/agent/dist/index.js'
import { median, quantile } from './stats.mjs'

const root = join(import.meta.dirname, '../..')
const bin = join(root, 'packages/cli/dist/bin.js')
const ROUNDS = 1000
const WARMUP = 100

/** An OpenAI-compatible upstream answering at once: what is measured is the path, not a model. */
async function startUpstream () {
  const answer = JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url?.startsWith('/api/')) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"version":"0.12.6","models":[]}'); return }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(answer)
    })
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${server.address().port}` }
}

async function freePort () {
  const s = createServer()
  await new Promise(resolve => s.listen(0, '127.0.0.1', resolve))
  const port = s.address().port
  await new Promise(resolve => s.close(resolve))
  return port
}

async function run (args) {
  return await new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', d => { out += d })
    p.on('close', code => (code === 0 ? resolve(out) : reject(new Error(`gpufleet ${args[0]} exited ${code}`))))
  })
}

export async function benchGateway () {
  const upstream = await startUpstream()
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-bench-gw-'))
  let agent = null
  try {
    const [p2p, api] = [await freePort(), await freePort()]
    await run(['init', '--dir', dir, '--name', 'bench-gw', '--role', 'coordinator', '--listen', `/ip4/127.0.0.1/tcp/${p2p}`, '--api', `127.0.0.1:${api}`, '--json'])
    appendFileSync(join(dir, 'gpufleet.yaml'), `\nollama: { host: "${upstream.url}" }\n`)
    const shared = join(dir, 'shared.yaml')
    writeFileSync(shared, 'cluster: { mdns: false }\nollama: { apply: false }\nmodels:\n  - { name: "llama3.1:8b", params: 8B, quantization: Q4_K_M, roles: [chat], quality: 6 }\ncloud: []\n')
    agent = spawn(process.execPath, [...AGENT_NODE_FLAGS, bin, 'agent', '--config', join(dir, 'gpufleet.yaml'), '--config', shared, '--hardware', join(root, 'configs/roosync/myia-ai-01.hardware.json'), '--log-level', 'warn'], { stdio: 'ignore' })
    const base = `http://127.0.0.1:${api}`
    for (let i = 0; i < 200; i++) {
      const plan = await fetch(`${base}/api/plan`).then(r => (r.ok ? r.json() : null)).catch(() => null)
      if (plan?.routes?.some(r => r.role === 'chat' && r.target.kind === 'local')) break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
    const post = async url => {
      const start = performance.now()
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      await res.text()
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`)
      return performance.now() - start
    }
    const direct = []
    const gateway = []
    const [up, gw] = [`${upstream.url}/v1/chat/completions`, `${base}/v1/chat/completions`]
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      // Alternate which goes first, so neither side always meets a warmer connection.
      let d, g
      if (i % 2 === 0) { d = await post(up); g = await post(gw) } else { g = await post(gw); d = await post(up) }
      if (i >= WARMUP) { direct.push(d); gateway.push(g) }
    }
    const added = median(gateway) - median(direct)
    const ok = added <= 2
    const f = n => `${n.toFixed(2)} ms`
    return {
      ok,
      summary: `gateway adds ${f(added)} median (direct ${f(median(direct))}, via gateway ${f(median(gateway))}; goal ≤ 2 ms)`,
      markdown: [
        '## Gateway overhead',
        '',
        `A non-streaming chat completion (\`model: chat\`, resolved by the plan to this host's Ollama) against an OpenAI-compatible upstream that answers at once, on loopback; ${ROUNDS} requests each way after ${WARMUP} warm-ups, interleaved. The agent is a real process (\`gpufleet agent\`), the client Node's fetch with keep-alive.`,
        '',
        '| path | median | p95 |',
        '|---|---|---|',
        `| direct to the upstream | ${f(median(direct))} | ${f(quantile(direct, 0.95))} |`,
        `| through the gateway | ${f(median(gateway))} | ${f(quantile(gateway, 0.95))} |`,
        `| **added by the gateway** | **${f(added)}** | ${f(quantile(gateway, 0.95) - quantile(direct, 0.95))} |`,
        '',
        `Goal: ≤ 2 ms median added — ${ok ? 'met' : 'missed'}.`
      ].join('\n')
    }
  } finally {
    agent?.kill('SIGTERM')
    if (agent !== null) await new Promise(resolve => agent.once('exit', resolve))
    upstream.server.closeAllConnections()
    upstream.server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
