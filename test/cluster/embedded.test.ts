import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import type { StatusDocument } from '@gpufleet/core'
import { AGENT_NODE_FLAGS } from '@gpufleet/agent'
import { describeIfPresent } from '../support/prerequisite.js'
import { bin, sleep } from './harness.js'

async function portFree (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const s = createServer().once('error', () => { resolve(false) }).listen(port, '127.0.0.1', () => { s.close(() => { resolve(true) }) })
  })
}
const free = [await portFree(7700), await portFree(7701)]

const busy = [7700, 7701].filter((_p, i) => !free[i])
const portsMissing = busy.length === 0 ? null : `127.0.0.1 port${busy.length > 1 ? 's' : ''} ${busy.join(' and ')} taken by another process (the defaults this test proves)`

// The README's main command: `gpufleet agent` with no config creates a one-node coordinator.
describeIfPresent(portsMissing, 'gpufleet agent with no --config', () => {
  it('creates ~/.gpufleet on first run, leads alone on loopback, serves its API on 127.0.0.1:7700', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gpufleet-home-'))
    const proc = spawn(process.execPath, [...AGENT_NODE_FLAGS, bin, 'agent'], { env: { ...process.env, GPUFLEET_HOME: home, PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    proc.stderr.on('data', (d: Buffer) => { err += d.toString() })
    try {
      let status: StatusDocument | null = null
      for (let i = 0; i < 200 && (status?.plan ?? null) === null; i++) {
        await sleep(100)
        status = await fetch('http://127.0.0.1:7700/api/status').then(async r => await r.json() as StatusDocument).catch(() => null)
      }
      expect(status?.self.isLeader).toBe(true)
      expect(status?.hosts).toHaveLength(1)
      expect(status?.plan?.routes.length).toBeGreaterThan(0)
      // …and the dashboard is at http://127.0.0.1:7700.
      const page = await fetch('http://127.0.0.1:7700/')
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('id="hosts"')
      const config = readFileSync(join(home, 'gpufleet.yaml'), 'utf8')
      expect(config).toContain('/ip4/127.0.0.1/tcp/7701')
      expect(config).toContain('mdns: false')
      expect(err).toContain(`created ${join(home, 'gpufleet.yaml')}`)
    } finally {
      proc.kill('SIGTERM')
      await new Promise(resolve => proc.once('exit', resolve))
      rmSync(home, { recursive: true, force: true })
    }
  })
})
