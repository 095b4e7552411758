import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { applyReport, decodeGossip, decodeMessageText, type HostReport, type InventoryState, type ReportMessage } from '@gpufleet/core'
import { signMessage, verifyAuthor } from '@gpufleet/agent'
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, count, writeTally } from './runs.js'

const hosts = (JSON.parse(readFileSync(join(import.meta.dirname, '../../configs/roosync/inventory.json'), 'utf8')) as { hosts: HostReport[] }).hosts
const enc = new TextEncoder()
const dec = new TextDecoder()

/** A mutation of a JSON value: drop a key, change a type, blow a string up, nest, renumber. */
function mutate (value: unknown): fc.Arbitrary<unknown> {
  const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 20 }), fc.constant('x'.repeat(70_000)), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 2 }))
  const paths: string[][] = []
  const walk = (v: unknown, path: string[]): void => {
    if (path.length > 0) paths.push(path)
    if (v !== null && typeof v === 'object' && path.length < 6) for (const [k, c] of Object.entries(v)) walk(c, [...path, k])
  }
  walk(value, [])
  return fc.record({ path: fc.constantFrom(...paths), op: fc.constantFrom('delete', 'replace', 'negate'), junk }).map(({ path, op, junk: j }) => {
    const copy = structuredClone(value) as Record<string, unknown>
    let at: Record<string, unknown> = copy
    for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>
    const last = path.at(-1)!
    if (op === 'delete') Reflect.deleteProperty(at, last)
    else if (op === 'negate' && typeof at[last] === 'number') at[last] = -(at[last] as number) - 1
    else at[last] = j
    return copy
  })
}

describe(`gossip decoder and validator under ${FUZZ_RUNS} generated inputs per kind`, async () => {
  const key = await generateKeyPair('Ed25519')
  const other = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(key).toString()
  const otherId = peerIdFromPrivateKey(other).toString()
  const base: Omit<ReportMessage, 'signature'> = { v: 1, type: 'report', peerId, sentAt: '2026-11-22T10:00:00.000Z', seq: 10, report: hosts[0]!, priority: 100, addrs: [`/ip4/127.0.0.1/tcp/7701/p2p/${peerId}`], api: '127.0.0.1:7700' }
  const { message: valid, text: validText } = await signMessage(key, base)
  const state: InventoryState = applyReport(new Map(), valid, 1000, 10_000).state
  const snapshot = JSON.stringify([...state])

  /** Every verdict must be a clean rejection with a reason, or an acceptance of a well-formed message. */
  function judge (data: Uint8Array, from: string | undefined): void {
    const r = decodeGossip(data, from, dec)
    if (!r.ok) {
      expect(r.reason.length).toBeGreaterThan(0)
      expect(r.reason).not.toContain('\n')
      count(`gossip rejected: ${r.reason.split(':')[0]!}`)
      return
    }
    count('gossip well-formed')
    if (r.message.type === 'report') {
      // A well-formed replay or reorder never changes the inventory.
      const outcome = applyReport(state, r.message, 2000, 10_000)
      if (r.message.seq <= 10 && r.message.report.hostname === hosts[0]!.hostname) expect(outcome.accepted).toBe(false)
    }
  }

  it('arbitrary bytes and arbitrary JSON: never a crash, always a reason', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), fc.option(fc.constantFrom(peerId, otherId), { nil: undefined }), (bytes, from) => { judge(bytes, from) }), { numRuns: FUZZ_RUNS })
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), json => { judge(enc.encode(JSON.stringify(json)), peerId) }), { numRuns: FUZZ_RUNS })
  }, FUZZ_TIMEOUT_MS)

  it('mutated valid reports: rejected with a reason, or still well-formed (then the signature no longer matches)', async () => {
    await fc.assert(fc.asyncProperty(mutate(valid), async m => {
      const text = JSON.stringify(m)
      judge(enc.encode(text), peerId)
      const r = decodeMessageText(text, peerId)
      if (r.ok && r.signed !== null && text !== validText) {
        // Any change to what the author signed breaks the author signature.
        const same = r.signed.bytes === JSON.stringify(base)
        expect(await verifyAuthor(r.message.peerId, r.signed.bytes, r.signed.signature)).toBe(same && r.signed.signature === valid.signature)
      }
    }), { numRuns: FUZZ_RUNS })
    expect(JSON.stringify([...state])).toBe(snapshot)
  }, FUZZ_TIMEOUT_MS)

  it('forged (signed by another peer) and replayed messages are refused; oversized ones before parsing', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 }), seq => {
      const replay = { ...valid, seq }
      expect(decodeGossip(enc.encode(JSON.stringify(replay)), otherId, dec)).toMatchObject({ ok: false, reason: expect.stringMatching(/^forged/) })
      const decoded = decodeGossip(enc.encode(JSON.stringify(replay)), peerId, dec)
      if (decoded.ok && decoded.message.type === 'report') expect(applyReport(state, decoded.message, 3000, 10_000).accepted).toBe(false)
      count('gossip forged/replayed refused')
    }), { numRuns: Math.min(FUZZ_RUNS, 2000) })
    fc.assert(fc.property(fc.integer({ min: 64 * 1024 + 1, max: 1024 * 1024 }), size => {
      expect(decodeGossip(new Uint8Array(size), peerId, dec)).toMatchObject({ ok: false, reason: expect.stringMatching(/^oversized/) })
    }), { numRuns: 200 })
    expect(JSON.stringify([...state])).toBe(snapshot)
  }, FUZZ_TIMEOUT_MS)
})

afterAll(writeTally)
