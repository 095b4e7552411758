/** The nvidia-smi --query-gpu fields gpufleet reads, in CSV column order. */
export const NVIDIA_QUERY_FIELDS = [
  'index', 'uuid', 'name', 'pci.bus_id', 'driver_version', 'memory.total', 'memory.used',
  'utilization.gpu', 'temperature.gpu', 'power.draw', 'clocks.sm', 'clocks.mem', 'compute_cap'
] as const
export type NvidiaField = typeof NVIDIA_QUERY_FIELDS[number]

/** Drivers before ~510 do not know compute_cap: the query is retried without it. */
export const NVIDIA_QUERY_FIELDS_LEGACY = NVIDIA_QUERY_FIELDS.filter(f => f !== 'compute_cap')

export function nvidiaSmiArgs (fields: readonly NvidiaField[]): string[] {
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits']
}
