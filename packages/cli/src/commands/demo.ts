import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { InvalidInputError } from '@gpufleet/core'
import { defaultConfigPath } from '../inputs/config.js'
import type { CliIo } from '../io.js'
import { initNode } from './init.js'

/** The five seed machines: two coordinators (ai-01 preferred), three workers. */
const SEED = [
  { name: 'myia-ai-01', role: 'coordinator', priority: 100 },
  { name: 'myia-po-2023', role: 'coordinator', priority: 50 },
  { name: 'myia-po-2024', role: 'worker', priority: 0 },
  { name: 'myia-po-2026', role: 'worker', priority: 0 },
  { name: 'myia-web1', role: 'worker', priority: 0 }
] as const

export function registerDemo (program: Command, io: CliIo): void {
  program.command('demo')
    .description('run five agents on 127.0.0.1, one per seed machine, with simulated hardware (configs/roosync)')
    .option('--dir <dir>', 'where the five nodes keep their files (default: a new temporary folder)')
    .option('--api-port <port>', 'API port of the first node; the others take the next ones', '7700')
    .option('--p2p-port <port>', 'libp2p port of the first node; the others take the next ones', '7711')
    .action(async (opts: { dir?: string, apiPort: string, p2pPort: string }) => {
      const apiPort = Number(opts.apiPort)
      const p2pPort = Number(opts.p2pPort)
      for (const [flag, port] of [['--api-port', apiPort], ['--p2p-port', p2pPort]] as const) {
        if (!Number.isInteger(port) || port < 1 || port > 65_530) throw new InvalidInputError(`${flag}: expected a port number, got "${String(port)}"`)
      }
      const roosync = resolve(defaultConfigPath(), '../roosync')
      const dir = resolve(opts.dir ?? mkdtempSync(join(tmpdir(), 'gpufleet-demo-')))
      const bin = fileURLToPath(new URL('../bin.js', import.meta.url))
      const { AGENT_NODE_FLAGS } = await import('@gpufleet/agent')
      let bootstrap: string | undefined
      const children: ChildProcess[] = []
      for (const [i, node] of SEED.entries()) {
        const nodeDir = join(dir, node.name)
        if (!existsSync(join(nodeDir, 'gpufleet.yaml'))) {
          const created = await initNode({
            dir: nodeDir, name: node.name, role: node.role, priority: node.priority, cluster: 'roosync',
            listen: `/ip4/127.0.0.1/tcp/${p2pPort + i}`, api: `127.0.0.1:${apiPort + i}`,
            bootstrap: bootstrap === undefined ? [] : [bootstrap], psk: i === 0 ? undefined : join(dir, SEED[0].name, 'swarm.key')
          })
          bootstrap ??= created.multiaddrs[0]
        }
        // mDNS finds nothing on plain loopback; the demo bootstraps instead. Five simulated hosts
        // must not pull models into the one real Ollama this machine may run.
        writeFileSync(join(nodeDir, 'demo.yaml'), 'cluster:\n  mdns: false\nollama:\n  apply: false\n')
        const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, bin, 'agent', '--config', join(nodeDir, 'gpufleet.yaml'), '--config', join(roosync, 'cluster.yaml'), '--config', join(nodeDir, 'demo.yaml'),
          '--hardware', join(roosync, `${node.name}.hardware.json`), '--log-level', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] })
        children.push(child)
      }
      io.out([
        `gpufleet demo: 5 agents in ${dir}`,
        ...SEED.map((n, i) => `  ${n.name.padEnd(13)} ${n.role.padEnd(11)} http://127.0.0.1:${apiPort + i}`),
        `API: http://127.0.0.1:${apiPort}/api/status  (or: gpufleet status --api http://127.0.0.1:${apiPort})`,
        'Ctrl-C stops them all.'
      ].join('\n'))
      await new Promise<void>(resolveStop => {
        const stop = (): void => {
          for (const c of children) c.kill('SIGTERM')
          void Promise.all(children.map(async c => await new Promise(r => { if (c.exitCode !== null) r(null); else c.once('exit', r) }))).then(() => { resolveStop() })
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
}
