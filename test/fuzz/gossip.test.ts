import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
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
  const { message: valid } = await signMessage(key, base)
  const state: InventoryState = applyReport(new Map(), valid, 1000, 10_000).state
  const snapshot = JSON.stringify([...state])

  /**
   * Every input gets a verdict that is checked: a clean rejection with a one-line reason, or a
   * well-formed message from the peer that sent it, which the inventory then takes exactly when
   * the rule says so (a replay, a reorder or a stolen hostname never changes it).
   */
  function judge (data: Uint8Array, from: string | undefined): void {
    const r = decodeGossip(data, from, dec)
    if (!r.ok) {
      expect(r.reason.length).toBeGreaterThan(0)
      expect(r.reason).not.toContain('\n')
      count(`gossip rejected: ${r.reason.split(':')[0]!}`)
      return
    }
    count('gossip well-formed')
    expect(from === undefined || r.message.peerId === from).toBe(true)
    if (r.message.type !== 'report') return
    const outcome = applyReport(state, r.message, 2000, 10_000)
    const sameHost = r.message.report.hostname === hosts[0]!.hostname
    expect(outcome.accepted).toBe(!sameHost || (r.message.peerId === peerId && r.message.seq > 10))
  }

  it('arbitrary bytes and arbitrary JSON: never a crash, always a reason', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), fc.option(fc.constantFrom(peerId, otherId), { nil: undefined }), (bytes, from) => { judge(bytes, from) }), { numRuns: FUZZ_RUNS })
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), json => { judge(enc.encode(JSON.stringify(json)), peerId) }), { numRuns: FUZZ_RUNS })
  }, FUZZ_TIMEOUT_MS)

  it('mutated valid reports: rejected with a reason, or still well-formed; authentic only if nothing changed', async () => {
    await fc.assert(fc.asyncProperty(mutate(valid), async m => {
      const text = JSON.stringify(m)
      judge(enc.encode(text), peerId)
      // Any change to what the author signed (or to the signature) leaves no authentic message:
      // either decoding refuses it or the author's signature does not verify.
      const r = decodeMessageText(text, peerId)
      const authentic = r.ok && r.signed !== null && await verifyAuthor(r.message.peerId, r.signed.bytes, r.signed.signature)
      expect(authentic).toBe(isDeepStrictEqual(m, valid))
      count(authentic ? 'gossip mutation left it unchanged' : 'gossip mutation not authentic')
    }), { numRuns: FUZZ_RUNS })
    expect(JSON.stringify([...state])).toBe(snapshot)
  }, FUZZ_TIMEOUT_MS)

  it('forged (signed by another peer) and replayed messages are refused; oversized ones before parsing', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 }), seq => {
      const replay = { ...valid, seq }
      expect(decodeGossip(enc.encode(JSON.stringify(replay)), otherId, dec)).toMatchObject({ ok: false, reason: expect.stringMatching(/^forged/) })
      const decoded = decodeGossip(enc.encode(JSON.stringify(replay)), peerId, dec)
      expect(decoded.ok && decoded.message.type === 'report').toBe(true)
      expect(applyReport(state, (decoded as { message: ReportMessage }).message, 3000, 10_000)).toMatchObject({ accepted: false, reason: 'stale' })
      count('gossip forged/replayed refused')
    }), { numRuns: Math.min(FUZZ_RUNS, 2000) })
    fc.assert(fc.property(fc.integer({ min: 64 * 1024 + 1, max: 1024 * 1024 }), size => {
      expect(decodeGossip(new Uint8Array(size), peerId, dec)).toMatchObject({ ok: false, reason: expect.stringMatching(/^oversized/) })
    }), { numRuns: 200 })
    expect(JSON.stringify([...state])).toBe(snapshot)
  }, FUZZ_TIMEOUT_MS)
})

afterAll(writeTally)
