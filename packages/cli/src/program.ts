import { Command, CommanderError } from 'commander'
import { registerAgent } from './commands/agent.js'
import { registerDemo } from './commands/demo.js'
import { registerEstimate } from './commands/estimate.js'
import { registerForget } from './commands/forget.js'
import { registerInit } from './commands/init.js'
import { registerMcp } from './commands/mcp.js'
import { registerPlan } from './commands/plan.js'
import { registerProbe } from './commands/probe.js'
import { registerRemote } from './commands/remote.js'
import { registerReport } from './commands/report.js'
import { registerRoute } from './commands/route.js'
import { registerService } from './commands/service.js'
import { registerUsage } from './commands/usage.js'
import { EXIT_OK, EXIT_USAGE, describeError } from './exit.js'
import { processIo, type CliIo } from './io.js'
import { VERSION } from './version.js'

export function buildProgram (io: CliIo = processIo): Command {
  const program = new Command('gpufleet')
    .description('turn a handful of ordinary machines into one GPU fleet for local LLMs')
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: s => { io.out(s.trimEnd()) }, writeErr: s => { io.err(s.trimEnd()) } })
  registerProbe(program, io)
  registerPlan(program, io)
  registerEstimate(program, io)
  registerReport(program, io)
  registerInit(program, io)
  registerAgent(program, io)
  registerRemote(program, io)
  registerRoute(program, io)
  registerUsage(program, io)
  registerDemo(program, io)
  registerService(program, io)
  registerMcp(program, io)
  registerForget(program, io)
  for (const command of program.commands) command.exitOverride()
  return program
}

/** Runs the CLI and returns its exit code; it never calls process.exit itself. */
export async function runCli (argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors were already printed.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    }
    const { code, line } = describeError(err)
    io.err(line)
    return code
  }
}
