import { InvalidInputError } from '@gpufleet/core'

/** `--nvidia-smi PATH` or GPUFLEET_NVIDIA_SMI names a file that does not exist or cannot run. */
export class NvidiaSmiPathError extends InvalidInputError {
  static override readonly NAME = 'NvidiaSmiPathError'
  override name = NvidiaSmiPathError.NAME
}

/** nvidia-smi ran but failed or printed something that is not its CSV. */
export class NvidiaSmiFailedError extends Error {
  static readonly NAME = 'NvidiaSmiFailedError'
  override name = NvidiaSmiFailedError.NAME
}
