import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2'
}

/**
 * Where the built dashboard lives, or null when it is not built: packages/dashboard/dist in the
 * workspace; dist/dashboard beside the bundled code in the installed `gpufleet` package.
 */
export function findDashboardDir (): string | null {
  const installed = fileURLToPath(new URL('../dashboard', import.meta.url))
  if (existsSync(join(installed, 'index.html'))) return installed
  try {
    const pkg = createRequire(import.meta.url).resolve('@gpufleet/dashboard/package.json')
    const dist = join(dirname(pkg), 'dist')
    return existsSync(join(dist, 'index.html')) ? dist : null
  } catch {
    return null
  }
}

export interface StaticFile { status: number, type: string, body: Buffer | string, cache: string }

/**
 * The dashboard's files. They hold no fleet data (that comes over /api and /ws, behind the
 * token), so they are served without it: the page must load to ask for the token.
 * Paths are resolved inside `root` only; Vite's hashed assets are cached for good.
 */
export class StaticFiles {
  private readonly cache = new Map<string, Buffer>()

  constructor (private readonly root: string | null) {}

  /** True for the paths this serves: `/`, `/index.html`, `/assets/…`, and top-level files with an extension. */
  static handles (pathname: string): boolean {
    return pathname === '/' || pathname.startsWith('/assets/') || /^\/[\w.-]+\.\w+$/.test(pathname)
  }

  async get (pathname: string): Promise<StaticFile> {
    if (this.root === null) {
      return { status: 503, type: 'text/plain; charset=utf-8', body: 'the dashboard is not built: run `pnpm build` (the API under /api works without it)\n', cache: 'no-store' }
    }
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1))
    const file = normalize(join(this.root, rel))
    const notFound: StaticFile = { status: 404, type: 'text/plain; charset=utf-8', body: `no file ${pathname}\n`, cache: 'no-store' }
    if (!file.startsWith(this.root + sep)) return notFound
    let body = this.cache.get(file)
    if (body === undefined) {
      try {
        body = await readFile(file)
      } catch {
        return notFound
      }
      this.cache.set(file, body)
    }
    const immutable = rel.startsWith('assets/')
    return { status: 200, type: TYPES[extname(file)] ?? 'application/octet-stream', body, cache: immutable ? 'public, max-age=31536000, immutable' : 'no-cache' }
  }
}
