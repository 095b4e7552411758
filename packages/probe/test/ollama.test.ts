import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { probeOllama } from '../src/index.js'

// A loopback stand-in answering /api/version and /api/tags exactly as Ollama 0.x does (the full
// 64-hex digest; `ollama list` shows its first 12 digits as the ID).
const TAGS = {
  models: [
    { name: 'qwen2.5-coder:1.5b', model: 'qwen2.5-coder:1.5b', modified_at: '2026-10-01T10:00:00.000+02:00', size: 986061892, digest: '6d3abb8d2d534dbc741fbc7b50bd192f480d6dc3c985a8b67bd2862949b802e1', details: { parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '1.5B', quantization_level: 'Q4_K_M' } },
    { name: 'llama3:8b-instruct-q6_K', model: 'llama3:8b-instruct-q6_K', modified_at: '2026-09-12T08:30:00.000+02:00', size: 6596006848, digest: '1c3b0c3a7c8a2df8137d94a6839332523713e3439c480cc1157ef7fdcd23e28a', details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '8.0B', quantization_level: 'Q6_K' } }
  ]
}

let server: Server
let host: string
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json; charset=utf-8')
    if (req.url === '/api/version') res.end(JSON.stringify({ version: '0.12.6' }))
    else if (req.url === '/api/tags') res.end(JSON.stringify(TAGS))
    else { res.statusCode = 404; res.end('404 page not found') }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => { await new Promise(resolve => server.close(resolve)) })

describe('probeOllama', () => {
  it('lists installed models with size, parameter size and quantization, sorted by name', async () => {
    const report = await probeOllama({ host })
    expect(report).toEqual({
      reachable: true, host, version: '0.12.6',
      models: [
        { name: 'llama3:8b-instruct-q6_K', sizeBytes: 6596006848, parameterSize: '8.0B', quantization: 'Q6_K', family: 'llama', digest: '1c3b0c3a7c8a2df8137d94a6839332523713e3439c480cc1157ef7fdcd23e28a' },
        { name: 'qwen2.5-coder:1.5b', sizeBytes: 986061892, parameterSize: '1.5B', quantization: 'Q4_K_M', family: 'qwen2', digest: '6d3abb8d2d534dbc741fbc7b50bd192f480d6dc3c985a8b67bd2862949b802e1' }
      ]
    })
  })

  it('says unreachable when nothing listens', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    expect(await probeOllama({ host: `http://127.0.0.1:${port}` })).toEqual({ reachable: false, host: `http://127.0.0.1:${port}`, version: null, models: [] })
  })

  it('gives up on an Ollama that accepts but never answers', async () => {
    const silent = createServer(() => { /* never respond */ })
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    const report = await probeOllama({ host: url, timeoutMs: 150 })
    silent.closeAllConnections()
    await new Promise(resolve => silent.close(resolve))
    expect(report.reachable).toBe(false)
  })
})
