import type { Plan, StatusDocument } from '@gpufleet/core'
import type { Lab, LabNode } from './lab.js'
import { TIMINGS } from './lab.js'

interface LogLine { msg?: string, term?: number, time?: number }
const parse = (line: string): LogLine | null => { try { return JSON.parse(line) as LogLine } catch { return null } }

/** At most one leader per term: each term was claimed ("leading") by one node only. */
export function leadersPerTerm (lab: Lab): Map<number, Set<string>> {
  const byTerm = new Map<number, Set<string>>()
  for (const n of lab.nodes) {
    for (const l of n.log.map(parse)) {
      if (l?.msg !== 'leading' || l.term === undefined) continue
      byTerm.set(l.term, new Set([...(byTerm.get(l.term) ?? []), n.name]))
    }
  }
  return byTerm
}

/** Fencing: within one process's life, the terms of the plans a node accepted never go down. */
export function planTermRegressions (lab: Lab): string[] {
  const out: string[] = []
  for (const n of lab.nodes) {
    let last = 0
    for (const line of n.log) {
      const l = parse(line)
      if (l?.msg === 'agent started') last = 0
      if (l?.msg !== 'plan accepted' || l.term === undefined) continue
      if (l.term < last) out.push(`${n.name} accepted a plan of term ${l.term} after one of term ${last}`)
      last = Math.max(last, l.term)
    }
  }
  return out
}

/** Everyone running sees every running host online and holds the same plan. */
export function converged (statuses: StatusDocument[], running: LabNode[]): boolean {
  const names = running.map(n => n.name).sort()
  const planKey = (p: Plan | null): string => (p === null ? 'none' : JSON.stringify({ term: p.term, a: p.assignments.map(a => [a.host, a.model, a.gpus]) }))
  const plans = new Set(statuses.map(s => planKey(s.plan)))
  return plans.size === 1 && !plans.has('none') && statuses.every(s => {
    const online = s.hosts.filter(h => h.online !== false).map(h => h.hostname).sort()
    return JSON.stringify(online) === JSON.stringify(names) && s.leader !== null
  })
}

/**
 * Watches the plans in force while faults run: a plan may name a host that died only until
 * offlineAfter + one heartbeat + the leader's planning debounce have passed.
 */
export class PlanWatch {
  readonly violations: string[] = []
  private timer: NodeJS.Timeout | null = null
  /**
   * offlineAfter + a heartbeat + 1 s for the leader to notice (ticks), debounce (200 ms) and plan on a
   * loaded 2-core machine, + four times the latency the lab injects per hop: a report in flight when
   * its host died may reach the leader through a forwarding peer (two hops, and offline counts from
   * the last report received), and a new leader's election waits on delayed claims too.
   */
  private get graceMs (): number { return TIMINGS.offlineAfterMs + TIMINGS.heartbeatMs + 1000 + 4 * this.lab.injectedDelayMs }

  constructor (private readonly lab: Lab) {}

  start (): void {
    this.timer = setInterval(() => { void this.check() }, 200)
  }

  stop (): void { if (this.timer !== null) clearInterval(this.timer) }

  private async check (): Promise<void> {
    const now = Date.now()
    const dead = new Map<string, number>()
    for (const e of this.lab.events) {
      if (e.what === 'kill') dead.set(e.node, e.at)
      if (e.what === 'start') dead.delete(e.node)
    }
    for (const n of this.lab.running()) {
      const s = await this.lab.status(n, 500)
      // The leader's plan is the one in force; a follower may lag by one gossip round.
      if (s === null || s.plan === null || s.self.hostname !== s.leader) continue
      for (const a of s.plan.assignments) {
        const since = dead.get(a.host)
        if (since !== undefined && now - since > this.graceMs) {
          this.violations.push(`${n.name}'s plan (term ${s.plan.term}) still assigns ${a.model} to ${a.host}, dead for ${now - since} ms`)
        }
      }
    }
  }
}
