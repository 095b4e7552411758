/** Everything an OS backend needs to run the agent as a service; built once, rendered per OS. */
export type ServicePlatform = 'linux' | 'darwin' | 'win32'

export interface ServiceSpec {
  platform: ServicePlatform
  /** system: starts at boot for everyone (root/Administrator); user: this user's session. */
  scope: 'system' | 'user'
  /** systemd unit and Windows service id. */
  name: string
  /** launchd label. */
  label: string
  description: string
  /** The node executable and the V8 flags every agent launcher passes. */
  node: string
  nodeArgs: string[]
  /** Absolute path to the CLI entry (dist/bin.js). */
  script: string
  /** `agent --config …` with absolute config paths. */
  args: string[]
  workingDirectory: string
  /** Linux system scope run by root: the dedicated account the agent runs as. */
  runAs: string | null
  /** Where logs go for launchd and winsw (systemd: journald). */
  logDir: string
  /** The user's home (launchd user scope, systemd --user). */
  home: string
  /** Windows: folder of the service wrapper (winsw exe, XML, logs). */
  serviceDir: string
  /** Windows: winsw.exe as node-windows ships it. */
  winswExe: string
}

/** Text made safe inside an XML element or attribute (plist and winsw files). */
export function xmlEscape (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** The agent's command line, one word per entry. */
export function commandLine (spec: ServiceSpec): string[] {
  return [spec.node, ...spec.nodeArgs, spec.script, ...spec.args]
}
