import si from 'systeminformation'
import { timed } from '../timed.js'

/** The systeminformation readings the probe uses, each with how long it took. */
export interface SystemReadings {
  cpu: si.Systeminformation.CpuData
  mem: si.Systeminformation.MemData
  os: si.Systeminformation.OsData
  graphics: si.Systeminformation.GraphicsData
  timingsMs: { cpu: number, mem: number, osInfo: number, graphics: number }
}

/**
 * Reads CPU, memory, OS and graphics in parallel. On Windows one PowerShell process is kept
 * alive for the whole probe: systeminformation otherwise spawns one per query (~8 for graphics).
 */
export async function collectSystem (platform: NodeJS.Platform = process.platform): Promise<SystemReadings> {
  const windows = platform === 'win32'
  if (windows) si.powerShellStart()
  try {
    const [[cpu, cpuMs], [mem, memMs], [os, osMs], [graphics, graphicsMs]] = await Promise.all([
      timed(async () => await si.cpu()),
      timed(async () => await si.mem()),
      timed(async () => await si.osInfo()),
      timed(async () => await si.graphics())
    ])
    return { cpu, mem, os, graphics, timingsMs: { cpu: cpuMs, mem: memMs, osInfo: osMs, graphics: graphicsMs } }
  } finally {
    if (windows) si.powerShellRelease()
  }
}
