import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'

const encoder = new TextEncoder()

/** Adds the author's signature over the message's JSON (see signingText in core). */
export async function signMessage<T extends object> (key: PrivateKey, message: T): Promise<{ message: T & { signature: string }, text: string }> {
  const signature = Buffer.from(await key.sign(encoder.encode(JSON.stringify(message)))).toString('base64')
  const signed = { ...message, signature }
  return { message: signed, text: JSON.stringify(signed) }
}

/** True when `signature` is the author's (the peer id embeds its Ed25519 public key). */
export async function verifyAuthor (peerId: string, signedText: string, signature: string): Promise<boolean> {
  try {
    const key = peerIdFromString(peerId).publicKey
    if (key === undefined) return false
    return await key.verify(encoder.encode(signedText), Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}
