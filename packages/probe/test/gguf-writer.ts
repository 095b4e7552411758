/**
 * Writes a GGUF v3 header (metadata + tensor table, no weights) exactly as the format's spec
 * lays it out, tensor offsets included, so the real parser reads a file we made without any model download.
 */
type Value = string | number | bigint | boolean

const UINT32 = 4
const FLOAT32 = 6
const BOOL = 7
const STRING = 8
const UINT64 = 10

/** ggml's block layout per tensor type (ggml.c type_traits): elements per block, bytes per block. */
const GGML_BLOCKS: Record<number, [elements: number, bytes: number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  30: [1, 2] // BF16
}
/** general.alignment's default: every tensor's data starts on a multiple of it. */
const ALIGNMENT = 32n

/** Bytes a tensor's data takes: rows are whole blocks, as ggml stores them. */
export function tensorBytes (dims: number[], type: number): bigint {
  const block = GGML_BLOCKS[type]
  if (block === undefined) throw new Error(`gguf-writer: no block size for ggml type ${type}`)
  const [elements, bytes] = block
  if (dims[0]! % elements !== 0) throw new Error(`gguf-writer: a row of ${dims[0]} elements is not whole blocks of ${elements}`)
  return dims.reduce((n, d) => n * BigInt(d), 1n) / BigInt(elements) * BigInt(bytes)
}

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
  // Offsets are relative to the start of the data section, each one after the previous tensor's
  // data, rounded up to the alignment (as llama.cpp's gguf writer lays them out).
  let offset = 0n
  for (const t of tensors) {
    str(t.name)
    u32(t.dims.length)
    for (const d of t.dims) u64(d)
    u32(t.type)
    u64(offset)
    offset += tensorBytes(t.dims, t.type)
    offset = (offset + ALIGNMENT - 1n) / ALIGNMENT * ALIGNMENT
  }
  return Buffer.concat(parts)
}
