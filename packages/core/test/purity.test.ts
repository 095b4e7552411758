import { ESLint } from 'eslint'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')

describe('packages/core stays pure', () => {
  it('the lint rule rejects I/O imports in core and allows them in probe', async () => {
    const eslint = new ESLint({ cwd: root })
    const code = "import { readFileSync } from 'node:fs'\nimport si from 'systeminformation'\nexport const x = [readFileSync, si]\n"
    const [core] = await eslint.lintText(code, { filePath: join(root, 'packages/core/src/sneaky.ts') })
    const [probe] = await eslint.lintText(code, { filePath: join(root, 'packages/probe/src/fine.ts') })
    expect(core?.messages.filter(m => m.ruleId === 'no-restricted-imports')).toHaveLength(2)
    expect(probe?.messages.filter(m => m.ruleId === 'no-restricted-imports')).toHaveLength(0)
  })
})
