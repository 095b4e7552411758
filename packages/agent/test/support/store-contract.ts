import { describe, expect, it } from 'vitest'
import { computePlan, type HostEntry, type Plan } from '@gpufleet/core'
import type { FleetStore } from '../../src/store.js'
import { hardware, testConfig } from './harness.js'

const config = testConfig({ name: 'a', role: 'coordinator' })
const plan = (term: number): Plan => computePlan({ hosts: [{ ...hardware('myia-po-2024.hardware.json', 'a'), online: true }], config, term, generatedAt: '2026-11-22T10:00:00.000Z' })
const entry = (hostname: string, seq: number, extra: Partial<HostEntry> = {}): HostEntry => ({ peerId: `12D3KooW${hostname.padEnd(44, 'x')}`, seq, report: hardware('myia-po-2024.hardware.json', hostname), addrs: ['/ip4/127.0.0.1/tcp/1'], api: '127.0.0.1:7700', lastSeen: 1_000 + seq, ...extra })

/**
 * The one suite every FleetStore passes. `open` gives a store on a location; opening the same
 * location again after close must give back what was written (a restart).
 */
export function storeContract (name: string, open: (location: string) => Promise<FleetStore>, fresh: () => string): void {
  describe(`${name} keeps what a restart needs (FleetStore contract)`, () => {
    it('starts empty: no hosts, no plan, term and sequence 0, nothing measured', async () => {
      const store = await open(fresh())
      expect(await store.loadHosts()).toEqual([])
      expect(await store.loadPlan()).toBeNull()
      expect(await store.loadState()).toEqual({ term: 0, seq: 0 })
      expect(await store.loadMeasured()).toEqual([])
      expect(await store.loadTombstones()).toEqual([])
      await store.close()
    })

    it('hosts are upserted by hostname; the in-memory restored mark is not stored; all survive a reopen', async () => {
      const location = fresh()
      const store = await open(location)
      await store.saveHosts([entry('a', 1), entry('b', 1, { raw: '{"signed":true}' })])
      await store.saveHosts([entry('a', 2, { restored: true })])
      await store.saveHosts([])
      await store.close()
      const again = await open(location)
      const hosts = (await again.loadHosts()).sort((x, y) => (x.report.hostname < y.report.hostname ? -1 : 1))
      expect(hosts.map(h => [h.report.hostname, h.seq, h.raw ?? null, 'restored' in h])).toEqual([['a', 2, null, false], ['b', 1, '{"signed":true}', false]])
      expect(hosts[0]).toEqual(entry('a', 2))
      await again.close()
    })

    it('the plan in force keeps its signed text, and a plan saved without one drops the older text', async () => {
      const location = fresh()
      const store = await open(location)
      await store.savePlan(plan(5), '{"plan":5}')
      expect(await store.loadPlan()).toEqual({ plan: plan(5), raw: '{"plan":5}' })
      await store.savePlan(plan(6), null)
      await store.close()
      const again = await open(location)
      expect(await again.loadPlan()).toEqual({ plan: plan(6), raw: null })
      await again.close()
    })

    it('node state and measured speeds are replaced whole and survive a reopen', async () => {
      const location = fresh()
      const store = await open(location)
      await store.saveState({ term: 3, seq: 10 })
      await store.saveState({ term: 4, seq: 11 })
      const speed = { model: 'llama3.1:8b', decodeTokensPerSecond: 42.5, promptTokensPerSecond: null, measuredAt: '2026-11-22T10:00:00.000Z' }
      await store.saveMeasured([speed])
      await store.close()
      const again = await open(location)
      expect(await again.loadState()).toEqual({ term: 4, seq: 11 })
      expect(await again.loadMeasured()).toEqual([speed])
      await again.close()
    })

    it('a forgotten host\'s record is dropped; tombstones are replaced whole and survive a reopen', async () => {
      const location = fresh()
      const store = await open(location)
      await store.saveHosts([entry('a', 1), entry('b', 1)])
      await store.forgetHost('a')
      await store.forgetHost('never-known')
      const tombs = [{ hostname: 'a', peerId: entry('a', 1).peerId, upTo: 1, raw: '{"signed":true}' }, { hostname: 'z', peerId: entry('z', 1).peerId, upTo: 7 }]
      await store.saveTombstones(tombs.slice(0, 1))
      await store.saveTombstones(tombs)
      await store.close()
      const again = await open(location)
      expect((await again.loadHosts()).map(h => h.report.hostname)).toEqual(['b'])
      expect(await again.loadTombstones()).toEqual(tombs)
      await again.close()
    })

    it('a closed store refuses calls', async () => {
      const store = await open(fresh())
      await store.close()
      await expect(store.loadState()).rejects.toThrow()
    })
  })
}
