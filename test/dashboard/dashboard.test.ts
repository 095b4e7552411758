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

  // Words of one language that must not show in the other's page. Operator text (the exclude rule's
  // reason in the test config), host, GPU, CPU and model names are data, not the page's own words.
  const ENGLISH = ['worker', 'warning', 'not placed', 'needs ', 'Free', 'free ', 'reserve', 'other programs', 'excluded', 'offline', 'online', 'threshold', 'quality', 'taken by', 'reachable', 'planned', 'nothing yet', 'no plan', 'since', 'Hosts', 'Events', 'Alerts', 'utilization', 'temperature', 'power', 'live', 'this node', 'Not placed', 'see Plan']
  const FRENCH = ['poste', 'avertissement', 'non placé', 'nécessite', 'libre', 'réserve', 'autres programmes', 'hors ligne', 'en ligne', 'seuil', 'qualité', 'prise par', 'joignable', 'prévu', 'rien pour', 'depuis', 'Machines', 'Événements', 'Alertes', 'utilisation', 'température', 'puissance', 'en direct', 'ce nœud', 'voir le Plan']
  const OPERATOR_TEXT = /CUDA build of the backend has no sm_120 kernels/g

  it.each([['fr', 1280], ['fr', 390], ['en', 1280], ['en', 390]] as const)('speaks only %s at %i px: no other language, no horizontal scroll, charts with axes, a VRAM legend, planned models in the bar', async (lang, width) => {
    await fleet.waitFor(fleet.nodes, s => s.hosts.filter(h => h.online !== false).length === 3 && s.plan !== null && s.alerts.length > 0, 'three hosts online, a plan and its alerts', 30_000)
    const page = await browser.newPage({ viewport: { width, height: 900 }, locale: lang === 'fr' ? 'fr-FR' : 'en-GB' })
    const errors: string[] = []
    page.on('pageerror', err => { errors.push(err.message) })
    try {
      await page.addInitScript(`localStorage.setItem('gpufleet.lang', '${lang}')`)
      // A follower's page: the leader's GPUs reach it by gossip, with their readings' history.
      await page.goto(`${fleet.nodes[2]!.api}/`)
      await page.locator('[data-testid="connection"].conn-connected').waitFor({ timeout: 10_000 })
      await expect.poll(async () => await page.locator('article.host[data-online="true"]').count(), { timeout: 10_000 }).toBe(3)
      await page.locator('[data-testid="assignments"] tbody tr').first().waitFor({ timeout: 10_000 })
      await page.locator('[data-alert]').first().waitFor({ state: 'attached', timeout: 10_000 })
      expect(await page.evaluate('document.documentElement.lang')).toBe(lang)

      const text = (await page.evaluate('document.body.innerText') as string).replace(OPERATOR_TEXT, '')
      for (const word of lang === 'fr' ? ENGLISH : FRENCH) expect(text, `"${word}" in the ${lang} page`).not.toContain(word)
      expect(await page.locator('[data-testid="brand"]').textContent()).not.toMatch(/gpufleet\s+gpufleet/)

      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as number
      expect(overflow, 'horizontal scroll').toBeLessThanOrEqual(0)

      // Charts: each with a title, value ticks and time labels on its axes.
      const ai01 = page.locator('article.host[data-host="myia-ai-01"] .gpu[data-gpu="1"]')
      const charts = ai01.locator('svg[data-testid="chart"]')
      expect(await charts.count()).toBe(4)
      await expect.poll(async () => await ai01.locator('text.axis-y').count(), { timeout: 10_000 }).toBe(12)
      for (let i = 0; i < 4; i++) {
        const c = charts.nth(i)
        expect(await c.locator('text.axis-title').count()).toBe(1)
        expect(await c.locator('text.axis-y').count()).toBe(3)
        expect(await c.locator('text.axis-x').count()).toBe(2)
      }
      expect(await ai01.locator('text.axis-title').allTextContents()).toEqual(lang === 'fr'
        ? ['VRAM utilisée', 'utilisation (%)', 'température (°C)', 'puissance (W)']
        : ['VRAM used', 'utilization (%)', 'temperature (°C)', 'power (W)'])
      expect((await ai01.locator('svg[data-testid="chart"]').nth(3).locator('text.axis-latest').textContent())?.replace(/\u00a0/g, ' ')).toBe(lang === 'fr' ? '29,9 W' : '29.9 W')

      // The VRAM bar and its legend: the plan's models show as planned before Ollama loads them.
      const legend = ai01.locator('[data-testid="vram-legend"]')
      expect(await legend.locator('li[data-part]').count()).toBe(5)
      const plannedWidth = (await ai01.locator('.vram .planned').boundingBox())?.width ?? 0
      expect(plannedWidth).toBeGreaterThan(0)
      expect(await legend.locator('li[data-part="planned"]').textContent()).toMatch(lang === 'fr' ? /prévu, pas encore chargé \d/ : /planned, not loaded yet \d/)

      // Informational alerts fold into one line per rule; the Events panel is filled on connect.
      expect(await page.locator('ul.alerts[data-severity="info"] > li').count()).toBeLessThanOrEqual(await page.locator('[data-alert]').count())
      expect(await page.locator('[data-testid="events"] li').count()).toBeGreaterThan(0)
      expect(await page.locator('[data-testid="ollama"]').count()).toBe(3)
      mkdirSync(artifacts, { recursive: true })
      await page.screenshot({ path: join(artifacts, `dashboard-${lang}-${width}.png`), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  }, 60_000)

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
