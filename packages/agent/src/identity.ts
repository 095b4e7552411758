import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { generateKey } from '@libp2p/pnet'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { KeyFileError } from './errors.js'

/** Creates an Ed25519 identity key file (mode 0600) unless one exists; returns the key. */
export async function loadOrCreateIdentity (path: string): Promise<PrivateKey> {
  if (existsSync(path)) return await loadIdentity(path)
  const key = await generateKeyPair('Ed25519')
  await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600 })
  return key
}

export async function loadIdentity (path: string): Promise<PrivateKey> {
  let bytes: Uint8Array
  try { bytes = await readFile(path) } catch (err) { throw new KeyFileError(`${path}: cannot read the identity key (${(err as NodeJS.ErrnoException).code ?? String(err)})`) }
  try { return privateKeyFromProtobuf(bytes) } catch { throw new KeyFileError(`${path}: not a libp2p private key`) }
}

export function peerIdOf (key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString()
}

/** Creates a libp2p private-network key (the 95-byte "/key/swarm/psk/1.0.0/" file), mode 0600. */
export async function createSwarmKey (path: string): Promise<void> {
  const key = new Uint8Array(95)
  generateKey(key)
  await writeFile(path, key, { mode: 0o600 })
}

export async function loadSwarmKey (path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try { bytes = await readFile(path) } catch (err) { throw new KeyFileError(`${path}: cannot read the swarm key (${(err as NodeJS.ErrnoException).code ?? String(err)})`) }
  if (!new TextDecoder().decode(bytes.subarray(0, 21)).startsWith('/key/swarm/psk/1.0.0/')) throw new KeyFileError(`${path}: not a libp2p swarm key (expected a /key/swarm/psk/1.0.0/ header)`)
  return bytes
}
