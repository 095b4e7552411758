import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { hostReportSchema } from '@gpufleet/core'
import { probeHostDetailed } from '../src/index.js'

// The real probe on the machine running the tests (Linux, no GPU in CI), checked against /proc.
describe.runIf(process.platform === 'linux')('probe of this machine', () => {
  it('matches /proc/meminfo and /proc/cpuinfo', async () => {
    const { report, timings } = await probeHostDetailed({ env: { PATH: '/nonexistent' }, ollamaHost: 'http://127.0.0.1:9', ollamaTimeoutMs: 200 })
    expect(hostReportSchema.safeParse(report).success).toBe(true)
    const memKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1])
    expect(report.memory.totalBytes).toBe(memKiB * 1024)
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
    expect(report.cpu.threads).toBe((cpuinfo.match(/^processor\s*:/gm) ?? []).length)
    const modelName = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? ''
    for (const word of modelName.replace(/\(R\)|\(TM\)|CPU|Processor|@.*$/g, ' ').split(/\s+/).filter(w => w.length > 2).slice(0, 2)) {
      expect(report.cpu.brand).toContain(word)
    }
    expect(report.os.platform).toBe('linux')
    expect(report.hostname).toBe(hostname())
    expect(report.simulated).toBe(false)
    expect(report.gpus.filter(g => g.vendor === 'nvidia')).toEqual([])
    expect(report.warnings).toContain('nvidia-smi not found (no NVIDIA driver, or set GPUFLEET_NVIDIA_SMI)')
    expect(report.ollama.reachable).toBe(false)
    expect(timings.nvidiaSmiMs).toBeNull()
  })
})
