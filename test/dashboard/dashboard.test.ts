import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { Fleet, repoRoot } from '../cluster/harness.js'
import { describeIfPresent } from '../support/prerequisite.js'
import { chromiumMissing, launchChromium } from './chromium.js'

const artifacts = join(repoRoot, 'test-artifacts')

// CI installs chromium (.ci/run) and fails without it; a developer machine without it skips and says why.
describeIfPresent(chromiumMissing, 'the dashboard in a real browser', () => {
  let fleet: Fleet
  let browser: Browser

  beforeAll(async () => {
    fleet = await Fleet.create([
      { name: 'myia-ai-01', role: 'coordinator', priority: 100 },
      { name: 'myia-po-2024', role: 'worker' },
      { name: 'myia-web1', role: 'worker' }
    ])
    fleet.startAll()
    browser = await launchChromium()
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await fleet?.destroy()
  })

  it('shows the 3-node fleet and its plan live, and a killed node goes offline on the page without a reload', async () => {
    const [leader, worker, observer] = fleet.nodes as [typeof fleet.nodes[0], typeof fleet.nodes[0], typeof fleet.nodes[0]]
    await fleet.waitFor(fleet.nodes, s => s.hosts.filter(h => h.online !== false).length === 3 && s.plan !== null, 'three hosts online and a plan', 30_000)
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', err => { errors.push(err.message) })
    try {
      // The page of a follower: it must say who leads and show what the leader decided.
      await page.goto(`${observer.api}/`)
      await page.locator('[data-testid="connection"].conn-connected').waitFor({ timeout: 10_000 })
      await expect.poll(async () => await page.locator('article.host[data-online="true"]').count(), { timeout: 10_000 }).toBe(3)
      expect(await page.locator('[data-testid="self"]').textContent()).toBe('myia-web1')
      expect(await page.locator('[data-testid="leader"]').textContent()).toBe('myia-ai-01')
      expect(await page.locator('[data-testid="leader-link"]').getAttribute('href')).toBe(`${leader.api}/`)
      // The plan: myia-ai-01's RTX 3090 holds models; its RTX 5060 Ti is excluded (sm_120), with the reason.
      await expect.poll(async () => await page.locator('[data-testid="assignments"] tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(0)
      const ai01 = page.locator('article.host[data-host="myia-ai-01"]')
      expect(await ai01.locator('.gpu').count()).toBe(2)
      expect(await ai01.locator('.gpu.excluded .excluded-reason').textContent()).toContain('sm_120')
      expect(await ai01.locator('.gpu:not(.excluded) .chip').count()).toBeGreaterThan(0)
      expect(await page.locator('[data-testid="routes"] tr[data-routes="myia-web1"]').textContent()).toMatch(/chat/)

      // Kill a worker: its card turns offline live, and the leader's host-offline alert shows up.
      await fleet.kill(worker)
      const card = page.locator('article.host[data-host="myia-po-2024"]')
      await card.and(page.locator('[data-online="false"]')).waitFor({ timeout: 15_000 })
      await page.locator('[data-alert="host-offline:myia-po-2024"]').waitFor({ timeout: 10_000 })
      expect(await page.locator('[data-testid="events"]').textContent()).toContain('myia-po-2024')

      // French on one click, and readable on a phone.
      await page.locator('[data-action="lang"]').click()
      await expect.poll(async () => await card.locator('[data-testid="host-state"]').textContent()).toBe('hors ligne')
      mkdirSync(artifacts, { recursive: true })
      await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true })
      await page.setViewportSize({ width: 390, height: 844 })
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as number
      expect(overflow).toBeLessThanOrEqual(0)
      await page.screenshot({ path: join(artifacts, 'dashboard-phone.png'), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  }, 90_000)
})
