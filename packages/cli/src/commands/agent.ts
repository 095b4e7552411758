import { existsSync } from 'node:fs'
import { homedir, hostname } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { loadConfigFiles, nodeDirectory } from '../inputs/config.js'
import type { CliIo } from '../io.js'
import { installFatalHandlers } from '../fatal-handlers.js'
import { LOG_LEVELS, parseLogLevel } from '../log-level.js'
import { initNode } from './init.js'
import { collect } from '../options.js'

/** Where the "embedded default" lives when `gpufleet agent` is run without --config. */
export function defaultHome (): string {
  return process.env.GPUFLEET_HOME ?? join(homedir(), '.gpufleet')
}

export function registerAgent (program: Command, io: CliIo): void {
  program.command('agent')
    .description('run this machine\'s node (without --config: a one-node coordinator in ~/.gpufleet, created on first run)')
    .option('--config <file>', 'node config; repeat to layer files (later override earlier)', collect, [])
    .option('--hardware <file>', 'use this host-report file instead of probing (simulations, demos)')
    .option('--nvidia-smi <path>', 'nvidia-smi binary to run')
    .option('--log-level <level>', `${LOG_LEVELS.join(', ')} (default: GPUFLEET_LOG_LEVEL, else info)`)
    .action(async (opts: { config: string[], hardware?: string, nvidiaSmi?: string, logLevel?: string }) => {
      const level = opts.logLevel !== undefined ? parseLogLevel(opts.logLevel) : parseLogLevel(process.env.GPUFLEET_LOG_LEVEL ?? 'info', 'GPUFLEET_LOG_LEVEL')
      let files = opts.config
      if (files.length === 0) {
        const home = defaultHome()
        const file = join(home, 'gpufleet.yaml')
        if (!existsSync(file)) {
          // Local until the user says otherwise: loopback only, no LAN discovery. `gpufleet init` makes fleet nodes.
          const created = await initNode({ dir: home, name: hostname(), role: 'coordinator', listen: '/ip4/127.0.0.1/tcp/7701', mdns: false })
          io.err(`gpufleet: created ${created.config} (a one-node coordinator on this machine; peer id ${created.peerId})`)
        }
        files = [file]
      }
      const config = loadConfigFiles(files)
      const [{ Agent }, { pino }] = await Promise.all([import('@gpufleet/agent'), import('pino')])
      // `node` names this agent in every line; events use `host` for the host they are about.
      const logger = pino({ level, base: { node: config.node.name ?? hostname() } })
      installFatalHandlers(logger)
      const agent = new Agent({ config, baseDir: nodeDirectory(files), hardwareFile: opts.hardware, nvidiaSmiPath: opts.nvidiaSmi, logger })
      await agent.start()
      io.err(`gpufleet: ${config.node.name ?? hostname()} running; API on http://${agent.apiAddress ?? '?'}`)
      await new Promise<void>(resolveStop => {
        const stop = (): void => { void agent.stop().then(resolveStop) }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      // Everything is flushed and closed; libp2p can leave a timer or two pending for seconds,
      // and a service manager waiting on a stop should not.
      process.exit(0)
    })
}
