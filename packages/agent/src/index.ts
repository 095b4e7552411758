export { createFleetNode, GOSSIP_WINDOW_MS, type FleetNode, type FleetNodeInit } from './node.js'
export { loadOrCreateIdentity, loadIdentity, peerIdOf, createSwarmKey, loadSwarmKey } from './identity.js'
export { DataDirLockedError, KeyFileError, HardwareFileError, ListenAddressError } from './errors.js'
export { type FleetStore, type NodeState } from './store.js'
export { LevelStore } from './level-store.js'
export { MemoryStore } from './memory-store.js'
export { Agent, type AgentInit } from './agent.js'
export { SYNC_PROTOCOL } from './sync.js'
export { systemClock, type Clock } from './clock.js'
export type { AgentComponents, AgentNode, AgentNodeEvents, ReportProbe, Verdict } from './components.js'
export { ApiServer, isLoopbackHost, splitHostPort, type ApiServerInit, type Handler } from './http.js'
export { OwnReport, readHardwareFile } from './own-report.js'
/**
 * V8 flags every launcher of agents passes (package.json's gpufleet script, the demo, the OS
 * service units): a 1 MiB young generation and a 128 MiB old-space ceiling make V8 collect
 * sooner, keeping an idle agent under 100 MB resident (docs/benchmarks.md); garbage collection on
 * the main thread only, because V8's helper threads woke ~7 times a second for an idle agent's
 * small collections (measured per thread from /proc; docs/benchmarks.md). They only work on the
 * node command line.
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=128', '--single-threaded-gc']
export { signMessage, verifyAuthor } from './signing.js'
