import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import type { ModelPlacement } from '@gpufleet/core'
import { OllamaControl } from '@gpufleet/probe'
import { PlanApplier } from '../src/apply/applier.js'
import { OpenAiStandIn } from '../../../test/support/ollama-standin.js'

const log = pino({ level: 'silent' })

describe('PlanApplier against an Ollama stand-in speaking the native API', () => {
  let ollama: OpenAiStandIn
  let applier: PlanApplier
  const seen: ModelPlacement[][] = []

  beforeEach(async () => {
    ollama = new OpenAiStandIn({ name: 'ollama' })
    await ollama.start()
    seen.length = 0
  })
  afterEach(async () => {
    await applier?.stop()
    await ollama.stop()
  })

  /** Requests the applier sent to Ollama that found nobody listening. */
  let refused = 0
  const counting: typeof fetch = async (input, init) => await fetch(input, init).catch((err: unknown) => { refused++; throw err })

  function start (options: { prune?: boolean, catalog?: string[] } = {}): void {
    refused = 0
    applier = new PlanApplier({ control: new OllamaControl(ollama.url, { fetch: counting }), log, catalog: () => options.catalog ?? ['a:7b', 'b:1.5b', 'c:13b'], prune: options.prune ?? false, keepAlive: -1, backoff: { baseMs: 50, maxMs: 200 }, recheckMs: 100 })
    applier.on('change', p => { seen.push(p) })
  }
  const stateOf = (model: string): ModelPlacement | undefined => applier.placements().find(p => p.model === model)

  it('pulls the plan\'s models one at a time with byte progress and a rate, then preloads them with keep_alive', async () => {
    ollama.pullStepMs = 60 // 1.2 s per model: progress is reported at most twice a second
    start()
    applier.setDesired(['a:7b', 'b:1.5b'])
    await expect.poll(() => applier.placements().map(p => p.state), { timeout: 10_000 }).toEqual(['ready', 'ready'])
    const progress = seen.flat().filter(p => p.state === 'pulling' && (p.completedBytes ?? 0) > 0)
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.every(p => p.totalBytes === ollama.layerBytes)).toBe(true)
    expect(progress.some(p => (p.bytesPerSecond ?? 0) > 0)).toBe(true)
    // One at a time: the second pull started after the first finished.
    expect(ollama.pulls.map(p => p.model)).toEqual(['a:7b', 'b:1.5b'])
    expect([...ollama.loaded]).toEqual([['a:7b', -1], ['b:1.5b', -1]])
  })

  it('survives a failure mid-pull: reports it, retries with backoff and resumes where it stopped', async () => {
    ollama.failPullAt.set('a:7b', ollama.layerBytes / 2)
    start()
    applier.setDesired(['a:7b'])
    await expect.poll(() => stateOf('a:7b')?.state, { timeout: 10_000 }).toBe('ready')
    expect(seen.flat().some(p => p.model === 'a:7b' && p.state === 'failed' && (p.error ?? '') !== '')).toBe(true)
    expect(ollama.pulls).toHaveLength(2)
    expect(ollama.pulls[1]!.resumedFrom).toBeGreaterThanOrEqual(ollama.layerBytes / 2)
    expect(stateOf('a:7b')?.attempts).toBe(2)
  })

  it('a newer plan that drops the model being pulled cancels the pull; dropped models are unloaded, not deleted', async () => {
    ollama.pullStepMs = 100
    ollama.installed.add('c:13b')
    ollama.loaded.set('c:13b', -1)
    ollama.loaded.set('users-own:latest', '5m')
    start()
    applier.setDesired(['a:7b'])
    await expect.poll(() => (stateOf('a:7b')?.completedBytes ?? 0) > 0, { timeout: 5000 }).toBe(true)
    applier.setDesired(['b:1.5b'])
    await expect.poll(() => ollama.pullAborts, { timeout: 5000 }).toBe(1)
    await expect.poll(() => applier.placements().map(p => `${p.model}=${p.state}`), { timeout: 15_000 }).toEqual(['b:1.5b=ready'])
    expect(ollama.installed.has('a:7b')).toBe(false)
    // c:13b is in the catalog and no longer planned here: unloaded, kept on disk; the user's own model is left alone.
    await expect.poll(() => ollama.loaded.has('c:13b'), { timeout: 5000 }).toBe(false)
    expect(ollama.installed.has('c:13b')).toBe(true)
    expect(ollama.loaded.has('users-own:latest')).toBe(true)
  })

  it('with policy.prune, dropped catalog models are deleted from disk', async () => {
    ollama.installed.add('c:13b')
    start({ prune: true })
    applier.setDesired(['b:1.5b'])
    await expect.poll(() => ollama.installed.has('c:13b'), { timeout: 10_000 }).toBe(false)
    expect(ollama.installed.has('b:1.5b')).toBe(true)
  })

  it('an Ollama that is down leaves the models queued and is retried until it answers', async () => {
    await ollama.stop()
    start()
    applier.setDesired(['a:7b'])
    // Two refused connections: it asked, found nobody, and asked again.
    await expect.poll(() => refused, { timeout: 10_000 }).toBeGreaterThanOrEqual(2)
    expect(stateOf('a:7b')?.state).toBe('queued')
    await ollama.start(ollama.port)
    await expect.poll(() => stateOf('a:7b')?.state, { timeout: 10_000 }).toBe('ready')
  })

  it("Ollama's in-stream error line fails the pull with Ollama's own words, is retried, and the model comes once Ollama can serve it", async () => {
    const reason = 'pull model manifest: file does not exist'
    ollama.failPullWith.set('a:7b', reason)
    start()
    applier.setDesired(['a:7b'])
    await expect.poll(() => stateOf('a:7b')?.attempts ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(2)
    const failures = seen.flat().filter(p => p.model === 'a:7b' && p.state === 'failed')
    expect(failures.length).toBeGreaterThanOrEqual(1)
    expect(failures.every(p => p.error === reason)).toBe(true)
    expect(ollama.installed.has('a:7b')).toBe(false)
    ollama.failPullWith.delete('a:7b')
    await expect.poll(() => stateOf('a:7b')?.state, { timeout: 10_000 }).toBe('ready')
    expect(stateOf('a:7b')?.error).toBeNull()
  })

  it('a pull that stalls still shows where it stopped: progress held back by the throttle is emitted when its window ends', async () => {
    ollama.pullStepMs = 20
    // Held after 5 of 20 steps (~100 ms in): well inside the first 500 ms throttle window.
    ollama.holdPullAt.set('a:7b', ollama.layerBytes / 4)
    start()
    applier.setDesired(['a:7b'])
    await expect.poll(() => seen.at(-1)?.find(p => p.model === 'a:7b')?.completedBytes ?? 0, { timeout: 5_000 }).toBeGreaterThanOrEqual(ollama.layerBytes / 4)
    expect(seen.at(-1)?.find(p => p.model === 'a:7b')?.state).toBe('pulling')
    ollama.releasePulls()
    await expect.poll(() => stateOf('a:7b')?.state, { timeout: 10_000 }).toBe('ready')
  })
})
