import type { Alert } from '../alerts/schema.js'

/**
 * A short digest of an alert list (FNV-1a, 32 bits, over its JSON): the leader's beat carries it,
 * and a follower whose adopted list digests differently pulls the list from the leader. Not a
 * security measure — the list itself is signed — only a cheap way to notice a missed update.
 */
export function alertsDigest (alerts: readonly Alert[]): string {
  const text = JSON.stringify(alerts)
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}
