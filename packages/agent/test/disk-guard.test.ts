import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import type { Plan } from '@gpufleet/core'
import { DiskGuard } from '../src/disk-guard.js'
import { MemoryStore } from '../src/memory-store.js'
import { ManualClock, hardware } from './support/harness.js'

/** A memory store whose writes fail while `failure` is set, as LevelDB's do on a full disk. */
class FullDisk extends MemoryStore {
  failure: Error | null = null
  reopened = 0
  override async savePlan (plan: Plan, raw: string | null): Promise<void> { this.failIfFull(); await super.savePlan(plan, raw) }
  override async saveState (state: { term: number, seq: number }): Promise<void> { this.failIfFull(); await super.saveState(state) }
  override async saveHosts (entries: Parameters<MemoryStore['saveHosts']>[0]): Promise<void> { this.failIfFull(); await super.saveHosts(entries) }
  async recover (): Promise<void> { this.reopened++ }
  private failIfFull (): void { if (this.failure !== null) throw this.failure }
}

const plan = (term: number): Plan => ({ schema: 'gpufleet.plan/v1', term, generatedAt: '2026-11-22T10:00:00.000Z', assignments: [], routes: [], excluded: [], unplaced: [] })
const enospc = (): Error => Object.assign(new Error('Database failed to write'), { code: 'LEVEL_IO_ERROR', cause: new Error('IO error: /data/000003.log: No space left on device') })

function setup (): { disk: FullDisk, guard: DiskGuard, clock: ManualClock, lines: Array<{ msg: string, event?: string, err?: string }> } {
  const lines: Array<{ msg: string, event?: string, err?: string }> = []
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as { msg: string }) } })
  const clock = new ManualClock()
  const disk = new FullDisk()
  return { disk, guard: new DiskGuard({ clock, logger }, disk, '/data'), clock, lines }
}

describe('DiskGuard: a full disk never stops the agent', () => {
  it('a failed write never reaches the caller; the condition is logged once and reported', async () => {
    const { disk, guard, lines, clock } = setup()
    const changes: unknown[] = []
    guard.on('disk:changed', c => changes.push(c))
    disk.failure = enospc()
    await guard.savePlan(plan(1024), null)
    clock.advance(5000)
    await guard.saveState({ term: 1024, seq: 9 })
    await guard.savePlan(plan(2048), null)
    expect(guard.condition).toEqual({ writable: false, error: 'No space left on device' })
    expect(changes).toEqual([{ writable: false, error: 'No space left on device' }])
    expect(lines.filter(l => l.event === 'disk-unwritable')).toHaveLength(1)
  })

  it('when space returns, the latest value of every failed write is written (after a reopen) and the condition clears', async () => {
    const { disk, guard, clock, lines } = setup()
    disk.failure = enospc()
    await guard.saveHosts([{ peerId: 'p', seq: 1, report: hardware('myia-web1.hardware.json', 'myia-web1'), addrs: [], api: null, lastSeen: 1 }])
    await guard.saveHosts([{ peerId: 'p', seq: 2, report: hardware('myia-web1.hardware.json', 'myia-web1'), addrs: [], api: null, lastSeen: 2 }])
    await guard.savePlan(plan(1024), null)
    await guard.savePlan(plan(2048), 'signed')
    disk.failure = null
    // Retries are spaced: a write right after a failed retry is only queued.
    await guard.saveState({ term: 2048, seq: 3 })
    expect(guard.condition).not.toBeNull()
    clock.advance(2000)
    await guard.saveState({ term: 2048, seq: 4 })
    expect(guard.condition).toBeNull()
    expect(disk.reopened).toBeGreaterThan(0)
    expect((await disk.loadPlan())?.plan.term).toBe(2048)
    expect((await disk.loadHosts()).map(h => h.seq)).toEqual([2])
    expect(await disk.loadState()).toEqual({ term: 2048, seq: 4 })
    expect(lines.some(l => l.event === 'disk-writable')).toBe(true)
  })

  it('an idle agent writes nothing: the heartbeat\'s tick notices the space returning and replays what failed', async () => {
    const { disk, guard, clock, lines } = setup()
    disk.failure = enospc()
    await guard.savePlan(plan(1024), null)
    disk.failure = null
    await guard.tick()
    expect(await disk.loadPlan()).toBeNull()
    clock.advance(2000)
    await guard.tick()
    expect((await disk.loadPlan())?.plan.term).toBe(1024)
    expect(guard.condition).toBeNull()
    expect(lines.filter(l => l.event === 'disk-writable')).toHaveLength(1)
    // Nothing failing: a tick does nothing (no reopen).
    const reopened = disk.reopened
    clock.advance(5000)
    await guard.tick()
    expect(disk.reopened).toBe(reopened)
  })

  it('a different error (the disk turned read-only) is a new condition, logged again', async () => {
    const { disk, guard, clock, lines } = setup()
    disk.failure = enospc()
    await guard.savePlan(plan(1024), null)
    disk.failure = Object.assign(new Error('Database failed to write'), { cause: new Error('IO error: /data/000004.log: Read-only file system') })
    clock.advance(2000)
    await guard.savePlan(plan(1024), null)
    expect(guard.condition?.error).toBe('Read-only file system')
    expect(lines.filter(l => l.event === 'disk-unwritable').map(l => l.err)).toEqual(['No space left on device', 'Read-only file system'])
  })
})
