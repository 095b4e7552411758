/**
 * V8 flags every launcher of agents passes (package.json's gpufleet script, the demo, the OS
 * service units): a 1 MiB young generation and a 128 MiB old-space ceiling make V8 collect
 * sooner, keeping an idle agent under 100 MB resident (docs/benchmarks.md); garbage collection on
 * the main thread only, because V8's helper threads woke ~7 times a second for an idle agent's
 * small collections (measured per thread from /proc; docs/benchmarks.md). They only work on the
 * node command line. A module of its own (`@gpufleet/agent/node-flags`): the CLI's service
 * command reads it at every start, and the package's index loads libp2p (~300 ms).
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=128', '--single-threaded-gc']
