import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runBin } from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'gpufleet-init-'))

describe('gpufleet init', () => {
  it('writes the config, identity key and swarm key (0600) and prints addresses ready for --bootstrap', async () => {
    const dir = join(tmp, 'coord')
    const run = await runBin(['init', '--dir', dir, '--name', 'myia-ai-01', '--role', 'coordinator', '--listen', '/ip4/127.0.0.1/tcp/7701', '--json'])
    expect(run.code).toBe(0)
    const out = JSON.parse(run.stdout) as { peerId: string, multiaddrs: string[], config: string }
    expect(out.peerId).toMatch(/^12D3KooW/)
    expect(out.multiaddrs).toEqual([`/ip4/127.0.0.1/tcp/7701/p2p/${out.peerId}`])
    for (const f of ['gpufleet.yaml', 'identity.key', 'swarm.key']) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600)
    expect(readFileSync(join(dir, 'swarm.key'), 'utf8').startsWith('/key/swarm/psk/1.0.0/')).toBe(true)
    const config = parse(readFileSync(join(dir, 'gpufleet.yaml'), 'utf8')) as { node: { role: string, priority: number }, api: { token: string | null } }
    expect(config.node).toMatchObject({ role: 'coordinator', priority: 100 })
    expect(config.api.token).toBeNull()
  })

  it('generates a token when the API is not on loopback, and the same identity on --force', async () => {
    const dir = join(tmp, 'exposed')
    const first = JSON.parse((await runBin(['init', '--dir', dir, '--name', 'po', '--role', 'worker', '--api', '0.0.0.0:7700', '--json'])).stdout) as { peerId: string }
    const config = parse(readFileSync(join(dir, 'gpufleet.yaml'), 'utf8')) as { api: { token: string } }
    expect(config.api.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const again = await runBin(['init', '--dir', dir, '--name', 'po', '--role', 'worker'])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/gpufleet\.yaml already exists \(use --force/)
    const forced = JSON.parse((await runBin(['init', '--dir', dir, '--name', 'po', '--role', 'worker', '--force', '--json'])).stdout) as { peerId: string }
    expect(forced.peerId).toBe(first.peerId)
  })

  it.each([
    [['--role', 'boss'], /--role: expected coordinator or worker, got "boss"/],
    [['--role', 'worker', '--bootstrap', '/ip4/10.0.0.1/tcp/7701'], /--bootstrap: expected a multiaddr ending in \/p2p\/<peer id>/],
    [['--role', 'worker', '--api', 'localhost'], /--api: expected HOST:PORT, got "localhost"/],
    [['--role', 'worker', '--priority', '-3'], /--priority: expected a non-negative integer/]
  ])('exits 2 with one line for %j', async (args, message) => {
    const run = await runBin(['init', '--dir', join(tmp, 'bad'), '--name', 'x', ...args])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('gpufleet status and inventory without an agent', () => {
  it('exits 1 with one line saying no agent answers', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>(resolve => { const srv = createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as AddressInfo).port; srv.close(() => { resolve(p) }) }) })
    const run = await runBin(['status', '--api', `http://127.0.0.1:${port}`])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`gpufleet: no agent at http://127.0.0.1:${port} (ECONNREFUSED)\n`)
  })

  it('exits 2 for an --api that is not a URL', async () => {
    const run = await runBin(['inventory', '--api', 'not a url', '--json'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--api: "not a url" is not a URL/)
  })
})
