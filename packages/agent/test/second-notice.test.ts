import { describe, expect, it } from 'vitest'
import { SecondNotice } from '../src/second-notice.js'

describe('SecondNotice (a follower pulls what the leader\'s beats name only when a second beat still names it)', () => {
  it('answers yes from the second notice in a row of the same thing; something else, or nothing lacking, starts over', () => {
    const notice = new SecondNotice()
    expect(notice.check('2048:1:')).toBe(false)
    expect(notice.check('2048:1:')).toBe(true)
    expect(notice.check('2048:1:')).toBe(true)
    // The leader's next plan: not pulled at its first mention (it is on its way by gossip).
    expect(notice.check('2048:2:')).toBe(false)
    expect(notice.check(null)).toBe(false)
    expect(notice.check('2048:2:')).toBe(false)
    expect(notice.check('2048:2:')).toBe(true)
    expect(notice.check(null)).toBe(false)
    expect(notice.check(null)).toBe(false)
  })
})
