import { xmlEscape as xml, type ServiceSpec } from './spec.js'

/** Windows command-line quoting for winsw's <arguments>: quote words with spaces, double inner quotes' backslashes. */
const winQuote = (w: string): string => (/[\s"]/.test(w) ? `"${w.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"` : w)

export function winswXmlPath (spec: ServiceSpec): string {
  return `${spec.serviceDir}\\${spec.name}.xml`
}

/**
 * winsw's service definition (the wrapper node-windows ships): restart on failure with backoff,
 * automatic (delayed) start at boot, logs rolled by size in the service folder.
 */
export function renderWinswXml (spec: ServiceSpec): { path: string, contents: string } {
  const args = [...spec.nodeArgs, spec.script, ...spec.args].map(winQuote).join(' ')
  const contents = [
    '<!-- Written by `gpufleet service install`. -->',
    '<service>',
    `  <id>${xml(spec.name)}</id>`,
    `  <name>${xml(spec.description)}</name>`,
    `  <description>${xml(spec.description)}</description>`,
    `  <executable>${xml(spec.node)}</executable>`,
    `  <arguments>${xml(args)}</arguments>`,
    `  <workingdirectory>${xml(spec.workingDirectory)}</workingdirectory>`,
    '  <env name="NODE_ENV" value="production"/>',
    '  <startmode>Automatic</startmode>',
    '  <delayedAutoStart>true</delayedAutoStart>',
    '  <onfailure action="restart" delay="5 sec"/>',
    '  <onfailure action="restart" delay="30 sec"/>',
    '  <onfailure action="restart" delay="2 min"/>',
    '  <resetfailure>1 hour</resetfailure>',
    '  <stoptimeout>20 sec</stoptimeout>',
    `  <logpath>${xml(spec.logDir)}</logpath>`,
    '  <log mode="roll-by-size">',
    '    <sizeThreshold>10240</sizeThreshold>',
    '    <keepFiles>8</keepFiles>',
    '  </log>',
    '</service>',
    ''
  ].join('\r\n')
  return { path: winswXmlPath(spec), contents }
}
