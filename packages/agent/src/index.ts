export { createFleetNode, type FleetNode, type FleetNodeInit } from './node.js'
export { loadOrCreateIdentity, loadIdentity, peerIdOf, createSwarmKey, loadSwarmKey } from './identity.js'
export { DataDirLockedError, KeyFileError, HardwareFileError } from './errors.js'
export { FleetStore, type NodeState } from './store.js'
export { Agent, SYNC_PROTOCOL, type AgentInit, type AgentEvents } from './agent.js'
export { ApiServer, isLoopbackHost, splitHostPort, type ApiServerInit, type Handler } from './http.js'
export { OwnReport, readHardwareFile } from './own-report.js'
/**
 * V8 flags every launcher of agents passes (package.json's gpufleet script, the demo, the OS
 * service units): a 1 MiB young generation and a 128 MiB old-space ceiling make V8 collect
 * sooner, keeping an idle agent under 100 MB resident (docs/benchmarks.md). They only work on
 * the node command line.
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=128']
export { signMessage, verifyAuthor } from './signing.js'
