import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { estimateMemory } from '@gpufleet/core'
import { shapeFromGgufFile, shapeFromOllama } from '../src/index.js'
import { ggufHeader, tensorBytes } from './gguf-writer.js'

const dir = mkdtempSync(join(tmpdir(), 'gpufleet-gguf-'))
// Llama 3 8B's real metadata keys and values (as `ollama show --verbose` prints them).
const LLAMA3_8B = {
  'general.architecture': 'llama', 'general.name': 'Meta Llama 3 8B Instruct', 'general.file_type': 15, 'general.parameter_count': 8030261248n,
  'llama.block_count': 32, 'llama.context_length': 8192, 'llama.embedding_length': 4096, 'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8,
  'llama.rope.freq_base': 500000.0, 'llama.vocab_size': 128256
}

describe('model shape from a GGUF header', () => {
  it('reads architecture, parameter count and quantization (file_type 15 = Q4_K_M)', async () => {
    const file = join(dir, 'llama3.gguf')
    writeFileSync(file, ggufHeader(LLAMA3_8B))
    const shape = await shapeFromGgufFile(file)
    expect(shape).toMatchObject({ params: 8030261248, quantization: 'Q4_K_M', contextLength: 8192, architecture: { layers: 32, kvHeads: 8, heads: 32, headDim: 128, embeddingLength: 4096 } })
    expect(estimateMemory(shape).kvCacheBytes).toBe(1024 ** 3)
  })

  it('counts parameters from the tensor table when the metadata lacks them, and sees MoE experts', async () => {
    const { 'general.parameter_count': _drop, ...noCount } = LLAMA3_8B
    const file = join(dir, 'moe.gguf')
    const tensors = [
      { name: 'token_embd.weight', dims: [4096, 32000], type: 2 },
      { name: 'blk.0.ffn_up_exps.weight', dims: [4096, 14336, 8], type: 2 }
    ]
    const header = ggufHeader({ ...noCount, 'llama.expert_count': 8, 'llama.expert_used_count': 2 }, tensors)
    writeFileSync(file, header)
    // Room for the weights the table declares (aligned data section, Q4_0 blocks), as a sparse file: no disk is used.
    truncateSync(file, Number((BigInt(header.length) + 31n) / 32n * 32n + tensors.reduce((n, t) => n + tensorBytes(t.dims, t.type) + 31n, 0n)))
    const shape = await shapeFromGgufFile(file)
    expect(shape.params).toBe(4096 * 32000 + 4096 * 14336 * 8)
    expect(shape.activeParams).toBeLessThan(shape.params * 0.6)
  })

  it('refuses a file that is not GGUF with a typed, one-line error', async () => {
    const file = join(dir, 'not.gguf')
    writeFileSync(file, 'PK\u0003\u0004 definitely a zip')
    await expect(shapeFromGgufFile(file)).rejects.toMatchObject({ name: 'ModelMetadataError', exitCode: 2 })
  })
})

describe('model shape from Ollama /api/show', () => {
  let server: Server
  let host: string
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        res.setHeader('content-type', 'application/json; charset=utf-8')
        const asked = (JSON.parse(body || '{}') as { model?: string }).model
        if (req.url === '/api/show' && asked === 'llama3:8b') {
          res.end(JSON.stringify({
            modelfile: '# Modelfile', parameters: 'stop "<|eot_id|>"', template: '{{ .Prompt }}',
            details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '8.0B', quantization_level: 'Q4_0' },
            model_info: { ...LLAMA3_8B, 'general.parameter_count': 8030261248, 'general.file_type': 2 },
            modified_at: '2026-10-01T10:00:00.000+02:00', capabilities: ['completion']
          }))
        } else {
          res.statusCode = 404
          res.end(JSON.stringify({ error: `model '${asked ?? ''}' not found` }))
        }
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => { await new Promise(resolve => server.close(resolve)) })

  it('reads model_info and the quantization level', async () => {
    expect(await shapeFromOllama('llama3:8b', { host })).toMatchObject({ params: 8030261248, quantization: 'Q4_0', architecture: { layers: 32, kvHeads: 8 } })
  })

  it('says which model Ollama does not have', async () => {
    await expect(shapeFromOllama('nope:1b', { host })).rejects.toThrow(/ollama show nope:1b: model 'nope:1b' not found/)
  })
})
