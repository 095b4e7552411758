import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Plan, StatusDocument } from '@gpufleet/core'
import type { Lab, LabNode } from './lab.js'
import { TIMINGS } from './lab.js'

/**
 * One node's own view as its API gave it: the term it knows, whether it says it leads, and the
 * term of the plan it holds. `life` counts the node's starts, so a restart begins a new history;
 * `at` is when the node answered (its status document's generatedAt).
 */
export interface Sample { node: string, life: number, at: number, term: number, isLeader: boolean, planTerm: number | null }

/** At most one leader per term: for each term, the nodes whose API said they led it. */
export function leadersPerTerm (samples: readonly Sample[]): Map<number, Set<string>> {
  const byTerm = new Map<number, Set<string>>()
  for (const s of samples) {
    if (!s.isLeader) continue
    byTerm.set(s.term, new Set([...(byTerm.get(s.term) ?? []), s.node]))
  }
  return byTerm
}

/** Fencing: within one process's life, the term of the plan a node holds never goes down. */
export function planTermRegressions (samples: readonly Sample[]): string[] {
  const out: string[] = []
  const last = new Map<string, number>()
  // In the order the node answered, not the order the answers arrived: the watch and the
  // convergence checks read concurrently, and a slower answer can land after a newer one.
  for (const s of [...samples].sort((a, b) => a.at - b.at)) {
    if (s.planTerm === null) continue
    const key = `${s.node}#${s.life}`
    const before = last.get(key) ?? 0
    if (s.planTerm < before) out.push(`${s.node} (start ${s.life}) went from a plan of term ${before} to one of term ${s.planTerm}`)
    last.set(key, Math.max(before, s.planTerm))
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

/** A node's log lines as pino wrote them (JSON objects; anything else is skipped). */
export function logRecords (n: LabNode): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const line of n.log) {
    try {
      const v: unknown = JSON.parse(line)
      if (v !== null && typeof v === 'object') out.push(v as Record<string, unknown>)
    } catch {
      // Not JSON: libp2p's or node's own output on stderr.
    }
  }
  return out
}

/** Hostnames whose inventory entry is in the node's LevelDB write-ahead log (keys are stored as written). */
export function hostsOnDisk (dataDir: string, names: readonly string[]): string[] {
  const text = readdirSync(dataDir).filter(f => f.endsWith('.log')).map(f => readFileSync(join(dataDir, f), 'latin1')).join('')
  return names.filter(name => text.includes(`!hosts!${name}`))
}

/**
 * Samples every running node's API while faults run, for the invariants above, and checks plan
 * liveness as it goes: a plan may name a host that died only until offlineAfter + one heartbeat
 * + the leader's planning debounce have passed.
 */
export class FleetWatch {
  /** Samples in the order they were taken (a case produces a few thousand). */
  readonly samples: Sample[] = []
  readonly violations: string[] = []
  private running: Promise<void> | null = null
  private stopped = false

  /**
   * offlineAfter + a heartbeat + 1 s for the leader to notice (ticks), debounce (200 ms) and plan on a
   * loaded 2-core machine, + four times the latency the lab injects per hop: a report in flight when
   * its host died may reach the leader through a forwarding peer (two hops, and offline counts from
   * the last report received), and a new leader's election waits on delayed claims too.
   */
  private get graceMs (): number { return TIMINGS.offlineAfterMs + TIMINGS.heartbeatMs + 1000 + 4 * this.lab.injectedDelayMs }

  constructor (private readonly lab: Lab) {}

  start (): void {
    this.running ??= this.loop()
  }

  async stop (): Promise<void> {
    this.stopped = true
    await this.running
  }

  /** The node's number of starts so far: samples of one life are compared with each other only. */
  private life (n: LabNode): number {
    return this.lab.events.filter(e => e.node === n.name && e.what === 'start').length
  }

  /** Records a status read elsewhere (the convergence checks), unless the node restarted meanwhile. */
  record (n: LabNode, status: StatusDocument, life = this.life(n)): void {
    if (life !== this.life(n)) return
    this.samples.push({ node: n.name, life, at: Date.parse(status.generatedAt), term: status.term, isLeader: status.self.isLeader, planTerm: status.plan?.term ?? null })
  }

  private async loop (): Promise<void> {
    // One request at a time: the agents share two cores with the runner.
    while (!this.stopped) {
      for (const n of this.lab.running()) await this.sample(n)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }

  private async sample (n: LabNode): Promise<void> {
    const life = this.life(n)
    const s = await this.lab.status(n, 500)
    if (s === null) return
    this.record(n, s, life)
    // The leader's plan is the one in force; a follower may lag by one gossip round.
    if (s.plan === null || s.self.hostname !== s.leader) return
    const now = Date.now()
    const dead = new Map<string, number>()
    for (const e of this.lab.events) {
      if (e.what === 'kill') dead.set(e.node, e.at)
      if (e.what === 'start') dead.delete(e.node)
    }
    for (const a of s.plan.assignments) {
      const since = dead.get(a.host)
      if (since !== undefined && now - since > this.graceMs) {
        this.violations.push(`${n.name}'s plan (term ${s.plan.term}) still assigns ${a.model} to ${a.host}, dead for ${now - since} ms`)
      }
    }
  }
}
