import { formatBytes, type HostReport } from '@gpufleet/core'
import { renderTable } from './table.js'

const orDash = (v: unknown): string => v === null || v === undefined ? '-' : String(v)

/** The human view of a host report: a summary, one row per GPU, then warnings. */
export function renderHostReport (report: HostReport): string {
  const lines = [
    `${report.hostname} (${report.role}${report.simulated ? ', simulated' : ''})`,
    `OS      ${report.os.distro} ${report.os.release} (${report.os.platform}/${report.os.arch})`,
    `CPU     ${report.cpu.brand}, ${report.cpu.cores} cores / ${report.cpu.threads} threads`,
    `Memory  ${formatBytes(report.memory.totalBytes)}`,
    `Ollama  ${report.ollama.reachable ? `${report.ollama.version ?? '?'} at ${report.ollama.host ?? '?'}, ${report.ollama.models.length} model(s)` : 'not reachable'}`,
    ''
  ]
  if (report.gpus.length === 0) {
    lines.push('GPUs    none')
  } else {
    lines.push(renderTable(
      ['#', 'GPU', 'VRAM', 'source', 'used', 'CC', 'driver', 'util', 'temp', 'power', 'UUID'],
      report.gpus.map(g => [
        String(g.index), g.model,
        g.vramBytes === null ? '-' : formatBytes(g.vramBytes) + (g.vramCapped === true ? ' (capped)' : ''),
        g.vramSource,
        g.vramUsedBytes == null ? '-' : formatBytes(g.vramUsedBytes),
        orDash(g.computeCapability), orDash(g.driverVersion),
        g.utilizationPct == null ? '-' : `${g.utilizationPct} %`,
        g.temperatureC == null ? '-' : `${g.temperatureC} °C`,
        g.powerW == null ? '-' : `${g.powerW} W`,
        orDash(g.uuid)
      ])
    ))
  }
  for (const m of report.ollama.models) lines.push(`model   ${m.name} ${formatBytes(m.sizeBytes)} ${m.parameterSize ?? ''} ${m.quantization ?? ''}`.trimEnd())
  for (const w of report.warnings ?? []) lines.push(`warning ${w}`)
  return lines.join('\n')
}
