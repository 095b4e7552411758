import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AGENT_NODE_FLAGS, createFleetNode, loadOrCreateIdentity, loadSwarmKey, createSwarmKey, signMessage } from '@gpufleet/agent'
import type { StatusDocument } from '@gpufleet/core'
import { runCli } from '../support/cli.js'
import { Fleet, SEED_FLEET, TIMINGS, onlineHosts, repoRoot, sleep } from './harness.js'

let fleet: Fleet | undefined
afterEach(async () => { await fleet?.destroy(); fleet = undefined })

const ALL = SEED_FLEET.map(s => s.name).sort()

describe('a fleet of real agents on 127.0.0.1', { timeout: 60_000 }, () => {
  it('five agents converge: everyone sees everyone, the preferred coordinator leads, one plan everywhere', async () => {
    fleet = await Fleet.create(SEED_FLEET)
    fleet.startAll()
    const took = await fleet.waitFor(fleet.nodes, s => onlineHosts(s).join() === ALL.join() && s.leader === 'myia-ai-01' && s.plan !== null && s.plan.term === s.term, 'convergence')
    // The leader may publish a newer plan as the last hosts arrive: wait for one plan everywhere.
    // A status request can time out on a loaded machine (null): that round simply does not count.
    let statuses: StatusDocument[] = []
    for (let i = 0; i < 100; i++) {
      const round = await Promise.all(fleet.nodes.map(async n => await fleet!.status(n)))
      if (round.every(s => s !== null)) {
        statuses = round as StatusDocument[]
        if (new Set(statuses.map(s => s.plan?.generatedAt)).size === 1) break
      }
      await sleep(100)
    }
    expect(new Set(statuses.map(s => s.term)).size).toBe(1)
    // Compared as structures: the leader built its plan, followers parsed theirs (key order differs).
    for (const st of statuses) expect(st.plan).toEqual(statuses[0]!.plan)
    const plan = statuses[0]!.plan!
    expect(plan.excluded).toMatchObject([{ host: 'myia-ai-01', gpu: 0, reason: 'CUDA build of the backend has no sm_120 kernels' }])
    expect(plan.routes.filter(r => r.host === 'myia-web1').every(r => r.target.kind === 'cloud')).toBe(true)
    const rejections = fleet.nodes.flatMap(n => n.log.filter(l => /rejected|malformed/.test(l)))
    expect(statuses.every(s => s.gossip.rejected === 0), rejections.join('\n')).toBe(true)
    // The leader wrote the GPU spec document next to its config.
    expect(readFileSync(join(fleet.node('myia-ai-01').dir, 'GPU_SPECS.md'), 'utf8')).toContain('# Spécifications GPU - Infrastructure Multi-Machine testfleet')
    console.log(`converged in ${Math.round(took)} ms`)
  })

  it('kill -9 of the leader (the bootstrap node): the standby leads with a higher term, the dead host goes offline and loses its assignments; the preferred coordinator comes back and leads again', async () => {
    fleet = await Fleet.create(SEED_FLEET)
    fleet.startAll()
    const [ai01, po2023, ...others] = fleet.nodes as [typeof fleet.nodes[0], typeof fleet.nodes[0], ...typeof fleet.nodes]
    await fleet.waitFor(fleet.nodes, s => onlineHosts(s).length === 5 && s.leader === 'myia-ai-01' && s.plan?.term === s.term, 'convergence')
    const before = (await fleet.status(po2023))!.term
    await fleet.kill(ai01, 'SIGKILL')
    // How fast is a benchmark's question (`pnpm bench cluster`, goal ≤ 4.5 s): here only the outcome counts.
    await fleet.waitFor([po2023, ...others], s => s.leader === 'myia-po-2023' && s.term > before, 'failover')
    await fleet.waitFor([po2023, ...others], s => onlineHosts(s).length === 4 && s.plan !== null && s.plan.term > before && !s.plan.assignments.some(a => a.host === 'myia-ai-01'), 'the dead host offline and out of the plan')
    const standbyTerm = (await fleet.status(po2023))!.term
    fleet.start(ai01)
    await fleet.waitFor(fleet.nodes, s => s.leader === 'myia-ai-01' && s.term > standbyTerm && onlineHosts(s).length === 5, 'the preferred coordinator back in the lead')
  })

  it('a full stop and restart keeps the inventory on disk (LevelDB), shown as not yet heard from', async () => {
    fleet = await Fleet.create(SEED_FLEET.slice(0, 3))
    fleet.startAll()
    await fleet.waitFor(fleet.nodes, s => onlineHosts(s).length === 3 && s.plan !== null, 'convergence')
    await Promise.all(fleet.nodes.map(async n => { await fleet!.kill(n, 'SIGTERM') }))
    const web = fleet.node('myia-po-2024')
    fleet.start(web)
    await fleet.waitFor([web], s => s.hosts.length === 3, 'the restored inventory')
    const s = (await fleet.status(web))!
    expect(s.hosts.map(h => h.hostname).sort()).toEqual(['myia-ai-01', 'myia-po-2023', 'myia-po-2024'])
    expect(s.hosts.filter(h => h.hostname !== 'myia-po-2024').every(h => h.online === false)).toBe(true)
    expect(s.plan?.assignments.length).toBeGreaterThan(0)
  })

  it('a newcomer pulls the whole inventory on connect, including a host that is already offline', async () => {
    fleet = await Fleet.create(SEED_FLEET.slice(0, 3))
    const [ai01, po2023, po2024] = fleet.nodes as [typeof fleet.nodes[0], typeof fleet.nodes[0], typeof fleet.nodes[0]]
    fleet.start(ai01)
    fleet.start(po2023)
    await fleet.waitFor([ai01, po2023], s => onlineHosts(s).length === 2 && s.plan !== null, 'two nodes')
    await fleet.kill(po2023, 'SIGTERM')
    // po2023 no longer gossips: only a sync from ai-01 can tell the newcomer it exists.
    fleet.start(po2024)
    await fleet.waitFor([po2024], s => s.hosts.some(h => h.hostname === 'myia-po-2023') && s.plan !== null, 'the synced inventory')
      .catch((err: Error) => { throw new Error(`${err.message}\n${po2024.log.filter(l => /sync|dial/.test(l)).slice(-8).join('\n')}`) })
    const s = (await fleet.status(po2024))!
    expect(s.hosts.find(h => h.hostname === 'myia-po-2023')?.gpus).toHaveLength(2)
    expect(s.gossip.rejected).toBe(0)
  })

  it('a second agent on the same data directory fails with a clear error, and the first keeps running', async () => {
    fleet = await Fleet.create(SEED_FLEET.slice(0, 1))
    const node = fleet.nodes[0]!
    fleet.start(node)
    await fleet.waitFor([node], s => s.hosts.length === 1, 'start')
    const second = await runCli(['agent', '--config', join(node.dir, 'gpufleet.yaml')], { nodeFlags: AGENT_NODE_FLAGS, timeoutMs: 30_000 })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/data: the data directory is in use by another gpufleet agent/)
    expect(await fleet.status(node)).not.toBeNull()
  })

  it('a node with another swarm key never joins', async () => {
    fleet = await Fleet.create(SEED_FLEET.slice(0, 2))
    const outsider = join(fleet.root, 'other.key')
    await createSwarmKey(outsider)
    const stranger = await Fleet.create([{ name: 'myia-po-2026', role: 'worker' }], { swarmKeyFor: () => outsider })
    try {
      // The stranger bootstraps to the fleet's first node, but with the wrong private-network key.
      const s = stranger.nodes[0]!
      const cfg = join(s.dir, 'gpufleet.yaml')
      const text = readFileSync(cfg, 'utf8').replace(/bootstrap: \[\]|bootstrap:\n/, `bootstrap:\n    - ${fleet.nodes[0]!.multiaddr}\n`)
      writeFileSync(cfg, text)
      fleet.startAll()
      stranger.startAll()
      await fleet.waitFor(fleet.nodes, st => onlineHosts(st).length === 2, 'the fleet')
      await sleep(TIMINGS.heartbeatMs * 8)
      for (const n of fleet.nodes) expect((await fleet.status(n))!.hosts.map(h => h.hostname)).not.toContain('myia-po-2026')
      expect((await stranger.status(s))!.hosts.map(h => h.hostname)).toEqual(['myia-po-2026'])
    } finally {
      await stranger.destroy()
    }
  })

  it('rejects forged and malformed messages, ignores a plan from a stale term, and leaves the victim\'s entry unchanged', async () => {
    fleet = await Fleet.create(SEED_FLEET.slice(0, 2))
    fleet.startAll()
    const [leader, victim] = fleet.nodes as [typeof fleet.nodes[0], typeof fleet.nodes[0]]
    await fleet.waitFor(fleet.nodes, s => onlineHosts(s).length === 2 && s.leader === 'myia-ai-01', 'convergence')
    // A rogue node inside the private network (it holds the swarm key) with its own identity.
    const psk = await loadSwarmKey(join(leader.dir, 'swarm.key'))
    const key = await loadOrCreateIdentity(join(fleet.root, 'rogue.key'))
    const rogue = await createFleetNode({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [leader.multiaddr], mdns: false, psk, heartbeatMs: 250 })
    try {
      const topic = 'gpufleet/testfleet/v1'
      rogue.services.pubsub.subscribe(topic)
      const deadline = Date.now() + 10_000
      while (rogue.services.pubsub.getSubscribers(topic).length === 0 && Date.now() < deadline) await sleep(50)
      const victimBefore = (await fleet.status(leader))!.hosts.find(h => h.hostname === 'myia-po-2023')!
      const report = JSON.parse(readFileSync(join(repoRoot, 'configs/roosync/myia-po-2023.hardware.json'), 'utf8')) as object
      const send = async (msg: object): Promise<void> => { await rogue.services.pubsub.publish(topic, new TextEncoder().encode(JSON.stringify(msg))) }
      // 1. Forged: signed (libp2p and author) by the rogue, claiming to be the victim's peer id, with no GPUs.
      await send((await signMessage(key, { v: 1, type: 'report', peerId: victim.peerId, sentAt: new Date().toISOString(), seq: Number.MAX_SAFE_INTEGER, report: { ...report, gpus: [] }, priority: 0, addrs: [], api: null })).message)
      // 2. Malformed.
      await send({ v: 1, type: 'report', peerId: rogue.peerId.toString(), seq: 'soon' })
      // 3. The rogue's own report, but with a signature that is not its author's.
      const other = await loadOrCreateIdentity(join(fleet.root, 'other.key'))
      const badlySigned = await signMessage(other, { v: 1, type: 'report', peerId: rogue.peerId.toString(), sentAt: new Date().toISOString(), seq: 1, report: { ...report, hostname: 'rogue' }, priority: 0, addrs: [], api: null })
      await send(badlySigned.message)
      // 4. A properly signed plan from a term far below the current one: fencing must ignore it.
      const stalePlan = (await fleet.status(leader))!.plan!
      await send((await signMessage(key, { v: 1, type: 'plan', peerId: rogue.peerId.toString(), sentAt: new Date().toISOString(), term: 1, plan: { ...stalePlan, term: 1, assignments: [] } })).message)
      // All four have been judged once three are rejected and one ignored.
      await fleet.waitFor([leader], s => s.gossip.rejected >= 3 && s.gossip.ignored >= 1, 'the rejections', 5000)
      const after = (await fleet.status(leader))!
      const victimAfter = after.hosts.find(h => h.hostname === 'myia-po-2023')!
      expect(victimAfter.gpus).toEqual(victimBefore.gpus)
      expect(after.plan!.term).toBe(after.term)
      expect(after.plan!.assignments.length).toBeGreaterThan(0)
      expect(after.hosts.map(h => h.hostname)).not.toContain('rogue')
      expect(leader.log.some(l => l.includes('forged: signed by'))).toBe(true)
      expect(leader.log.filter(l => l.includes('message rejected')).join('\n')).toMatch(/bad signature: not written by/)
    } finally {
      await rogue.stop()
    }
  })
})
