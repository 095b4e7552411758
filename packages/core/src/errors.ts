/**
 * One error class per condition, each with a stable `name` that callers and tests check
 * (never the message text). `InvalidInputError` subclasses map to exit code 2 in the CLI.
 */
export class InvalidInputError extends Error {
  static readonly NAME: string = 'InvalidInputError'
  override name = InvalidInputError.NAME
  /** Exit code a CLI should use for this error. */
  readonly exitCode: number = 2
}

/** A size string such as "2GiB" could not be parsed. */
export class InvalidSizeError extends InvalidInputError {
  static override readonly NAME = 'InvalidSizeError'
  override name = InvalidSizeError.NAME
}

/** A duration string such as "3s" could not be parsed. */
export class InvalidDurationError extends InvalidInputError {
  static override readonly NAME = 'InvalidDurationError'
  override name = InvalidDurationError.NAME
}

/** A count such as "8.03B" parameters could not be parsed. */
export class InvalidCountError extends InvalidInputError {
  static override readonly NAME = 'InvalidCountError'
  override name = InvalidCountError.NAME
}

/** A JSON document failed its schema; the message names the file, field and value. */
export class InvalidDocumentError extends InvalidInputError {
  static override readonly NAME = 'InvalidDocumentError'
  override name = InvalidDocumentError.NAME
}
