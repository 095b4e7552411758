import { describe, expect, it } from 'vitest'
import { adaptersFromRegQuery, assembleDisplays, assembleGpus, readAmdSysfs, type ControllerLike, type DisplayLike } from '../src/index.js'
import { fixtures, readFixture, readJsonFixture } from './helpers.js'
import { join } from 'node:path'

const GiB = 1024 ** 3
interface SiGraphics { controllers: ControllerLike[], displays: DisplayLike[] }
const base = { nvidia: null, amdSysfs: [], registry: [], totalMemoryBytes: 32 * GiB }

describe('Windows VRAM', () => {
  const si = readJsonFixture<SiGraphics>('windows', 'si-graphics-wmi-capped.json')
  const registry = adaptersFromRegQuery(readFixture('windows', 'reg-driverdesc.txt'), readFixture('windows', 'reg-qwmemorysize.txt'))

  it('reads every adapter of reg.exe output, qwMemorySize in hex', () => {
    expect(registry.map(a => [a.driverDesc, a.qwMemorySize])).toEqual([
      ['Intel(R) Iris(R) Xe Graphics', null],
      ['NVIDIA GeForce RTX 3080 Ti Laptop GPU', 16 * GiB],
      ['AMD Radeon RX 6600', 8 * GiB]
    ])
  })

  it('takes the registry figure over WMI AdapterRAM and says so', () => {
    const gpus = assembleGpus({ ...base, platform: 'win32', controllers: si.controllers, registry })
    expect(gpus.find(g => g.model.includes('3080 Ti'))).toMatchObject({ vendor: 'nvidia', vramBytes: 16 * GiB, vramSource: 'registry', computeCapability: '8.6' })
    expect(gpus.find(g => g.model.includes('RX 6600'))).toMatchObject({ vendor: 'amd', vramBytes: 8 * GiB, vramSource: 'registry' })
    expect(gpus.some(g => g.vramCapped === true)).toBe(false)
  })

  it('flags a WMI-only figure at the 4 GiB cap instead of trusting it', () => {
    const gpus = assembleGpus({ ...base, platform: 'win32', controllers: si.controllers, registry: [] })
    expect(gpus.find(g => g.model.includes('3080 Ti'))).toMatchObject({ vramBytes: 4095 * 1024 * 1024, vramSource: 'wmi', vramCapped: true })
  })

  it('lets nvidia-smi speak for NVIDIA cards and keeps the others', () => {
    const nvidia = [{ index: 0, uuid: 'GPU-1', name: 'NVIDIA GeForce RTX 3080 Ti Laptop GPU', pciBus: '00000000:01:00.0', driverVersion: '591.74', vramBytes: 16 * GiB, vramUsedBytes: 0, utilizationPct: 0, temperatureC: 40, powerW: 10, smClockMhz: 1395, memClockMhz: 7001, computeCapability: '8.6' }]
    const gpus = assembleGpus({ ...base, platform: 'win32', nvidia, controllers: si.controllers, registry })
    expect(gpus.map(g => [g.index, g.vendor, g.vramSource])).toEqual([[0, 'nvidia', 'nvidia-smi'], [1, 'intel', 'unknown'], [2, 'amd', 'registry']])
    expect(gpus[0]).toMatchObject({ smClockMhz: 1395, memClockMhz: 7001 })
  })

  it('reads the current resolution of each display', () => {
    expect(assembleDisplays(si.displays)).toEqual([{ model: 'Generic PnP Monitor', resolutionX: 1920, resolutionY: 1080, main: true }])
  })
})

describe('AMD on Linux', () => {
  it('reads amdgpu sysfs without lspci and ignores other vendors', async () => {
    const cards = await readAmdSysfs(join(fixtures, 'sysfs-amd'))
    expect(cards).toEqual([{ card: 'card0', pciBus: '0000:03:00.0', vendorId: '0x1002', deviceId: '0x73ff', vramBytes: 8573157376, vramUsedBytes: 1073741824, utilizationPct: 0, temperatureC: 48, powerW: 9 }])
  })

  it('merges sysfs figures into the lspci controller by bus address', async () => {
    const amdSysfs = await readAmdSysfs(join(fixtures, 'sysfs-amd'))
    const si = readJsonFixture<SiGraphics>('si-graphics-linux-amd-lspci.json')
    const gpus = assembleGpus({ ...base, platform: 'linux', controllers: si.controllers, amdSysfs })
    expect(gpus).toHaveLength(1)
    expect(gpus[0]).toMatchObject({ vendor: 'amd', vramBytes: 8573157376, vramSource: 'sysfs', vramUsedBytes: 1073741824, temperatureC: 48, utilizationPct: 0 })
  })

  it('reports an AMD card from sysfs alone when there is no controller list', async () => {
    const amdSysfs = await readAmdSysfs(join(fixtures, 'sysfs-amd'))
    const gpus = assembleGpus({ ...base, platform: 'linux', controllers: [], amdSysfs })
    expect(gpus).toMatchObject([{ index: 0, vendor: 'amd', model: 'AMD GPU 0x73ff', vramSource: 'sysfs', vramBytes: 8573157376 }])
  })

  it('finds nothing in a tree without DRM cards', async () => {
    expect(await readAmdSysfs(join(fixtures, 'does-not-exist'))).toEqual([])
  })
})

describe('Apple silicon', () => {
  it('reports unified memory as the share macOS lets the GPU wire', () => {
    const si = readJsonFixture<SiGraphics>('si-graphics-apple-m2-pro.json')
    const gpus = assembleGpus({ ...base, platform: 'darwin', controllers: si.controllers })
    expect(gpus).toMatchObject([{ vendor: 'apple', model: 'Apple M2 Pro', vramBytes: 24 * GiB, vramSource: 'unified-memory', unifiedMemory: true, memoryBandwidthGBs: 200 }])
    expect(assembleDisplays(si.displays)[0]).toMatchObject({ resolutionX: 1728, resolutionY: 1117, main: true })
  })
})
