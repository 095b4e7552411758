import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface SysfsGpu {
  card: string
  pciBus: string | null
  vendorId: string
  deviceId: string | null
  vramBytes: number | null
  vramUsedBytes: number | null
  utilizationPct: number | null
  temperatureC: number | null
  powerW: number | null
}

const AMD_VENDOR_ID = '0x1002'

async function read (path: string): Promise<string | null> {
  try { return (await readFile(path, 'utf8')).trim() } catch { return null }
}

async function readNumber (path: string): Promise<number | null> {
  const value = await read(path)
  if (value === null || value === '') return null
  const n = Number(value)
  return Number.isFinite(n) ? n : null
}

/**
 * Reads AMD GPUs from the amdgpu driver's sysfs files (no lspci, no ROCm needed):
 * device/mem_info_vram_total and _used in bytes, gpu_busy_percent, and hwmon's temperature
 * (millidegrees) and average power (microwatts). `root` is /sys/class/drm, or a fixture tree.
 */
export async function readAmdSysfs (root = '/sys/class/drm'): Promise<SysfsGpu[]> {
  let entries: string[]
  try { entries = await readdir(root) } catch { return [] }
  const cards = entries.filter(e => /^card\d+$/.test(e)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
  const gpus: SysfsGpu[] = []
  for (const card of cards) {
    const device = join(root, card, 'device')
    const vendorId = await read(join(device, 'vendor'))
    if (vendorId !== AMD_VENDOR_ID) continue
    const uevent = (await read(join(device, 'uevent'))) ?? ''
    const hwmonDir = join(device, 'hwmon')
    const hwmon = (await readdir(hwmonDir).catch(() => [] as string[])).sort()[0]
    const temp = hwmon === undefined ? null : await readNumber(join(hwmonDir, hwmon, 'temp1_input'))
    const power = hwmon === undefined ? null : await readNumber(join(hwmonDir, hwmon, 'power1_average'))
    gpus.push({
      card,
      pciBus: /PCI_SLOT_NAME=(\S+)/.exec(uevent)?.[1] ?? null,
      vendorId,
      deviceId: await read(join(device, 'device')),
      vramBytes: await readNumber(join(device, 'mem_info_vram_total')),
      vramUsedBytes: await readNumber(join(device, 'mem_info_vram_used')),
      utilizationPct: await readNumber(join(device, 'gpu_busy_percent')),
      temperatureC: temp === null ? null : temp / 1000,
      powerW: power === null ? null : power / 1e6
    })
  }
  return gpus
}
