/**
 * Says yes the second time in a row it is told of the same thing. The leader's beat names the plan
 * and alert list of its term; a follower lacking them pulls them from the leader — when a second
 * beat still names them: the first often overtakes them (they go by gossip, beats on push
 * streams), and at 50 agents the followers pulling a new leader's first plan at once doubled what
 * it sent in the seconds its lease renewals had to get out (docs/benchmarks.md, "Failover at 50").
 */
export class SecondNotice {
  private last: string | null = null

  /** `what` lacking now (null: nothing lacking): true when the previous call named the same. */
  check (what: string | null): boolean {
    const again = what !== null && what === this.last
    this.last = what
    return again
  }
}
