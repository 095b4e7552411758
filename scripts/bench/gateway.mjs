// Gateway overhead: the same request sent straight to an upstream on loopback, and through a real
// agent (which resolves the role from the plan and relays the answer): OpenAI chat completions,
// Anthropic Messages passed through to an Anthropic-native upstream, and Anthropic Messages
// translated to an OpenAI-only upstream (compared with asking that upstream directly in its own
// format). Requests are interleaved so drift on the machine hits both sides alike. Goal: ≤ 2 ms
// median added on each path.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AGENT_NODE_FLAGS } from '../../packages/agent/dist/index.js'
import { median, quantile } from './stats.mjs'

const root = join(import.meta.dirname, '../..')
const bin = join(root, 'packages/cli/dist/bin.js')
const ROUNDS = 1000
const WARMUP = 100

/** An upstream answering at once, in OpenAI's and Anthropic's formats: what is measured is the path, not a model. */
async function startUpstream () {
  const answer = JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })
  const message = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } })
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      if (req.url?.startsWith('/api/')) res.end('{"version":"0.12.6","models":[],"status":"success"}')
      else res.end(req.url?.startsWith('/v1/messages') ? message : answer)
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
    // `remote` is served only by an Anthropic-native provider (the same upstream): Messages passed through.
    writeFileSync(shared, `cluster: { mdns: false }\nollama: { apply: false }\nmodels:\n  - { name: "llama3.1:8b", params: 8B, quantization: Q4_K_M, roles: [chat], quality: 6 }\ncloud:\n  - { name: native, baseUrl: "${upstream.url}", api: anthropic, apiKeyEnv: BENCH_KEY, models: { remote: m } }\n`)
    // This host's Ollama is the upstream, reported older than 0.14: Messages to it are translated.
    const hardware = join(dir, 'hardware.json')
    writeFileSync(hardware, JSON.stringify({ ...JSON.parse(readFileSync(join(root, 'configs/roosync/myia-ai-01.hardware.json'), 'utf8')), ollama: { reachable: true, host: upstream.url, version: '0.12.6', models: [] } }))
    agent = spawn(process.execPath, [...AGENT_NODE_FLAGS, bin, 'agent', '--config', join(dir, 'gpufleet.yaml'), '--config', shared, '--hardware', hardware, '--log-level', 'warn'], { stdio: 'ignore', env: { ...process.env, BENCH_KEY: 'bench' } })
    const base = `http://127.0.0.1:${api}`
    for (let i = 0; i < 200; i++) {
      const plan = await fetch(`${base}/api/plan`).then(r => (r.ok ? r.json() : null)).catch(() => null)
      if (plan?.routes?.some(r => r.role === 'chat' && r.target.kind === 'local')) break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const chat = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
    const messages = model => JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
    const post = async (url, body) => {
      const start = performance.now()
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'bench' }, body })
      await res.text()
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`)
      return performance.now() - start
    }
    const measure = async (direct, through) => {
      const d = []
      const g = []
      for (let i = 0; i < WARMUP + ROUNDS; i++) {
        // Alternate which goes first, so neither side always meets a warmer connection.
        let a, b
        if (i % 2 === 0) { a = await post(...direct); b = await post(...through) } else { b = await post(...through); a = await post(...direct) }
        if (i >= WARMUP) { d.push(a); g.push(b) }
      }
      return { direct: d, gateway: g, added: median(g) - median(d) }
    }
    const paths = [
      ['OpenAI chat completions, passed through', await measure([`${upstream.url}/v1/chat/completions`, chat], [`${base}/v1/chat/completions`, chat])],
      ['Anthropic Messages, passed through (Anthropic-native upstream)', await measure([`${upstream.url}/v1/messages`, messages('m')], [`${base}/v1/messages`, messages('remote')])],
      ['Anthropic Messages, translated (OpenAI-only upstream; direct = its own format)', await measure([`${upstream.url}/v1/chat/completions`, chat], [`${base}/v1/messages`, messages('chat')])]
    ]
    const ok = paths.every(([, r]) => r.added <= 2)
    const f = n => `${n.toFixed(2)} ms`
    return {
      ok,
      summary: paths.map(([name, r]) => `${name.split(',')[0]}${name.includes('translated') ? ' (translated)' : ''}: +${f(r.added)}`).join('; ') + ' median added (goal ≤ 2 ms each)',
      markdown: [
        '## Gateway overhead',
        '',
        `The same request straight to an upstream that answers at once, and through a real agent process (\`gpufleet agent\`) that resolves the role from the plan and relays the answer; on loopback, ${ROUNDS} requests each way after ${WARMUP} warm-ups, interleaved, non-streaming, the client Node's fetch with keep-alive. Translated Messages are compared with the upstream asked directly in its own (OpenAI) format.`,
        '',
        '| path | direct median | via gateway median | **added median** | added p95 |',
        '|---|---|---|---|---|',
        ...paths.map(([name, r]) => `| ${name} | ${f(median(r.direct))} | ${f(median(r.gateway))} | **${f(r.added)}** | ${f(quantile(r.gateway, 0.95) - quantile(r.direct, 0.95))} |`),
        '',
        `Goal: ≤ 2 ms median added on each path — ${ok ? 'met' : 'missed'}.`
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
