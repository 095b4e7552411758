import { commandLine, type ServiceSpec } from './spec.js'

/** systemd's quoting: words with spaces or quotes are double-quoted, with \ and " escaped. */
function quote (word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function systemdUnitPath (spec: ServiceSpec): string {
  return spec.scope === 'user' ? `${spec.home}/.config/systemd/user/${spec.name}.service` : `/etc/systemd/system/${spec.name}.service`
}

/** A systemd unit: restart on failure, logs to journald, hardened as far as the agent allows. */
export function renderSystemdUnit (spec: ServiceSpec): { path: string, contents: string } {
  const system = spec.scope === 'system'
  const lines = [
    '# Written by `gpufleet service install`. Logs: journalctl ' + (system ? '' : '--user ') + `-u ${spec.name}`,
    '[Unit]',
    `Description=${spec.description}`,
    'Documentation=https://github.com/gpufleet/gpufleet',
    'Wants=network-online.target',
    'After=network-online.target',
    // A crash loop backs off instead of being given up on after 5 tries.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${commandLine(spec).map(quote).join(' ')}`,
    `WorkingDirectory=${spec.workingDirectory}`,
    // ProtectSystem/ProtectHome below make the rest read-only: the node's folder (identity, data) stays writable.
    ...(system ? [`ReadWritePaths=${spec.workingDirectory}`] : []),
    ...(spec.runAs === null ? [] : [`User=${spec.runAs}`, `Group=${spec.runAs}`]),
    'Environment=NODE_ENV=production',
    'Restart=on-failure',
    'RestartSec=5s',
    // SIGTERM makes the agent flush its inventory to LevelDB and leave the swarm cleanly.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=20s',
    'StandardOutput=journal',
    'StandardError=journal',
    `SyslogIdentifier=${spec.name}`,
    ...(system ? ['NoNewPrivileges=yes', 'PrivateTmp=yes', 'ProtectSystem=full', 'ProtectHome=read-only'] : []),
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    ''
  ]
  return { path: systemdUnitPath(spec), contents: lines.join('\n') }
}
