export { runCli, buildProgram } from './program.js'
export { describeError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './exit.js'
export type { CliIo } from './io.js'
