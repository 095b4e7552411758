// Writes docs/schemas/<kind>.schema.json from the zod schemas in packages/core (run after `pnpm build`).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { documentJsonSchema, documentSchemas } from '../packages/core/dist/index.js'

const dir = join(import.meta.dirname, '../docs/schemas')
mkdirSync(dir, { recursive: true })
for (const kind of Object.keys(documentSchemas)) {
  writeFileSync(join(dir, `${kind}.schema.json`), `${JSON.stringify(documentJsonSchema(kind), null, 2)}\n`)
  console.log(`docs/schemas/${kind}.schema.json`)
}
