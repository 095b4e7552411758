import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Fleet, copyHardware, type FleetNode } from '../cluster/harness.js'
import { OpenAiStandIn } from '../support/ollama-standin.js'

// `pnpm test:claude-code` (not in CI: the claude binary is ~245 MB). Install it outside the repo:
//   npm install --prefix /tmp/cc @anthropic-ai/claude-code && GPUFLEET_CLAUDE_BIN=/tmp/cc/node_modules/.bin/claude pnpm test:claude-code
// Run it under `unshare -n` (with `ip link set lo up`) to prove it needs nothing beyond loopback.
const CLAUDE = process.env.GPUFLEET_CLAUDE_BIN ?? ''
const SECRET = 'gpufleet-note-7f3a'
const SHARED = `models:
  - { name: "qwen2.5-coder:1.5b", params: 1.5B, quantization: Q4_K_M, contextLength: 32768, roles: [code, chat, fast], quality: 4 }
ollama: { apply: false }`

describe.each([{ mode: 'passthrough', version: '0.14.1' }, { mode: 'translation', version: '0.12.6' }])('Claude Code through the gateway ($mode, Ollama $version)', ({ mode, version }) => {
  let fleet: Fleet
  let node: FleetNode
  const work = mkdtempSync(join(tmpdir(), 'gpufleet-claude-'))
  const note = join(work, 'note.txt')
  // The model "decides" to read the note with Claude Code's Read tool; its answer echoes the tool result.
  const ollama = new OpenAiStandIn({ name: 'ollama', version, pickTool: names => (names.includes('Read') ? { name: 'Read', input: { file_path: note } } : undefined) })

  beforeAll(async () => {
    if (!existsSync(CLAUDE)) throw new Error(`GPUFLEET_CLAUDE_BIN must name the claude binary (got "${CLAUDE}")`)
    writeFileSync(note, `${SECRET}\n`)
    await ollama.start()
    fleet = await Fleet.create([{ name: 'myia-ai-01', role: 'coordinator', priority: 100, config: `ollama: { host: "${ollama.url}" }` }], { shared: SHARED })
    fleet.node('myia-ai-01').spec.hardware = copyHardware(fleet, 'myia-ai-01', `ai01-claude-${mode}`, { ollama: { reachable: true, host: ollama.url, version, models: [] } })
    fleet.startAll()
    node = fleet.node('myia-ai-01')
    await fleet.waitFor([node], s => s.plan?.routes.some(r => r.role === 'code' && r.target.kind === 'local') === true, 'a plan with code served locally', 30_000)
  }, 45_000)

  afterAll(async () => {
    await fleet?.destroy()
    await ollama.stop()
    rmSync(work, { recursive: true, force: true })
  })

  it('claude -p completes a prompt that calls a tool (Read), the tool result reaching the model', async () => {
    const env = {
      PATH: process.env.PATH ?? '', HOME: work,
      ANTHROPIC_BASE_URL: node.api, ANTHROPIC_AUTH_TOKEN: 'gpufleet',
      ANTHROPIC_DEFAULT_OPUS_MODEL: 'code', ANTHROPIC_DEFAULT_SONNET_MODEL: 'code', ANTHROPIC_DEFAULT_HAIKU_MODEL: 'code', ANTHROPIC_MODEL: 'code',
      DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1', DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1'
    }
    const child = promisify(execFile)(CLAUDE, ['-p', 'Read note.txt and tell me what it says.', '--output-format', 'json', '--max-turns', '4'], { cwd: work, env, timeout: 120_000 })
    child.child.stdin?.end()
    const { stdout } = await child
    const result = JSON.parse(stdout) as { is_error: boolean, num_turns: number, result: string }
    expect(result.is_error).toBe(false)
    expect(result.num_turns).toBeGreaterThanOrEqual(2)
    expect(result.result).toContain(SECRET)
    const path = mode === 'passthrough' ? '/v1/messages' : '/v1/chat/completions'
    expect(ollama.seen.filter(r => r.path === path).length).toBeGreaterThanOrEqual(2)
  }, 150_000)
})
