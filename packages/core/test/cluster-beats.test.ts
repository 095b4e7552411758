import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyBeat, applyReport, decodeMessageText, readingsOf, reportFingerprint, withReadings, type BeatMessage, type HostReport, type ReportMessage } from '../src/index.js'

const report = JSON.parse(readFileSync(join(import.meta.dirname, '../../../configs/roosync/myia-po-2026.hardware.json'), 'utf8')) as HostReport
const PEER = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const OTHER = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const msg = (seq: number): ReportMessage => ({ v: 1, type: 'report', peerId: PEER, sentAt: '2026-11-22T10:00:00.000Z', seq, report, priority: 0, addrs: [], api: null, signature: 'x'.repeat(88) })
const beat = (seq: number, of: number, extra: Partial<BeatMessage> = {}): BeatMessage => ({ v: 1, type: 'beat', peerId: PEER, sentAt: '2026-11-22T10:00:01.000Z', hostname: report.hostname, seq, of, ...extra })

describe('delta gossip: beats between full reports', () => {
  const held = applyReport(new Map(), msg(10), 0, 10_000, 'the signed text')
  if (!held.accepted) throw new Error('setup')

  it('a beat keeps its host online and merges its readings into the report it extends', () => {
    const gpu = report.gpus[0]!
    const out = applyBeat(held.state, beat(11, 10, { readings: [[gpu.index, 99, 80, 300, 5, 1980, 3201]] }), 9_000, 10_000)
    expect(out.accepted).toBe(true)
    if (!out.accepted) return
    expect(out.entry.lastSeen).toBe(9_000)
    expect(out.entry.report.gpus[0]).toMatchObject({ utilizationPct: 99, temperatureC: 80, powerW: 300, vramUsedBytes: 5, smClockMhz: 1980, memClockMhz: 3201 })
    expect(out.entry.seq).toBe(10)
    // The signed text relayed by sync is the author's report, untouched.
    expect(out.entry.raw).toBe('the signed text')
    // Reordered or replayed beats change nothing; a beat of another peer for this hostname, or of a report not held, is a missed report.
    expect(applyBeat(out.state, beat(11, 10), 9_500, 10_000)).toEqual({ accepted: false, reason: 'stale' })
    expect(applyBeat(out.state, beat(12, 9), 9_500, 10_000)).toEqual({ accepted: false, reason: 'stale' })
    expect(applyBeat(out.state, beat(13, 12), 9_500, 10_000)).toEqual({ accepted: false, reason: 'behind' })
    expect(applyBeat(out.state, { ...beat(13, 10), peerId: OTHER }, 9_500, 10_000)).toEqual({ accepted: false, reason: 'unknown' })
    expect(applyBeat(new Map(), beat(13, 10), 9_500, 10_000)).toEqual({ accepted: false, reason: 'unknown' })
  })

  it('a host gone silent past offlineAfter comes back with its next beat', () => {
    const out = applyBeat(held.state, beat(11, 10), 20_000, 10_000)
    expect(out.accepted && out.revived).toBe(true)
  })

  it('the fingerprint ignores readings (clocks included) and the collection time, not VRAM used by another 256 MiB step nor anything else', () => {
    const base = reportFingerprint(report)
    expect(reportFingerprint(withReadings({ ...report, collectedAt: '2030-01-01T00:00:00.000Z' }, report.gpus.map(g => [g.index, 1, 2, 3, g.vramUsedBytes ?? null, 1980, 3201])))).toBe(base)
    const gpu = report.gpus[0]!
    expect(reportFingerprint(withReadings(report, [[gpu.index, 1, 2, 3, (gpu.vramUsedBytes ?? 0) + 512 * 1024 ** 2, null, null]]))).not.toBe(base)
    expect(reportFingerprint({ ...report, memory: { totalBytes: 1 } })).not.toBe(base)
    expect(readingsOf(withReadings(report, readingsOf(report)))).toEqual(readingsOf(report))
  })

  it('decode: a beat is accepted by gossip from its signer only, and never relayed; an unknown kind is a clean rejection', () => {
    const text = JSON.stringify(beat(11, 10, { lease: { term: 2048, priority: 100 } }))
    const decoded = decodeMessageText(text, PEER)
    expect(decoded.ok && decoded.signed === null && decoded.message.type === 'beat').toBe(true)
    expect(decodeMessageText(text, OTHER)).toMatchObject({ ok: false, reason: expect.stringContaining('forged') })
    expect(decodeMessageText(text, undefined, { relayed: true })).toEqual({ ok: false, reason: 'beats are not relayed' })
    expect(decodeMessageText(JSON.stringify({ ...beat(11, 10), type: 'digest' }), PEER)).toMatchObject({ ok: false, reason: expect.stringMatching(/^malformed/) })
    expect(decodeMessageText(JSON.stringify({ ...beat(11, 10), readings: [[0, 101, 0, 0, 0, 0, 0]] }), PEER)).toMatchObject({ ok: false, reason: expect.stringMatching(/^malformed: readings/) })
  })
})
