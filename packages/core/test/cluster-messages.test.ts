import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyReport, decodeGossip, decodeMessageText, inventoryHosts, planningFingerprint, signingText, type HostReport, type InventoryState, type ReportMessage } from '../src/index.js'

const PEER = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const OTHER = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const hosts = (JSON.parse(readFileSync(join(import.meta.dirname, '../../../configs/roosync/inventory.json'), 'utf8')) as { hosts: HostReport[] }).hosts
const report = hosts[3]!
const msg = (seq: number, peerId = PEER, r: HostReport = report): ReportMessage => ({ v: 1, type: 'report', peerId, sentAt: '2026-11-22T10:00:00.000Z', seq, report: r, priority: 0, addrs: ['/ip4/127.0.0.1/tcp/7701/p2p/' + peerId], api: '127.0.0.1:7700', signature: 'A'.repeat(88) })
const enc = (x: unknown): Uint8Array => new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x))
const dec = new TextDecoder()

describe('decodeGossip', () => {
  it('accepts a well-formed report signed by its own host', () => {
    expect(decodeGossip(enc(msg(1)), PEER, dec)).toMatchObject({ ok: true, message: { type: 'report', seq: 1 } })
  })
  it.each([
    ['forged', enc(msg(1)), OTHER, /^forged: signed by 12D3KooWB.* claims to be 12D3KooWA/],
    ['unsigned', enc(msg(1)), undefined, /^unsigned$/],
    ['not JSON', enc('{"type":'), PEER, /^not JSON$/],
    ['malformed', enc({ ...msg(1), seq: -1 }), PEER, /^malformed: seq/],
    ['unknown type', enc({ ...msg(1), type: 'gossip' }), PEER, /^malformed/],
    ['extra key', enc({ ...msg(1), admin: true }), PEER, /^malformed/],
    ['oversized', new Uint8Array(70 * 1024), PEER, /^oversized: 71680 bytes/],
    ['without its author signature', enc({ ...msg(1), signature: undefined }), PEER, /^malformed: signature/]
  ])('rejects %s input with a reason', (_what, data, from, reason) => {
    const result = decodeGossip(data, from, dec)
    expect(result.ok).toBe(false)
    expect(result.ok ? '' : result.reason).toMatch(reason)
  })
})

describe('relayed messages (sync)', () => {
  it('accepts a relayed report whatever the relay, and hands back the exact text its author signed', () => {
    const text = JSON.stringify(msg(3))
    const decoded = decodeMessageText(text, undefined, { relayed: true })
    expect(decoded.ok).toBe(true)
    if (decoded.ok) expect(decoded.signed?.bytes).toBe(signingText(JSON.parse(text) as Record<string, unknown>))
    expect(decoded.ok && decoded.signed?.bytes.includes('"signature"')).toBe(false)
  })
  it('never relays leader claims', () => {
    const claim = { v: 1, type: 'leader', peerId: PEER, sentAt: '2026-11-22T10:00:00.000Z', hostname: 'x', term: 5, priority: 1 }
    expect(decodeMessageText(JSON.stringify(claim), undefined, { relayed: true })).toEqual({ ok: false, reason: 'leader claims are not relayed' })
    expect(decodeGossip(enc(claim), PEER, dec)).toMatchObject({ ok: true, signed: null, text: JSON.stringify(claim) })
  })
})

describe('inventory', () => {
  const empty: InventoryState = new Map()
  it('accepts newer reports and drops replays and reorderings', () => {
    const one = applyReport(empty, msg(5), 1000, 10_000)
    expect(one).toMatchObject({ accepted: true, joined: true })
    expect(applyReport(one.state, msg(5), 1100, 10_000)).toMatchObject({ accepted: false, reason: 'stale' })
    expect(applyReport(one.state, msg(4), 1100, 10_000)).toMatchObject({ accepted: false, reason: 'stale' })
    const two = applyReport(one.state, msg(6), 1200, 10_000)
    expect(two).toMatchObject({ accepted: true, joined: false })
    expect(two.state.get(report.hostname)?.lastSeen).toBe(1200)
  })

  it('does not let another peer take a live host\'s name, but lets a reinstalled machine in once the old one is offline', () => {
    const one = applyReport(empty, msg(5), 1000, 10_000).state
    expect(applyReport(one, msg(99, OTHER), 2000, 10_000)).toMatchObject({ accepted: false, reason: 'hostname-taken' })
    expect(applyReport(one, msg(1, OTHER), 11_000, 10_000)).toMatchObject({ accepted: true, joined: true })
  })

  it('shows an entry restored from disk as offline until its host speaks again', () => {
    const restored = new Map([[report.hostname, { ...applyReport(empty, msg(5), 1000, 10_000).state.get(report.hostname)!, restored: true }]])
    expect(inventoryHosts(restored, 1001, 10_000, ms => String(ms))[0]?.online).toBe(false)
    expect(inventoryHosts(applyReport(restored, msg(6), 1002, 10_000).state, 1003, 10_000, ms => String(ms))[0]?.online).toBe(true)
  })

  it('shows hosts online until offlineAfter, with lastSeen from the local clock', () => {
    const state = applyReport(empty, msg(1), 1000, 10_000).state
    const iso = (ms: number): string => new Date(ms).toISOString()
    expect(inventoryHosts(state, 10_999, 10_000, iso)[0]).toMatchObject({ online: true, lastSeen: '1970-01-01T00:00:01.000Z' })
    expect(inventoryHosts(state, 11_000, 10_000, iso)[0]?.online).toBe(false)
  })

  it('changes the planning fingerprint for VRAM and membership, not for temperature or utilization', () => {
    const base = planningFingerprint(hosts)
    const warmer = hosts.map(h => ({ ...h, gpus: h.gpus.map(g => ({ ...g, temperatureC: 80, utilizationPct: 99 })) }))
    expect(planningFingerprint(warmer)).toBe(base)
    const busier = hosts.map(h => ({ ...h, gpus: h.gpus.map(g => ({ ...g, vramUsedBytes: (g.vramUsedBytes ?? 0) + 4 * 1024 ** 3 })) }))
    expect(planningFingerprint(busier)).not.toBe(base)
    expect(planningFingerprint(hosts.map((h, i) => (i === 0 ? { ...h, online: false } : h)))).not.toBe(base)
  })
})
