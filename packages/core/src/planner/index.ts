export { computePlan, catalogRoles, speedOn, type PlanInput } from './plan.js'
export { solveHost, type Candidate, type Placement, type HostSolution, type SolveHostOptions } from './solve-host.js'
export { hostSlots, isOnline, type GpuSlot } from './slots.js'
export { globMatches, computeCapabilityMatches, ruleMatches, exclusionReason, exclusionRule } from './exclusion.js'
