import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyReport, buryHost, checkForget, decodeMessageText, hostsToForget, isBuried, recordTombstone, tombstoneOf, type ForgetMessage, type HostReport, type InventoryState, type ReportMessage, type TombstoneBook } from '../src/index.js'

const HOST = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const LEADER = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const NEW_ID = '12D3KooWEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE'
const hosts = (JSON.parse(readFileSync(join(import.meta.dirname, '../../../configs/roosync/inventory.json'), 'utf8')) as { hosts: HostReport[] }).hosts
const report = hosts[3]!
const sig = 'A'.repeat(88)
const msg = (seq: number, peerId = HOST): ReportMessage => ({ v: 1, type: 'report', peerId, sentAt: '2026-11-22T10:00:00.000Z', seq, report, priority: 0, addrs: [], api: null, signature: sig })
const forget = (upTo: number, over: Partial<ForgetMessage> = {}): ForgetMessage => ({ v: 1, type: 'forget', peerId: LEADER, sentAt: '2026-11-22T10:00:00.000Z', term: 1024, hostname: report.hostname, host: HOST, upTo, reason: 'manual', signature: sig, ...over })
const OFFLINE = 10_000

function withHost (seq: number, now = 1000): InventoryState {
  return applyReport(new Map(), msg(seq), now, OFFLINE).state
}

describe('the forget message', () => {
  it('decodes when gossiped by its author and when relayed; a forged author is rejected', () => {
    const text = JSON.stringify(forget(5))
    expect(decodeMessageText(text, LEADER)).toMatchObject({ ok: true, message: { type: 'forget', upTo: 5 }, signed: { signature: sig } })
    expect(decodeMessageText(text, undefined, { relayed: true }).ok).toBe(true)
    expect(decodeMessageText(text, HOST)).toMatchObject({ ok: false, reason: expect.stringMatching(/^forged/) as unknown })
    expect(decodeMessageText(JSON.stringify({ ...forget(5), reason: 'because' }), LEADER)).toMatchObject({ ok: false, reason: expect.stringMatching(/^malformed: reason/) as unknown })
  })
})

describe('tombstones', () => {
  it('bury the host up to the sequence the leader knew; the host coming back with a later report rejoins', () => {
    const tomb = tombstoneOf(forget(5))
    const buried = buryHost(withHost(5), tomb, 1000 + OFFLINE, OFFLINE)
    expect(buried?.state.has(report.hostname)).toBe(false)
    expect(buried?.upTo).toBe(5)
    const book = recordTombstone(new Map(), tomb)!
    // A stale copy relayed by a node that was away stays buried; the host's next report does not.
    expect(isBuried(book, msg(5))).toBe(true)
    expect(isBuried(book, msg(6))).toBe(false)
    // The same machine reinstalled (a new identity) is a new host, never buried.
    expect(isBuried(book, msg(1, NEW_ID))).toBe(false)
  })
  it('arriving after the host already came back, a tombstone leaves its newer entry alone', () => {
    expect(buryHost(withHost(9, 1000), tombstoneOf(forget(5)), 1000, OFFLINE)).toBeNull()
    expect(buryHost(new Map(), tombstoneOf(forget(5)), 1000, OFFLINE)).toBeNull()
  })
  it('a newer entry that is offline here is a last report the leader missed: buried too, up to its own sequence', () => {
    const buried = buryHost(withHost(9, 1000), tombstoneOf(forget(5)), 1000 + OFFLINE, OFFLINE)
    expect(buried?.state.size).toBe(0)
    expect(buried?.upTo).toBe(9)
  })
  it('a repeated or older tombstone changes nothing; the book keeps only the most recent ones', () => {
    const book = recordTombstone(new Map(), tombstoneOf(forget(5)))!
    expect(recordTombstone(book, tombstoneOf(forget(5)))).toBeNull()
    expect(recordTombstone(book, tombstoneOf(forget(3)))).toBeNull()
    expect(recordTombstone(book, tombstoneOf(forget(7)))?.get(report.hostname)?.upTo).toBe(7)
    let many: TombstoneBook = new Map()
    for (let i = 0; i < 10; i++) many = recordTombstone(many, { hostname: `h${i}`, peerId: HOST, upTo: i }, 4)!
    expect([...many.keys()]).toEqual(['h6', 'h7', 'h8', 'h9'])
  })
  it('hostsToForget: offline at least forgetAfter, never the node itself, never with forgetAfter null', () => {
    const state = withHost(5, 1000)
    const forgetAfter = 60_000
    expect(hostsToForget(state, 1000 + forgetAfter - 1, OFFLINE, forgetAfter, 'me')).toEqual([])
    expect(hostsToForget(state, 1000 + forgetAfter, OFFLINE, forgetAfter, 'me').map(e => e.report.hostname)).toEqual([report.hostname])
    expect(hostsToForget(state, 1000 + forgetAfter, OFFLINE, forgetAfter, report.hostname)).toEqual([])
    expect(hostsToForget(state, 1e12, OFFLINE, null, 'me')).toEqual([])
  })
})

describe('checkForget', () => {
  it('refuses an unknown host (listing the known ones) and an online one; takes an offline one', () => {
    const state = withHost(5, 1000)
    expect(checkForget(state, 'nope', 1000, OFFLINE)).toEqual({ ok: false, status: 404, error: `no host "nope" in the inventory (known: ${report.hostname})` })
    expect(checkForget(state, report.hostname, 1000, OFFLINE)).toMatchObject({ ok: false, status: 409 })
    expect(checkForget(state, report.hostname, 1000 + OFFLINE, OFFLINE)).toMatchObject({ ok: true, entry: { seq: 5 } })
  })
})
