import { describe, expect, it } from 'vitest'
import { isFenced, planSupersedes } from '../src/index.js'

const at = (term: number, seq: number): { term: number, seq: number } => ({ term, seq })

describe('fencing: what a deposed leader stamped is never applied', () => {
  it('a term below the highest seen is fenced; equal or higher is not', () => {
    expect(isFenced(1024, 2048)).toBe(true)
    expect(isFenced(2048, 2048)).toBe(false)
    expect(isFenced(3072, 2048)).toBe(false)
  })

  it('the first plan is taken unless fenced', () => {
    expect(planSupersedes(at(2048, 0), null, 2048)).toBe(true)
    expect(planSupersedes(at(1024, 0), null, 2048)).toBe(false)
  })

  it('a plan of an older term than the plan in force is refused, even when the election knows no higher term', () => {
    expect(planSupersedes(at(1024, 9), at(2048, 0), 0)).toBe(false)
  })

  it('a newer term replaces the plan in force whatever its time; within one term only a strictly later plan does', () => {
    expect(planSupersedes(at(3072, 0), at(2048, 30), 2048)).toBe(true)
    expect(planSupersedes(at(2048, 31), at(2048, 30), 2048)).toBe(true)
    expect(planSupersedes(at(2048, 30), at(2048, 30), 2048)).toBe(false)
    expect(planSupersedes(at(2048, 29), at(2048, 30), 2048)).toBe(false)
  })

  it('a plan from the current leader is fenced once a higher term is seen, before any plan of that term arrives', () => {
    expect(planSupersedes(at(2048, 31), at(2048, 30), 3072)).toBe(false)
  })
})
