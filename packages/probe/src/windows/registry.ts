import type { ExecFn } from '../exec.js'

/** The display adapter class key: one numbered subkey per adapter the driver installed. */
export const DISPLAY_CLASS_KEY = 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4d36e968-e325-11ce-bfc1-08002be10318}'

export interface RegistryAdapter { key: string, driverDesc: string | null, qwMemorySize: number | null }

/**
 * Parses `reg query <key> /s /v <value>` output. Each adapter appears as its key line followed by
 * indented `name  REG_TYPE  value` lines; QWORDs are printed in hex (0x400000000 = 16 GiB).
 */
export function parseRegQuery (output: string): Map<string, Record<string, string>> {
  const keys = new Map<string, Record<string, string>>()
  let current: Record<string, string> | undefined
  for (const line of output.split(/\r?\n/)) {
    if (/^HKEY_/i.test(line)) {
      current = {}
      keys.set(line.trim(), current)
      continue
    }
    const value = /^\s+(\S.*?)\s+(REG_\w+)\s+(.*)$/.exec(line)
    if (value != null && current != null) current[value[1] ?? ''] = (value[3] ?? '').trim()
  }
  return keys
}

/** Joins the DriverDesc and HardwareInformation.qwMemorySize queries by adapter key. */
export function adaptersFromRegQuery (descOutput: string, memoryOutput: string): RegistryAdapter[] {
  const descs = parseRegQuery(descOutput)
  const sizes = parseRegQuery(memoryOutput)
  const adapters: RegistryAdapter[] = []
  for (const key of new Set([...descs.keys(), ...sizes.keys()])) {
    const raw = sizes.get(key)?.['HardwareInformation.qwMemorySize']
    const size = raw === undefined ? null : Number(raw.startsWith('0x') ? BigInt(raw) : raw)
    adapters.push({ key, driverDesc: descs.get(key)?.DriverDesc ?? null, qwMemorySize: size !== null && Number.isFinite(size) ? size : null })
  }
  return adapters.filter(a => a.qwMemorySize !== null || a.driverDesc !== null)
}

/**
 * Reads every display adapter's 64-bit memory size from the registry with reg.exe (present on
 * every Windows). This is the figure Windows' own Task Manager shows, unlike WMI AdapterRAM.
 */
export async function readRegistryAdapters (exec: ExecFn, signal?: AbortSignal): Promise<RegistryAdapter[]> {
  const query = async (value: string): Promise<string> =>
    (await exec('reg', ['query', DISPLAY_CLASS_KEY, '/s', '/v', value], { signal, timeoutMs: 5000 })).stdout
  const [desc, memory] = await Promise.all([query('DriverDesc'), query('HardwareInformation.qwMemorySize')])
  return adaptersFromRegQuery(desc, memory)
}
