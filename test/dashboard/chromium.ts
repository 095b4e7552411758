import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's chromium (.ci/run installs it); GPUFLEET_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.GPUFLEET_CHROMIUM ?? '/usr/bin/chromium'
/** Why the browser test cannot run here, or null when chromium is there. */
export const chromiumMissing = existsSync(CHROMIUM) ? null : `no chromium at ${CHROMIUM} (.ci/run installs Debian's chromium; GPUFLEET_CHROMIUM names another)`

/** Headless, no sandbox (CI runs as root), and no background traffic to Google's hosts. */
export async function launchChromium (): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  })
}
