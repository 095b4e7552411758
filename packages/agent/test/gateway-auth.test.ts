import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiServer } from '../src/http.js'

const TOKEN = 'tok-0123456789abcdef'

describe('the agent token, as OpenAI and Anthropic clients send it', () => {
  const server = new ApiServer({
    listen: '127.0.0.1:0',
    token: TOKEN,
    routes: { '/v1/models': () => ({ status: 200, type: 'application/json', body: '{}' }) },
    posts: { '/v1/messages': async (_req, res) => { res.writeHead(200); res.end('{}') } }
  })
  beforeAll(async () => { await server.start() })
  afterAll(async () => { await server.stop() })

  it('is accepted as Authorization: Bearer (ANTHROPIC_AUTH_TOKEN, OpenAI SDKs) or x-api-key (ANTHROPIC_API_KEY); ?beta=true is the same route', async () => {
    const url = (path: string): string => `http://${server.address}${path}`
    expect((await fetch(url('/v1/messages?beta=true'), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    expect((await fetch(url('/v1/messages?beta=true'), { method: 'POST', headers: { 'x-api-key': TOKEN } })).status).toBe(200)
    expect((await fetch(url('/v1/models'), { headers: { 'x-api-key': TOKEN } })).status).toBe(200)
    expect((await fetch(url('/v1/messages'), { method: 'POST', headers: { 'x-api-key': 'tok-wrong-0123456789' } })).status).toBe(401)
    expect((await fetch(url('/v1/messages'), { method: 'POST' })).status).toBe(401)
  })
})
