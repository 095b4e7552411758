/**
 * Writes a GGUF v3 header (metadata + tensor table, no weights) exactly as the format's spec
 * lays it out, so the real parser reads a file we made without any model download.
 */
type Value = string | number | bigint | boolean

const UINT32 = 4
const FLOAT32 = 6
const BOOL = 7
const STRING = 8
const UINT64 = 10

export function ggufHeader (metadata: Record<string, Value>, tensors: Array<{ name: string, dims: number[], type: number }> = []): Buffer {
  const parts: Buffer[] = []
  const u32 = (n: number): void => { const b = Buffer.alloc(4); b.writeUInt32LE(n); parts.push(b) }
  const u64 = (n: number | bigint): void => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); parts.push(b) }
  const str = (s: string): void => { const raw = Buffer.from(s, 'utf8'); u64(raw.length); parts.push(raw) }
  parts.push(Buffer.from('GGUF', 'ascii'))
  u32(3)
  u64(tensors.length)
  u64(Object.keys(metadata).length)
  for (const [key, value] of Object.entries(metadata)) {
    str(key)
    if (typeof value === 'string') { u32(STRING); str(value) } else if (typeof value === 'boolean') { u32(BOOL); parts.push(Buffer.from([value ? 1 : 0])) } else if (typeof value === 'bigint') { u32(UINT64); u64(value) } else if (Number.isInteger(value)) { u32(UINT32); u32(value) } else { u32(FLOAT32); const b = Buffer.alloc(4); b.writeFloatLE(value); parts.push(b) }
  }
  let offset = 0n
  for (const t of tensors) {
    str(t.name)
    u32(t.dims.length)
    for (const d of t.dims) u64(d)
    u32(t.type)
    u64(offset)
    offset += 32n
  }
  return Buffer.concat(parts)
}
