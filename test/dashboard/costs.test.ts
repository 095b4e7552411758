import OpenAI from 'openai'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { UsageDocumentJson } from '@gpufleet/core'
import { Fleet, copyHardware, type FleetNode } from '../cluster/harness.js'
import { OpenAiStandIn } from '../support/ollama-standin.js'
import { OPENAI_USAGE, PricedCloudStandIn } from '../support/priced-cloud-standin.js'
import { describeIfPresent } from '../support/prerequisite.js'
import { chromiumMissing, launchChromium } from './chromium.js'

const KEY = 'sk-oai-test-0123456789abcdef'

// CI installs chromium (.ci/run); a developer machine without it skips, CI never does.
describeIfPresent(chromiumMissing, 'the costs panel in a real browser', () => {
  let fleet: Fleet
  let browser: Browser
  let node: FleetNode
  const ollama = new OpenAiStandIn({ name: 'ollama' })
  const cloud = new PricedCloudStandIn('openai', KEY)

  beforeAll(async () => {
    await Promise.all([ollama.start(), cloud.start()])
    // Prices large enough that the totals show in whole cents.
    fleet = await Fleet.create([{ name: 'myia-ai-01', role: 'coordinator', priority: 100, config: `ollama: { host: "${ollama.url}" }` }], {
      shared: `models:
  - { name: "qwen2.5-coder:1.5b", params: 1.5B, quantization: Q4_K_M, roles: [chat], quality: 4 }
ollama: { apply: false }
cloud:
  - { name: oai, baseUrl: "${cloud.url}/v1", apiKeyEnv: GPUFLEET_TEST_OAI_KEY, models: { chat: oai-chat, code: oai-code } }
routing:
  quotas: { oai: { requests: 1, window: 1h } }
  prices:
    oai:
      oai-chat: { input: 1000, cacheRead: 100, cacheWrite: 0, output: 2000, date: "2026-11-01" }
      oai-code: { input: 100, cacheRead: 10, cacheWrite: 0, output: 1000, date: "2026-11-01" }`
    })
    fleet.node('myia-ai-01').spec.hardware = copyHardware(fleet, 'myia-ai-01', 'ai01-costs', { ollama: { reachable: true, host: ollama.url, version: '0.12.6', models: [] } })
    fleet.env = { GPUFLEET_TEST_OAI_KEY: KEY }
    fleet.startAll()
    node = fleet.node('myia-ai-01')
    await fleet.waitFor([node], s => s.plan?.routes.some(r => r.role === 'chat' && r.target.kind === 'local') === true, 'a plan with chat served locally', 30_000)
    browser = await launchChromium()
  }, 45_000)

  afterAll(async () => {
    await browser?.close()
    await fleet?.destroy()
    await Promise.all([ollama.stop(), cloud.stop()])
  })

  it('shows the same totals as the ledger and the hand tally, per provider, with the price date, quota use and the quota alert', async () => {
    const client = new OpenAI({ baseURL: `${node.api}/v1`, apiKey: 'unused', maxRetries: 0 })
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hello there friend' }] })
    await client.chat.completions.create({ model: 'code', messages: [{ role: 'user', content: 'code' }] })
    // By hand: cloud 200 × 100 + 1000 × 10 + 80 × 1000 = 110 000 µ$; local 2 × (3 × 1000 + 5 × 2000) = 26 000 µ$ saved.
    const doc = await (await fetch(`${node.api}/api/usage?since=1d`)).json() as UsageDocumentJson
    expect(doc.totals).toMatchObject({ requests: 3, costUsd: 0.11, savingsUsd: 0.026 })
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', err => { errors.push(err.message) })
    try {
      await page.goto(`${node.api}/`)
      await expect.poll(async () => await page.locator('[data-testid="cost-requests"]').textContent(), { timeout: 15_000 }).toBe('3')
      expect(await page.locator('[data-testid="cost-usd"]').textContent()).toBe('$0.11')
      expect(await page.locator('[data-testid="savings-usd"]').textContent()).toBe('$0.03')
      expect(await page.locator('[data-testid="cost-tokens"]').textContent()).toBe((2 * 8 + OPENAI_USAGE.total_tokens).toLocaleString('en-US'))
      expect(await page.locator('[data-testid="price-dates"]').textContent()).toContain('2026-11-01')
      expect(await page.locator('[data-testid="cost-rows"] tr[data-provider="oai"] td').allTextContents()).toEqual(['oai', '1', '200', '1,000', '0', '80', '$0.11', '$0.00'])
      expect(await page.locator('[data-testid="cost-rows"] tr[data-provider="local"] td').allTextContents()).toEqual(['local', '2', '6', '0', '0', '10', '$0.00', '$0.03'])
      expect(await page.locator('[data-testid="cost-chart"] g[data-day]').count()).toBe(1)
      // One request of one allowed: the limit is reached, and the leader's alert shows in the panel
      // beside the limit's bar and in the alerts list, in the page's language.
      const quotaRow = page.locator('[data-testid="quotas"] tr[data-quota="myia-ai-01:oai:requests"]')
      expect(await quotaRow.textContent()).toContain('1 / 1')
      const panelAlert = page.locator('[data-testid="quota-alerts"] li[data-alert="quota-near:myia-ai-01:oai"]')
      await expect.poll(async () => await panelAlert.count(), { timeout: 15_000 }).toBe(1)
      expect(await panelAlert.textContent()).toMatch(/^myia-ai-01: oai reached its limit \(1\/1 requests in 1 h\): skipped until 20\d\d-\d\d-\d\d \d\d:\d\d UTC$/)
      expect(await quotaRow.getAttribute('data-alert')).toBe('1')
      expect(await page.locator('#alerts li[data-alert="quota-near:myia-ai-01:oai"]').textContent()).toContain('oai reached its limit (1/1 requests in 1 h)')
      await page.locator('[data-costs-period="d30"]').click()
      expect(await page.locator('[data-testid="cost-totals"]').getAttribute('data-period')).toBe('d30')
      expect(await page.locator('[data-testid="cost-usd"]').textContent()).toBe('$0.11')
      await page.locator('[data-action="lang"]').click()
      await expect.poll(async () => await page.locator('#costs h2').textContent()).toContain('Coûts et économies')
      expect(await panelAlert.textContent()).toMatch(/^myia-ai-01 : oai a atteint sa limite \(1\/1 requêtes en 1 h\) : ignoré jusqu’à /)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  }, 60_000)
})
