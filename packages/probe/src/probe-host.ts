import { hostname as osHostname } from 'node:os'
import { HOST_REPORT_SCHEMA, hostReportSchema, type HostReport } from '@gpufleet/core'
import { readAmdSysfs, type SysfsGpu } from './amd/sysfs.js'
import { assembleDisplays, assembleGpus } from './assemble.js'
import { execFileAsync, type ExecFn } from './exec.js'
import { locateNvidiaSmi } from './nvidia/locate.js'
import { queryNvidiaSmi, type NvidiaSmiResult } from './nvidia/query.js'
import { probeOllama } from './ollama.js'
import { collectSystem, type SystemReadings } from './system/collect.js'
import { timed } from './timed.js'
import { readRegistryAdapters, type RegistryAdapter } from './windows/registry.js'

export interface ProbeHostOptions {
  /** `--nvidia-smi PATH`. */
  nvidiaSmiPath?: string
  role?: 'coordinator' | 'worker'
  /** Overrides os.hostname(), e.g. with the node name from the config. */
  hostname?: string
  ollamaHost?: string
  ollamaTimeoutMs?: number
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  exec?: ExecFn
  /** Root of the DRM class in sysfs; a fixture tree in tests. */
  drmRoot?: string
  signal?: AbortSignal
  now?: () => Date
}

/** How long each tool call of one probe took, for the benchmark and --verbose output. */
export interface ProbeTimings {
  nvidiaSmiMs: number | null
  systemMs: SystemReadings['timingsMs']
  amdSysfsMs: number
  registryMs: number | null
  ollamaMs: number
  totalMs: number
}

export interface ProbeResult {
  report: HostReport
  timings: ProbeTimings
  /** nvidia-smi's raw CSV, kept so a real GPU's output can become a test fixture. */
  nvidiaSmiRaw: string | null
}

/**
 * Reads this machine: every source runs concurrently, so a probe costs about as much as its
 * slowest tool call. A source that fails becomes a warning in the report, never a crash;
 * only a bad `--nvidia-smi` path (invalid input) throws.
 */
export async function probeHostDetailed (options: ProbeHostOptions = {}): Promise<ProbeResult> {
  const started = performance.now()
  const platform = options.platform ?? process.platform
  const exec = options.exec ?? execFileAsync
  const warnings: string[] = []
  const smi = locateNvidiaSmi({ explicitPath: options.nvidiaSmiPath, env: options.env, platform })

  const nvidiaTask = smi === null
    ? Promise.resolve<[NvidiaSmiResult | null, number | null]>([null, null])
    : timed(async () => await queryNvidiaSmi(smi.path, { exec, signal: options.signal })).catch((err: Error) => {
      warnings.push(`nvidia-smi (${smi.path}): ${err.message}`)
      return [null, null] as [null, null]
    })
  const registryTask = platform === 'win32'
    ? timed(async () => await readRegistryAdapters(exec, options.signal)).catch((err: Error) => {
      warnings.push(`registry: ${err.message}`)
      return [[], null] as [RegistryAdapter[], null]
    })
    : Promise.resolve<[RegistryAdapter[], number | null]>([[], null])
  const amdTask = platform === 'linux' ? timed(async () => await readAmdSysfs(options.drmRoot)) : Promise.resolve<[SysfsGpu[], number]>([[], 0])

  const [[nvidia, nvidiaSmiMs], system, [amdSysfs, amdSysfsMs], [registry, registryMs], [ollama, ollamaMs]] = await Promise.all([
    nvidiaTask,
    collectSystem(platform),
    amdTask,
    registryTask,
    timed(async () => await probeOllama({ host: options.ollamaHost, timeoutMs: options.ollamaTimeoutMs }))
  ])
  if (smi === null) warnings.push('nvidia-smi not found (no NVIDIA driver, or set GPUFLEET_NVIDIA_SMI)')

  const gpus = assembleGpus({ platform, nvidia: nvidia?.rows ?? null, controllers: system.graphics.controllers, amdSysfs, registry, totalMemoryBytes: system.mem.total })
  for (const gpu of gpus) {
    if (gpu.vramCapped === true) warnings.push(`GPU ${gpu.index} (${gpu.model}): VRAM reads 4 GiB from WMI AdapterRAM, a 32-bit value capped at 4 GiB; the real size is unknown`)
  }
  const clean = (s: string): string => s.replace(/[™®]|\((tm|r)\)/gi, '').replace(/\s+/g, ' ').trim()
  const report: HostReport = {
    schema: HOST_REPORT_SCHEMA,
    hostname: options.hostname ?? osHostname(),
    role: options.role ?? 'worker',
    simulated: false,
    collectedAt: (options.now?.() ?? new Date()).toISOString(),
    os: { platform, distro: system.os.distro, release: system.os.release, arch: system.os.arch },
    cpu: {
      brand: clean(`${system.cpu.manufacturer} ${system.cpu.brand}`),
      cores: system.cpu.physicalCores,
      threads: system.cpu.cores
    },
    memory: { totalBytes: system.mem.total },
    gpus,
    displays: assembleDisplays(system.graphics.displays),
    ollama,
    warnings
  }
  return {
    // Parsing here catches a probe bug before a malformed report is gossiped to every peer.
    report: hostReportSchema.parse(report),
    timings: { nvidiaSmiMs, systemMs: system.timingsMs, amdSysfsMs, registryMs, ollamaMs, totalMs: performance.now() - started },
    nvidiaSmiRaw: nvidia?.raw ?? null
  }
}

export async function probeHost (options: ProbeHostOptions = {}): Promise<HostReport> {
  return (await probeHostDetailed(options)).report
}
