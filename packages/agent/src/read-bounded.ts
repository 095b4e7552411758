/** A chunk as node streams (Buffer) and libp2p streams (Uint8Array or Uint8ArrayList) yield it. */
type Chunk = Uint8Array | { subarray: () => Uint8Array }

/**
 * Reads a stream to its end, or stops at `limit` bytes and returns null (the caller answers
 * "too large" its own way): an HTTP body, a sync request or a sync response.
 */
export async function readBounded (source: AsyncIterable<Chunk>, limit: number): Promise<Buffer | null> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of source) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    size += bytes.byteLength
    if (size > limit) return null
    chunks.push(bytes)
  }
  return Buffer.concat(chunks)
}
