import type { HostReport } from '../schemas/host-report.js'
import type { QuotaPressure } from '../schemas/quota-pressure.js'
import type { Condition } from './rules.js'

const UNITS: Record<QuotaPressure['limit'], string> = { requests: 'requests', tokensPerMinute: 'tokens in the last minute', usdPerDay: 'US dollars today', usdPerMonth: 'US dollars this month' }
const amount = (q: QuotaPressure, v: number): string => (q.limit === 'usdPerDay' || q.limit === 'usdPerMonth' ? v.toFixed(2) : String(v))
const hours = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`)

/** "120/120 requests in 5 h", "$4.10/5.00 US dollars today": the use as the log line and the CLI say it. */
export function quotaUseText (q: QuotaPressure): string {
  const window = q.windowMs === null ? '' : ` in ${hours(q.windowMs)}`
  return `${amount(q, q.used)}/${amount(q, q.max)} ${UNITS[q.limit]}${window}`
}

/**
 * The quota alert, one per host and provider: a host reports the limits its own use brought to its
 * alert ratio (keys are per machine: only it knows), so the leader raises what every node shows.
 * No hysteresis band: use only moves with requests and with windows passing, it does not wobble;
 * the alert clears when the host stops reporting the limit (under the ratio again, or the window
 * passed). Offline hosts raise only host-offline, like the other rules.
 */
export function quotaConditions (host: HostReport): Condition[] {
  const h = host.hostname
  return (host.quotas ?? []).map(q => {
    const ratio = q.max === 0 ? 1 : q.used / q.max
    const message = q.until === null
      ? `${h}: ${q.provider} at ${Math.round(ratio * 100)} % of its ${q.limit} limit (${quotaUseText(q)})`
      : `${h}: ${q.provider} over its ${q.limit} limit (${quotaUseText(q)}): skipped until ${q.until}`
    return { id: `quota-near:${h}:${q.provider}`, rule: 'quota-near', severity: 'warning', level: 'firing', forMs: 0, host: h, gpu: null, model: null, value: Math.round(ratio * 1000) / 10, threshold: Math.round(q.alertAt * 1000) / 10, message, detail: { code: 'quota', params: q } } satisfies Condition
  })
}
