import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { StatusDocument } from '@gpufleet/core'
import { runCli, type CliRun } from '../support/cli.js'
import { Fleet, LOADED_MS, SEED_FLEET, onlineHosts, type FleetNode } from './harness.js'

let fleet: Fleet | undefined
afterEach(async () => { await fleet?.destroy(); fleet = undefined })

const GONE = 'myia-po-2026'
const names = (s: StatusDocument): string[] => s.hosts.map(h => h.hostname).sort()

/** `gpufleet forget …` as a user runs it: exit code and output. */
const forget = async (...args: string[]): Promise<CliRun> => await runCli(['forget', ...args])

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
  await fleet.waitFor(fleet.nodes, s => onlineHosts(s).length === 3 && s.leader === 'myia-ai-01' && s.plan?.term === s.term, 'convergence', LOADED_MS)
  await fleet.kill(gone, 'SIGTERM')
  return { leader, follower, gone }
}

describe('forgetting a host', { timeout: 300_000 }, () => {
  it('gpufleet forget: the leader\'s tombstone drops it from every node\'s inventory, disk and alerts; it rejoins when it comes back', async () => {
    const { leader, follower, gone } = await fleetWithOneGone(null)
    const rest = [leader, follower]
    await fleet!.waitFor(rest, s => !onlineHosts(s).includes(GONE) && s.alerts.some(a => a.id === `host-offline:${GONE}`), 'the host offline, with its alert', LOADED_MS)

    // Bad input and refusals, each with one line and its exit code.
    const unknown = await forget('nope', '--api', leader.api)
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, `gpufleet: HOST: no host "nope" in the fleet (known: myia-ai-01, myia-po-2024, ${GONE})`])
    const notLeader = await forget(GONE, '--api', follower.api)
    expect(notLeader.code).toBe(1)
    expect(notLeader.stderr).toContain(`myia-po-2024 does not lead: ask the leader, myia-ai-01 (gpufleet forget ${GONE} --api http://${leader.api.replace('http://', '')})`)
    const live = await forget('myia-po-2024', '--api', leader.api)
    expect(live.code).toBe(1)
    expect(live.stderr).toContain('myia-po-2024 is online: stop its agent first')

    const done = await forget(GONE, '--api', leader.api, '--json')
    expect(done.code, done.stderr).toBe(0)
    expect(JSON.parse(done.stdout)).toMatchObject({ forgotten: GONE, term: (await fleet!.answeredStatus(leader)).term })
    await fleet!.waitFor(rest, s => !names(s).includes(GONE) && !s.alerts.some(a => a.host === GONE), 'the host and its alerts gone everywhere', LOADED_MS)
    for (const node of rest) expect(node.log.some(l => l.includes('host forgotten')), node.spec.name).toBe(true)

    // Gone from disk too: a restarted follower never shows it, neither restored nor synced.
    await fleet!.kill(follower, 'SIGTERM')
    fleet!.start(follower)
    await fleet!.waitFor([follower], s => {
      if (names(s).includes(GONE)) throw new Error(`${GONE} came back from ${follower.spec.name}'s disk or a sync`)
      return onlineHosts(s).length === 2
    }, 'the follower back, without the forgotten host', LOADED_MS)

    // The machine comes back: its next report is newer than the tombstone, so it simply rejoins.
    fleet!.start(gone)
    await fleet!.waitFor(fleet!.nodes, s => onlineHosts(s).length === 3, 'the forgotten host rejoining', LOADED_MS)
  })

  it('cluster.forgetAfter: the leader forgets by itself a host offline that long', async () => {
    const { leader, follower } = await fleetWithOneGone('4s')
    await fleet!.waitFor([leader, follower], s => !names(s).includes(GONE) && !s.alerts.some(a => a.host === GONE), 'the host forgotten after forgetAfter', LOADED_MS)
    expect(leader.log.some(l => l.includes('host forgotten') && l.includes('"reason":"offline"'))).toBe(true)
  })
})
