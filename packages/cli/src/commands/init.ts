import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { stringify } from 'yaml'
import { InvalidInputError } from '@gpufleet/core'
import type { CliIo } from '../io.js'
import { collect } from '../options.js'

export interface InitOptions {
  dir: string
  name: string
  role: 'coordinator' | 'worker'
  priority?: number
  listen?: string
  bootstrap?: string[]
  api?: string
  psk?: string
  cluster?: string
  force?: boolean
  /** Discover peers on the LAN (default true; the embedded one-node default turns it off). */
  mdns?: boolean
}

export interface InitResult { peerId: string, multiaddrs: string[], config: string }

/** Expands 0.0.0.0 into this machine's addresses, so the printed line can be pasted elsewhere. */
function shareableAddrs (listen: string, peerId: string): string[] {
  const m = /^\/ip4\/0\.0\.0\.0(\/.*)$/.exec(listen)
  const suffix = `/p2p/${peerId}`
  if (m == null) return [`${listen}${suffix}`]
  const ips = Object.values(networkInterfaces()).flat().filter(i => i !== undefined && i.family === 'IPv4').map(i => i!.address)
  const ordered = [...ips.filter(ip => ip !== '127.0.0.1'), '127.0.0.1']
  return [...new Set(ordered)].map(ip => `/ip4/${ip}${m[1]}${suffix}`)
}

/** Writes DIR/gpufleet.yaml, DIR/identity.key and DIR/swarm.key (0600), as `gpufleet init` does. */
export async function initNode (opts: InitOptions): Promise<InitResult> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,252}$/.test(opts.name)) throw new InvalidInputError(`--name: "${opts.name}" is not a host name`)
  const listen = opts.listen ?? '/ip4/0.0.0.0/tcp/7701'
  if (!listen.startsWith('/')) throw new InvalidInputError(`--listen: expected a multiaddr such as /ip4/0.0.0.0/tcp/7701, got "${listen}"`)
  for (const b of opts.bootstrap ?? []) if (!/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(b)) throw new InvalidInputError(`--bootstrap: expected a multiaddr ending in /p2p/<peer id>, got "${b}"`)
  const api = opts.api ?? '127.0.0.1:7700'
  if (!/^(\[[0-9a-fA-F:]+\]|[^\s:]+):\d{1,5}$/.test(api)) throw new InvalidInputError(`--api: expected HOST:PORT, got "${api}"`)
  // The agent package brings libp2p: commands that do not run a node never load it.
  const { createSwarmKey, isLoopbackHost, loadOrCreateIdentity, loadSwarmKey, peerIdOf, splitHostPort } = await import('@gpufleet/agent')
  const dir = resolve(opts.dir)
  const configPath = join(dir, 'gpufleet.yaml')
  if (existsSync(configPath) && opts.force !== true) throw new InvalidInputError(`${configPath} already exists (use --force to rewrite it; the identity key is kept)`)
  await mkdir(dir, { recursive: true })
  const key = await loadOrCreateIdentity(join(dir, 'identity.key'))
  const peerId = peerIdOf(key)
  const pskFile = 'swarm.key'
  if (opts.psk !== undefined && existsSync(opts.psk)) {
    await loadSwarmKey(opts.psk)
    if (resolve(opts.psk) !== join(dir, 'swarm.key')) await copyFile(opts.psk, join(dir, 'swarm.key'))
  } else if (!existsSync(join(dir, 'swarm.key'))) {
    await createSwarmKey(opts.psk ?? join(dir, 'swarm.key'))
    if (opts.psk !== undefined) await copyFile(opts.psk, join(dir, 'swarm.key'))
  }
  // An API reachable from the network is never open by accident.
  const token = isLoopbackHost(splitHostPort(api).host) ? null : randomBytes(24).toString('base64url')
  const config = {
    cluster: { ...(opts.cluster === undefined ? {} : { name: opts.cluster }), listen: [listen], bootstrap: opts.bootstrap ?? [], pskFile, ...(opts.mdns === false ? { mdns: false } : {}) },
    node: { name: opts.name, role: opts.role, priority: opts.priority ?? (opts.role === 'coordinator' ? 100 : 0) },
    dataDir: './data',
    api: { listen: api, token }
  }
  const text = `# gpufleet node config, written by \`gpufleet init\`. Layer a shared catalog with a second --config.\n${stringify(config)}`
  await writeFile(configPath, text, { mode: 0o600 })
  return { peerId, multiaddrs: shareableAddrs(listen, peerId), config: configPath }
}


export function registerInit (program: Command, io: CliIo): void {
  program.command('init')
    .description('create a node: DIR/gpufleet.yaml, DIR/identity.key and DIR/swarm.key; prints the addresses other nodes bootstrap from')
    .requiredOption('--dir <dir>', 'directory for the node files')
    .requiredOption('--name <name>', 'this host name in the fleet')
    .requiredOption('--role <role>', 'coordinator or worker')
    .option('--priority <n>', 'election priority among coordinators (default 100 for coordinators, 0 for workers)')
    .option('--listen <multiaddr>', 'libp2p listen address', '/ip4/0.0.0.0/tcp/7701')
    .option('--bootstrap <multiaddr>', 'another node\'s /p2p/ address; repeat for several', collect, [])
    .option('--api <host:port>', 'HTTP API address (off loopback a token is generated)', '127.0.0.1:7700')
    .option('--psk <file>', 'use this swarm key (copied in) instead of generating one')
    .option('--cluster <name>', 'cluster name (nodes of different clusters ignore each other)')
    .option('--force', 'rewrite an existing gpufleet.yaml')
    .option('--json', 'print { peerId, multiaddrs, config }')
    .action(async (opts: { dir: string, name: string, role: string, priority?: string, listen: string, bootstrap: string[], api: string, psk?: string, cluster?: string, force?: boolean, json?: boolean }) => {
      if (opts.role !== 'coordinator' && opts.role !== 'worker') throw new InvalidInputError(`--role: expected coordinator or worker, got "${opts.role}"`)
      const priority = opts.priority === undefined ? undefined : Number(opts.priority)
      if (priority !== undefined && (!Number.isInteger(priority) || priority < 0)) throw new InvalidInputError(`--priority: expected a non-negative integer, got "${opts.priority ?? ''}"`)
      const result = await initNode({ ...opts, role: opts.role, priority })
      io.out(opts.json === true
        ? JSON.stringify(result, null, 2)
        : [`peer id  ${result.peerId}`, `config   ${result.config}`, 'bootstrap other nodes with one of:', ...result.multiaddrs.map(a => `  --bootstrap ${a}`),
            // The line to paste under cluster.coordinators in the file every node loads (README, "A fleet of real machines").
            ...(opts.role === 'coordinator' ? ['pin this coordinator in the shared config (cluster.coordinators):', `    - ${result.peerId}   # ${opts.name}`] : [])].join('\n'))
    })
}
