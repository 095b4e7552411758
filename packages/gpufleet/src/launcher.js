#!/usr/bin/env node
// The `gpufleet` command npm puts on the PATH: a symlink on Linux and macOS, .cmd and .ps1 shims on
// Windows. None of them can pass flags to node, and V8 sizes its heap when it starts
// (v8.setFlagsFromString cannot change --max-old-space-size afterwards). So `gpufleet agent`, the one
// long-running command, starts node again with the agent's flags; every other command runs here.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { fileURLToPath } from 'node:url'
import { AGENT_NODE_FLAGS } from './node-flags.js'

const args = process.argv.slice(2)
const needsFlags = args[0] === 'agent' && !AGENT_NODE_FLAGS.every(flag => process.execArgv.includes(flag))

if (!needsFlags) {
  await import('./cli/gpufleet.js')
} else {
  const argv = [...process.execArgv, ...AGENT_NODE_FLAGS, fileURLToPath(import.meta.url), ...args]
  // Node ≥ 22.15 on POSIX replaces this process (one process, one PID for systemd/launchd to watch).
  if (typeof process.execve === 'function') process.execve(process.execPath, [process.execPath, ...argv], process.env)
  const child = spawn(process.execPath, argv, { stdio: 'inherit', windowsHide: true })
  // Ctrl-C reaches the child from the terminal itself; a signal sent to this process is passed on.
  process.on('SIGINT', () => {})
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => { child.kill(signal) })
  child.on('error', err => { process.stderr.write(`gpufleet: cannot start node: ${err.message}\n`); process.exitCode = 1 })
  child.on('exit', (code, signal) => { process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0) })
}
