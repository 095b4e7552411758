import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The fault matrix needs root and network namespaces: `pnpm test:faults`.
    exclude: ['test/faults/**', 'test/claude-code/**', '**/node_modules/**'],
    // Multi-process cluster tests spawn real agents; on a 2-core machine keep parallelism modest.
    maxWorkers: 2,
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000
  }
})
