import { InvalidInputError } from '@gpufleet/core'

/** Another agent already holds this data directory (LevelDB's lock). */
export class DataDirLockedError extends Error {
  static readonly NAME = 'DataDirLockedError'
  override name = DataDirLockedError.NAME
}

/** identity.key or swarm.key is missing, unreadable or not a key. */
export class KeyFileError extends InvalidInputError {
  static override readonly NAME = 'KeyFileError'
  override name = KeyFileError.NAME
}

/** A file given as --hardware is not a valid host report. */
export class HardwareFileError extends InvalidInputError {
  static override readonly NAME = 'HardwareFileError'
  override name = HardwareFileError.NAME
}

/** This host's Ollama cannot do what was asked (not driven by the agent, or no model ready). */
export class OllamaUnavailableError extends Error {
  static readonly NAME = 'OllamaUnavailableError'
  override name = OllamaUnavailableError.NAME
}

/** libp2p could not listen on an address of cluster.listen (taken by another program, or not this machine's). */
export class ListenAddressError extends Error {
  static readonly NAME = 'ListenAddressError'
  override name = ListenAddressError.NAME
}
