import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { StatusDocument } from '@gpufleet/core'
import { Fleet, SEED_FLEET, bin, type FleetNode } from './harness.js'

let fleet: Fleet | undefined
afterEach(async () => { await fleet?.destroy(); fleet = undefined })

const GONE = 'myia-po-2026'
const names = (s: StatusDocument): string[] => s.hosts.map(h => h.hostname).sort()
/** A node's status, asked again until it answers (a loaded machine can make one request time out). */
async function statusOf (node: FleetNode): Promise<StatusDocument> {
  let status: StatusDocument | null = null
  await fleet!.waitFor([node], s => { status = s; return true }, `${node.spec.name}'s status`)
  return status!
}
const online = (s: StatusDocument): string[] => s.hosts.filter(h => h.online !== false).map(h => h.hostname).sort()

/** `gpufleet forget …` as a user runs it: exit code and output. */
async function forget (...args: string[]): Promise<{ code: number | null, out: string, err: string }> {
  return await new Promise(resolve => {
    const p = spawn(process.execPath, [bin, 'forget', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', (d: Buffer) => { out += d.toString() })
    p.stderr.on('data', (d: Buffer) => { err += d.toString() })
    p.on('close', code => { resolve({ code, out, err }) })
  })
}

/** Adds keys under `cluster:` in the shared file every node loads. */
function clusterKeys (fleet: Fleet, lines: string[]): void {
  const shared = join(fleet.root, 'shared.yaml')
  writeFileSync(shared, readFileSync(shared, 'utf8').replace(/^cluster:\n/m, `cluster:\n${lines.map(l => `  ${l}\n`).join('')}`))
}

/** Three nodes converged, then GONE stopped and seen offline (with its alert) everywhere. */
async function fleetWithOneGone (forgetAfter: string | null): Promise<{ leader: FleetNode, follower: FleetNode, gone: FleetNode }> {
  fleet = await Fleet.create([SEED_FLEET[0]!, SEED_FLEET[2]!, SEED_FLEET[3]!])
  if (forgetAfter !== null) clusterKeys(fleet, [`forgetAfter: ${forgetAfter}`])
  const [leader, follower, gone] = fleet.nodes as [FleetNode, FleetNode, FleetNode]
  fleet.startAll()
  await fleet.waitFor(fleet.nodes, s => online(s).length === 3 && s.leader === 'myia-ai-01' && s.plan?.term === s.term, 'convergence')
  await fleet.kill(gone, 'SIGTERM')
  return { leader, follower, gone }
}

describe('forgetting a host', { timeout: 90_000 }, () => {
  it('gpufleet forget: the leader\'s tombstone drops it from every node\'s inventory, disk and alerts; it rejoins when it comes back', async () => {
    const { leader, follower, gone } = await fleetWithOneGone(null)
    const rest = [leader, follower]
    await fleet!.waitFor(rest, s => !online(s).includes(GONE) && s.alerts.some(a => a.id === `host-offline:${GONE}`), 'the host offline, with its alert')

    // Bad input and refusals, each with one line and its exit code.
    const unknown = await forget('nope', '--api', leader.api)
    expect([unknown.code, unknown.err.trim()]).toEqual([2, `gpufleet: HOST: no host "nope" in the fleet (known: myia-ai-01, myia-po-2024, ${GONE})`])
    const notLeader = await forget(GONE, '--api', follower.api)
    expect(notLeader.code).toBe(1)
    expect(notLeader.err).toContain(`myia-po-2024 does not lead: ask the leader, myia-ai-01 (gpufleet forget ${GONE} --api http://${leader.api.replace('http://', '')})`)
    const live = await forget('myia-po-2024', '--api', leader.api)
    expect(live.code).toBe(1)
    expect(live.err).toContain('myia-po-2024 is online: stop its agent first')

    const done = await forget(GONE, '--api', leader.api, '--json')
    expect(done.code, done.err).toBe(0)
    expect(JSON.parse(done.out)).toMatchObject({ forgotten: GONE, term: (await statusOf(leader)).term })
    await fleet!.waitFor(rest, s => !names(s).includes(GONE) && !s.alerts.some(a => a.host === GONE), 'the host and its alerts gone everywhere')
    for (const node of rest) expect(node.log.some(l => l.includes('host forgotten')), node.spec.name).toBe(true)

    // Gone from disk too: a restarted follower never shows it, neither restored nor synced.
    await fleet!.kill(follower, 'SIGTERM')
    fleet!.start(follower)
    await fleet!.waitFor([follower], s => {
      if (names(s).includes(GONE)) throw new Error(`${GONE} came back from ${follower.spec.name}'s disk or a sync`)
      return online(s).length === 2
    }, 'the follower back, without the forgotten host')

    // The machine comes back: its next report is newer than the tombstone, so it simply rejoins.
    fleet!.start(gone)
    await fleet!.waitFor(fleet!.nodes, s => online(s).length === 3, 'the forgotten host rejoining')
  })

  it('cluster.forgetAfter: the leader forgets by itself a host offline that long', async () => {
    const { leader, follower } = await fleetWithOneGone('4s')
    await fleet!.waitFor([leader, follower], s => !names(s).includes(GONE) && !s.alerts.some(a => a.host === GONE), 'the host forgotten after forgetAfter', 30_000)
    expect(leader.log.some(l => l.includes('host forgotten') && l.includes('"reason":"offline"'))).toBe(true)
  })
})
