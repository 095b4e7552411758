// Builds the installable `gpufleet` package from the workspace's compiled output (run `pnpm -s build`
// first): the CLI and the workspace packages it imports bundled into dist/cli/ by rolldown (what Vite
// bundles with), every npm package left external and declared in package.json (classic-level keeps its
// prebuilt binaries), the dashboard's files in dist/dashboard, the shipped configs in configs/, and
// dist/bin.js, the launcher npm links as `gpufleet`.
// The layout mirrors packages/cli/dist, so the CLI's own relative lookups hold: dist/cli/../bin.js is
// the launcher, dist/cli/../../configs the configs, dist/cli/../dashboard the dashboard.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rolldown } from 'rolldown'

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const repo = join(pkgDir, '../..')
const cliEntry = join(repo, 'packages/cli/dist/bin.js')
const dashboard = join(repo, 'packages/dashboard/dist')
const fail = msg => { process.stderr.write(`build-package: ${msg}\n`); process.exit(1) }

for (const needed of [cliEntry, join(dashboard, 'index.html')]) {
  if (!existsSync(needed)) fail(`${needed} is missing: run \`pnpm -s build\` at the repository root first`)
}
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})])
const builtins = new Set([...builtinModules, ...builtinModules.map(m => `node:${m}`)])
const packageName = id => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0])

const dist = join(pkgDir, 'dist')
rmSync(dist, { recursive: true, force: true })
rmSync(join(pkgDir, 'configs'), { recursive: true, force: true })

const undeclared = new Set()
const bundle = await rolldown({
  input: { gpufleet: cliEntry },
  platform: 'node',
  // Bundle our own code (relative files and @gpufleet/*); every other package is installed by npm.
  external: id => {
    if (id.startsWith('.') || isAbsolute(id) || id.startsWith('@gpufleet/')) return false
    if (!builtins.has(id) && !declared.has(packageName(id))) undeclared.add(packageName(id))
    return true
  },
  logLevel: 'warn'
})
await bundle.write({ dir: join(dist, 'cli'), format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: false })
await bundle.close()
if (undeclared.size > 0) fail(`imported but not in package.json dependencies: ${[...undeclared].join(', ')}`)

cpSync(dashboard, join(dist, 'dashboard'), { recursive: true })
// The shipped configs, without the GPU spec documents a local run may have written beside them.
cpSync(join(repo, 'configs'), join(pkgDir, 'configs'), { recursive: true, filter: src => !src.endsWith('GPU_SPECS.md') })

const { AGENT_NODE_FLAGS } = await import(join(repo, 'packages/agent/dist/index.js'))
writeFileSync(join(dist, 'node-flags.js'), `// The agent's V8 flags (from @gpufleet/agent), written by scripts/build-package.mjs.\nexport const AGENT_NODE_FLAGS = ${JSON.stringify(AGENT_NODE_FLAGS)}\n`)
cpSync(join(pkgDir, 'src/launcher.js'), join(dist, 'bin.js'))
process.stdout.write(`build-package: ${join(pkgDir, 'dist')} ready (gpufleet ${pkg.version})\n`)
