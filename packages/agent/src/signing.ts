import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'

const encoder = new TextEncoder()

/**
 * Ed25519 keys as node:crypto KeyObjects, made once: @libp2p/crypto re-imports a key from JWK on
 * every sign and verify. Private keys are cached per libp2p key object; public keys per peer id,
 * at most PUBLIC_KEYS_KEPT (the oldest go first), so a flood of forged ids cannot grow it.
 */
const privateKeys = new WeakMap<PrivateKey, KeyObject>()
const publicKeys = new Map<string, KeyObject | null>()
const PUBLIC_KEYS_KEPT = 4096

function privateKeyObject (key: PrivateKey): KeyObject {
  let object = privateKeys.get(key)
  if (object === undefined) {
    const raw = key.raw
    object = createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(raw.subarray(0, 32)).toString('base64url'), x: Buffer.from(key.publicKey.raw).toString('base64url') } })
    privateKeys.set(key, object)
  }
  return object
}

/** The Ed25519 public key a peer id embeds; null when it embeds none (or is not a peer id). */
function publicKeyObject (peerId: string): KeyObject | null {
  const cached = publicKeys.get(peerId)
  if (cached !== undefined) return cached
  let object: KeyObject | null = null
  try {
    const key = peerIdFromString(peerId).publicKey
    if (key?.type === 'Ed25519') object = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.raw).toString('base64url') } })
  } catch { /* not a peer id: no key */ }
  if (publicKeys.size >= PUBLIC_KEYS_KEPT) publicKeys.delete(publicKeys.keys().next().value!)
  publicKeys.set(peerId, object)
  return object
}

/** Adds the author's signature over the message's JSON (see signingText in core). */
export async function signMessage<T extends object> (key: PrivateKey, message: T): Promise<{ message: T & { signature: string }, text: string }> {
  const signature = key.type === 'Ed25519'
    ? sign(null, encoder.encode(JSON.stringify(message)), privateKeyObject(key)).toString('base64')
    : Buffer.from(await key.sign(encoder.encode(JSON.stringify(message)))).toString('base64')
  const signed = { ...message, signature }
  return { message: signed, text: JSON.stringify(signed) }
}

/** True when `signature` is the author's (the peer id embeds its Ed25519 public key). */
export async function verifyAuthor (peerId: string, signedText: string, signature: string): Promise<boolean> {
  const key = publicKeyObject(peerId)
  if (key === null) return false
  try {
    return verify(null, encoder.encode(signedText), key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}
