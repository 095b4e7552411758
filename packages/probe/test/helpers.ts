import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const fixtures = join(import.meta.dirname, 'fixtures')
export const fakeNvidiaSmi = join(fixtures, 'bin', 'nvidia-smi')
export const nvidiaFixture = (name: string): string => join(fixtures, 'nvidia-smi', name)
export const readFixture = (...parts: string[]): string => readFileSync(join(fixtures, ...parts), 'utf8')
export const readJsonFixture = <T>(...parts: string[]): T => JSON.parse(readFixture(...parts)) as T
