import { commandLine, xmlEscape as xml, type ServiceSpec } from './spec.js'

export function launchdPlistPath (spec: ServiceSpec): string {
  return spec.scope === 'user' ? `${spec.home}/Library/LaunchAgents/${spec.label}.plist` : `/Library/LaunchDaemons/${spec.label}.plist`
}

/** A launchd job: started at load, kept alive (restarted when it exits abnormally), logs in logDir. */
export function renderLaunchdPlist (spec: ServiceSpec): { path: string, contents: string } {
  const args = commandLine(spec).map(a => `    <string>${xml(a)}</string>`)
  const contents = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `gpufleet service install`. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>', `  <string>${xml(spec.label)}</string>`,
    '  <key>ProgramArguments</key>', '  <array>', ...args, '  </array>',
    '  <key>WorkingDirectory</key>', `  <string>${xml(spec.workingDirectory)}</string>`,
    '  <key>EnvironmentVariables</key>', '  <dict>', '    <key>NODE_ENV</key>', '    <string>production</string>', '  </dict>',
    '  <key>RunAtLoad</key>', '  <true/>',
    // Restart after a crash, not after a clean exit (gpufleet exits 2 on a bad config: no loop).
    '  <key>KeepAlive</key>', '  <dict>', '    <key>SuccessfulExit</key>', '    <false/>', '  </dict>',
    '  <key>ThrottleInterval</key>', '  <integer>5</integer>',
    '  <key>ProcessType</key>', '  <string>Background</string>',
    '  <key>StandardOutPath</key>', `  <string>${xml(spec.logDir)}/agent.log</string>`,
    '  <key>StandardErrorPath</key>', `  <string>${xml(spec.logDir)}/agent.err.log</string>`,
    '</dict>',
    '</plist>',
    ''
  ].join('\n')
  return { path: launchdPlistPath(spec), contents }
}
