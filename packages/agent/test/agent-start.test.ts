import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Agent } from '../src/agent.js'
import { LevelStore } from '../src/level-store.js'
import { hardware as hardwareReport, silent, testConfig } from './support/harness.js'

async function freePort (): Promise<number> {
  return await new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => { resolve(port) }) })
  })
}

async function portFree (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const s = createServer().once('error', () => { resolve(false) }).listen(port, '127.0.0.1', () => { s.close(() => { resolve(true) }) })
  })
}

describe('Agent.start', () => {
  let dir = ''
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('a failure after libp2p is up (a missing --hardware file) stops everything it started and rejects with the typed error', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-agent-start-'))
    const apiPort = await freePort()
    const base = testConfig({ name: 'solo', role: 'coordinator', priority: 100 })
    const config = { ...base, cluster: { ...base.cluster, listen: ['/ip4/127.0.0.1/tcp/0'], pskFile: null, bootstrap: [] }, api: { ...base.api, listen: `127.0.0.1:${apiPort}` }, dataDir: join(dir, 'data') }
    const agent = new Agent({ config, baseDir: dir, hardwareFile: join(dir, 'missing.json'), logger: silent })
    await expect(agent.start()).rejects.toMatchObject({ name: 'HardwareFileError' })
    // The API port is free again and the data directory is no longer locked.
    expect(await portFree(apiPort)).toBe(true)
    const store = await LevelStore.open(join(dir, 'data'))
    await store.close()
    // stop() after a failed start is harmless.
    await agent.stop()
  })

  it('starts alone, leads, plans, and stops cleanly', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-agent-start-'))
    const base = testConfig({ name: 'solo', role: 'coordinator', priority: 100 })
    const config = { ...base, cluster: { ...base.cluster, listen: ['/ip4/127.0.0.1/tcp/0'], pskFile: null, bootstrap: [], heartbeat: 100, leaderLease: 300 }, api: { ...base.api, listen: '127.0.0.1:0' }, dataDir: join(dir, 'data') }
    const hardware = join(dir, 'hw.json')
    writeFileSync(hardware, JSON.stringify(hardwareReport('myia-po-2024.hardware.json', 'solo', 'coordinator')))
    const agent = new Agent({ config, baseDir: dir, hardwareFile: hardware, logger: silent })
    await agent.start()
    try {
      const api = `http://${agent.apiAddress!}`
      await expect.poll(async () => await fetch(`${api}/api/status`).then(async r => await r.json() as { self: { isLeader: boolean }, plan: unknown }).then(s => s.self.isLeader && s.plan !== null), { timeout: 15_000 }).toBe(true)
    } finally {
      await agent.stop()
    }
    const store = await LevelStore.open(join(dir, 'data'))
    expect((await store.loadHosts()).map(h => h.report.hostname)).toEqual(['solo'])
    expect((await store.loadPlan())?.plan.term).toBeGreaterThan(0)
    await store.close()
  })
})
