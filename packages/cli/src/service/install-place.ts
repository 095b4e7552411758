import { InvalidInputError } from '@gpufleet/core'
import type { ServiceSpec } from './spec.js'

/**
 * The service account cannot reach the files the service would run: installing would leave a unit
 * that crash-loops on "Cannot find module". Refused before anything is written.
 */
export class InstallPlaceError extends InvalidInputError {
  static override readonly NAME = 'InstallPlaceError'
  override name = InstallPlaceError.NAME
}

/** What the check needs of a path: its real path and its mode bits (null when it does not exist). */
export interface PlaceFs {
  realpath: (path: string) => string
  mode: (path: string) => number | null
}

/** Folders systemd replaces by private ones for a unit with PrivateTmp=yes. */
const PRIVATE_TMP = ['/tmp', '/var/tmp']

function ancestors (path: string): string[] {
  const parts = path.split('/').filter(p => p !== '')
  return parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))
}

/**
 * Why the dedicated account of a Linux system service cannot run `spec`, or null when it can. The
 * account owns nothing but the node's folder (chowned at install), so it reads through the "other"
 * permission bits: every folder on the way must let others in (x), the files let them read (r), and
 * node be executable. Files under /tmp or /var/tmp are hidden from the unit by PrivateTmp=yes.
 */
export function unreachableReason (spec: ServiceSpec, fs: PlaceFs): string | null {
  if (spec.platform !== 'linux' || spec.runAs === null) return null
  const files: Array<{ path: string, need: number, what: string }> = [
    { path: spec.node, need: 0o005, what: 'node' },
    { path: spec.script, need: 0o004, what: 'the gpufleet program' }
  ]
  const configs = spec.args.filter((_, i) => spec.args[i - 1] === '--config')
  for (const c of configs) files.push({ path: c, need: 0o004, what: 'the config' })
  for (const f of files) {
    const real = fs.realpath(f.path)
    const tmp = PRIVATE_TMP.find(t => real === t || real.startsWith(`${t}/`))
    if (tmp !== undefined) return `${f.what} (${real}) is under ${tmp}, which systemd hides from the service (PrivateTmp=yes)`
    // The node's own folder becomes the account's at install; what is inside it needs no other bits.
    const owned = real.startsWith(`${spec.workingDirectory}/`)
    for (const dir of ancestors(real).slice(0, -1)) {
      if (owned && (dir === spec.workingDirectory || dir.startsWith(`${spec.workingDirectory}/`))) continue
      const mode = fs.mode(dir)
      if (mode !== null && (mode & 0o001) === 0) return `the ${spec.runAs} account cannot reach ${f.what} (${real}): ${dir} is mode ${(mode & 0o777).toString(8).padStart(4, '0')}`
    }
    const mode = fs.mode(real)
    if (mode === null) return `${f.what} (${real}) does not exist`
    if (!owned && (mode & f.need) !== f.need) return `the ${spec.runAs} account cannot ${f.need & 0o001 ? 'run' : 'read'} ${f.what} (${real}): it is mode ${(mode & 0o777).toString(8).padStart(4, '0')}`
  }
  return null
}

/** The one-line refusal: why, and what to do instead. */
export function installPlaceError (reason: string): InstallPlaceError {
  return new InstallPlaceError(`service install: ${reason}; install gpufleet where every account can read it (\`sudo npm install -g gpufleet\` puts it under /usr/local/lib/node_modules), keep the node's config in /etc/gpufleet, and run \`sudo gpufleet service install\` again — or install a per-user service with --user`)
}
