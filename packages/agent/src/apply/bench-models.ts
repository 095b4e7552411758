import type { Logger } from 'pino'
import { byName, type MeasuredSpeed } from '@gpufleet/core'
import type { OllamaControl } from '@gpufleet/probe'

const PROMPT = 'Write a short paragraph about how GPUs run language models.'
const round1 = (n: number): number => Math.round(n * 10) / 10

/**
 * Times one generation per model with Ollama's own counters — decode tokens/s from
 * eval_count / eval_duration, prompt tokens/s from prompt_eval_* — one model at a time.
 */
export async function measureModels (control: OllamaControl, models: readonly string[], options: { clock: () => number, log: Logger, prompt?: string, numPredict?: number }): Promise<MeasuredSpeed[]> {
  const results: MeasuredSpeed[] = []
  for (const model of models) {
    const t = await control.timedGeneration(model, options.prompt ?? PROMPT, options.numPredict ?? 128)
    if (t.evalCount === 0 || t.evalDurationNs === 0) continue
    const measured: MeasuredSpeed = {
      model,
      decodeTokensPerSecond: round1(t.evalCount / (t.evalDurationNs / 1e9)),
      promptTokensPerSecond: t.promptEvalCount > 0 && t.promptEvalDurationNs > 0 ? round1(t.promptEvalCount / (t.promptEvalDurationNs / 1e9)) : null,
      measuredAt: new Date(options.clock()).toISOString()
    }
    results.push(measured)
    options.log.info({ model, decodeTokensPerSecond: measured.decodeTokensPerSecond }, 'model measured')
  }
  return results
}

/** The new figures replace a model's old ones; the list stays sorted and bounded (host reports are size-limited). */
export function mergeMeasured (kept: readonly MeasuredSpeed[], fresh: readonly MeasuredSpeed[]): MeasuredSpeed[] {
  return [...kept.filter(m => !fresh.some(r => r.model === m.model)), ...fresh].sort((a, b) => byName(a.model, b.model)).slice(0, 64)
}
