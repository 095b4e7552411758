import { z } from 'zod'
import { alertSchema, formatBytes } from '@gpufleet/core'
import { fleetTool } from './tool.js'

const bytes = z.number().int().nonnegative()

const output = z.object({
  cluster: z.string(),
  /** The host whose agent answered. */
  self: z.string(),
  leader: z.string().nullable(),
  term: z.number().int().nonnegative(),
  hostsTotal: z.number().int().nonnegative(),
  hostsOnline: z.number().int().nonnegative(),
  hosts: z.array(z.object({
    hostname: z.string(),
    role: z.enum(['coordinator', 'worker']),
    online: z.boolean(),
    lastSeen: z.string().nullable(),
    gpus: z.array(z.object({
      index: z.number().int().nonnegative(),
      model: z.string(),
      vramTotalBytes: bytes.nullable(),
      vramUsedBytes: bytes.nullable(),
      /** total − used, as the card reports it now (the planner also keeps policy.reserve free). */
      vramFreeBytes: bytes.nullable(),
      utilizationPct: z.number().nullable(),
      temperatureC: z.number().nullable()
    }))
  })),
  alerts: z.array(alertSchema),
  /** Term of the plan in force, or null while there is none. */
  planTerm: z.number().int().nonnegative().nullable()
})

export const fleetStatusTool = fleetTool({
  name: 'fleet_status',
  title: 'Fleet status',
  description: 'The GPU fleet now: hosts (online or not), the leader, every GPU with VRAM used and free, and the active alerts.',
  input: z.object({}),
  output,
  run: async source => {
    const s = await source.status()
    const hosts = s.hosts.map(h => ({
      hostname: h.hostname,
      role: h.role,
      online: h.online !== false,
      lastSeen: h.lastSeen ?? null,
      gpus: h.gpus.map(g => {
        const used = g.vramUsedBytes ?? null
        return {
          index: g.index,
          model: g.model,
          vramTotalBytes: g.vramBytes,
          vramUsedBytes: used,
          vramFreeBytes: g.vramBytes === null || used === null ? null : Math.max(0, g.vramBytes - used),
          utilizationPct: g.utilizationPct ?? null,
          temperatureC: g.temperatureC ?? null
        }
      })
    }))
    const online = hosts.filter(h => h.online)
    const lines = [
      `${s.cluster}: ${online.length}/${hosts.length} hosts online, leader ${s.leader ?? 'none'} (term ${s.term}), ${s.alerts.length} alert(s)`,
      ...hosts.map(h => `- ${h.hostname}${h.online ? '' : ' (offline)'}: ${h.gpus.length === 0 ? 'no GPU' : h.gpus.map(g => `GPU ${g.index} ${g.model} ${g.vramFreeBytes === null ? 'free VRAM unknown' : `${formatBytes(g.vramFreeBytes)} free`}${g.vramTotalBytes === null ? '' : ` of ${formatBytes(g.vramTotalBytes)}`}`).join('; ')}`),
      ...s.alerts.map(a => `! ${a.severity}: ${a.message}`)
    ]
    return {
      structured: { cluster: s.cluster, self: s.self.hostname, leader: s.leader, term: s.term, hostsTotal: hosts.length, hostsOnline: online.length, hosts, alerts: s.alerts, planTerm: s.plan?.term ?? null },
      text: lines.join('\n')
    }
  }
})
