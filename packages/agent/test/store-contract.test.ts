import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { LevelStore } from '../src/level-store.js'
import { MemoryStore } from '../src/memory-store.js'
import { storeContract } from './support/store-contract.js'

const root = mkdtempSync(join(tmpdir(), 'gpufleet-store-contract-'))
afterAll(() => { rmSync(root, { recursive: true, force: true }) })
let n = 0

storeContract('LevelStore (LevelDB on disk)', async dir => await LevelStore.open(dir), () => join(root, `db-${n++}`))

// A memory store "reopened" is the same object's contents: a restart within one process.
const memories = new Map<string, MemoryStore>()
storeContract('MemoryStore', async location => {
  const previous = memories.get(location)
  const store = previous === undefined ? new MemoryStore() : previous.reopen()
  memories.set(location, store)
  return store
}, () => `memory-${n++}`)
