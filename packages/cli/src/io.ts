import { writeFile } from 'node:fs/promises'
import { InvalidInputError } from '@gpufleet/core'

/** What commands may do to the outside world; tests pass their own to capture output. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
  writeFile: (path: string, contents: string) => Promise<void>
  usageError: (message: string) => Error
}

export const processIo: CliIo = {
  out: text => { process.stdout.write(text.endsWith('\n') ? text : `${text}\n`) },
  err: text => { process.stderr.write(text.endsWith('\n') ? text : `${text}\n`) },
  writeFile: async (path, contents) => { await writeFile(path, contents, 'utf8') },
  usageError: message => new InvalidInputError(message)
}
