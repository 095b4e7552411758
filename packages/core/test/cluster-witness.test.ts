import { describe, expect, it } from 'vitest'
import { GOSSIP_VERSION, judgeLostHost, witnessFrameSchema, WITNESS_MAX_HOSTS } from '../src/index.js'

const SKEW = 1000

describe('judging a host this node lost, from its witnesses (indirect probes)', () => {
  it('alive when a witness heard from it after this node lost it (by more than the skew)', () => {
    expect(judgeLostHost([{ connected: true, heardMs: 200 }, { connected: false, heardMs: null }], 1500, SKEW)).toBe('alive')
    // Heard by a witness that is not connected to it: its beats came by gossip, it is alive all the same.
    expect(judgeLostHost([{ connected: false, heardMs: 100 }], 1500, SKEW)).toBe('alive')
    // This node's own inventory heard it since (a gossiped beat), whatever the witnesses say.
    expect(judgeLostHost([{ connected: false, heardMs: null }], 3000, SKEW, 50)).toBe('alive')
  })

  it('a last beat that reached a witness just after this node lost the host does not make it alive (skew)', () => {
    // Lost 2 s ago; a witness took its last beat 1.2 s ago: within the skew of the loss.
    expect(judgeLostHost([{ connected: false, heardMs: 1200 }, { connected: false, heardMs: 2100 }], 2000, SKEW)).toBe('stopped')
    expect(judgeLostHost([{ connected: false, heardMs: 999 }], 2000, SKEW)).toBe('alive')
  })

  it('stopped when every witness that answered is cut from it too and heard nothing since', () => {
    expect(judgeLostHost([{ connected: false, heardMs: 2500 }, { connected: false, heardMs: null }], 2000, SKEW)).toBe('stopped')
    expect(judgeLostHost([{ connected: false, heardMs: 2500 }], 2000, SKEW, 2400)).toBe('stopped')
  })

  it('unknown with no answer, or while a witness is still connected to it and heard nothing since (its own loss may be in flight, or the host hangs)', () => {
    expect(judgeLostHost([], 5000, SKEW)).toBe('unknown')
    expect(judgeLostHost([{ connected: true, heardMs: 900 }, { connected: false, heardMs: null }], 1000, SKEW)).toBe('unknown')
  })

  it('questions and answers are bounded and strict', () => {
    const peers = Array.from({ length: WITNESS_MAX_HOSTS + 1 }, (_, i) => `12D3KooW${i}`)
    const ask = (x: object): boolean => witnessFrameSchema.safeParse({ v: GOSSIP_VERSION, type: 'ask', id: 1, ...x }).success
    expect(ask({ peers: peers.slice(1) })).toBe(true)
    expect(ask({ peers })).toBe(false)
    expect(ask({ peers: [] })).toBe(false)
    expect(ask({ peers: ['p'], extra: 1 })).toBe(false)
    expect(ask({ peers: ['p'], id: -1 })).toBe(false)
    const answers = (x: object): boolean => witnessFrameSchema.safeParse({ v: GOSSIP_VERSION, type: 'answers', id: 1, ...x }).success
    expect(answers({ answers: [{ connected: true, heardMs: -1 }] })).toBe(false)
    expect(answers({ answers: [{ connected: true, heardMs: null }] })).toBe(true)
    expect(witnessFrameSchema.safeParse({ v: GOSSIP_VERSION, type: 'tell', id: 1 }).success).toBe(false)
  })
})
