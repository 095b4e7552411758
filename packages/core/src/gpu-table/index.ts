export type { GpuSpec, GpuSegment } from './types.js'
export { GPU_TABLE } from './data.js'
export { matchGpu, gpuNameTokens } from './match.js'
export { DECODE_EFFICIENCY, decodeEfficiency } from './efficiency.js'
