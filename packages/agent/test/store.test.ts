import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LevelStore } from '../src/level-store.js'

describe('LevelStore on a damaged disk', () => {
  const root = mkdtempSync(join(tmpdir(), 'gpufleet-store-'))
  afterEach(() => { for (const f of readdirSync(root)) rmSync(join(root, f), { recursive: true, force: true }) })

  it.each([
    ['a truncated MANIFEST', (dir: string) => { truncateSync(join(dir, readdirSync(dir).find(f => f.startsWith('MANIFEST'))!), 0) }],
    ['a garbled CURRENT', (dir: string) => { writeFileSync(join(dir, 'CURRENT'), 'garbage\n') }],
    ['a missing MANIFEST', (dir: string) => { rmSync(join(dir, readdirSync(dir).find(f => f.startsWith('MANIFEST'))!)) }]
  ])('%s: the store is moved aside (kept for inspection) and a fresh one opens', async (_what, harm) => {
    const dir = join(root, 'data')
    const first = await LevelStore.open(dir)
    await first.saveState({ term: 7, seq: 42 })
    await first.close()
    harm(dir)
    const store = await LevelStore.open(dir, () => Date.UTC(2026, 10, 22, 10))
    expect(store.recovered?.movedTo).toBe(`${dir}.damaged-2026-11-22T10-00-00-000Z`)
    expect(store.recovered?.reason).toMatch(/Corruption|IO error/)
    expect(await store.loadState()).toEqual({ term: 0, seq: 0 })
    await store.saveState({ term: 9, seq: 1 })
    expect(await store.loadState()).toEqual({ term: 9, seq: 1 })
    await store.close()
    expect(readdirSync(root).sort()).toEqual(['data', 'data.damaged-2026-11-22T10-00-00-000Z'])
  })

  it('a healthy store opens as it was, and a second opener is refused', async () => {
    const dir = join(root, 'data')
    const a = await LevelStore.open(dir)
    await a.saveState({ term: 3, seq: 5 })
    await expect(LevelStore.open(dir)).rejects.toMatchObject({ name: 'DataDirLockedError' })
    await a.close()
    const b = await LevelStore.open(dir)
    expect(b.recovered).toBeNull()
    expect(await b.loadState()).toEqual({ term: 3, seq: 5 })
    await b.close()
  })
})

describe('LevelStore over months', () => {
  it('makes its sublevels once: reads and writes attach nothing more to the database', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gpufleet-store-'))
    const attach = vi.spyOn(Level.prototype, 'attachResource')
    try {
      const store = await LevelStore.open(join(root, 'data'))
      const use = async (i: number): Promise<void> => {
        await store.saveState({ term: i, seq: i })
        await store.loadState()
        await store.saveMeasured([])
        await store.loadPlan()
      }
      // A sublevel attaches itself when first used.
      await use(0)
      const attached = attach.mock.calls.length
      for (let i = 1; i < 50; i++) await use(i)
      expect(attached).toBeLessThanOrEqual(5)
      expect(attach.mock.calls.length).toBe(attached)
      await store.close()
    } finally {
      attach.mockRestore()
      rmSync(root, { recursive: true, force: true })
    }
  })
})
