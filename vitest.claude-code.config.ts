import { defineConfig } from 'vitest/config'

// `pnpm test:claude-code`: Claude Code itself (GPUFLEET_CLAUDE_BIN) against an agent. Not in CI: its binary is ~245 MB.
export default defineConfig({
  test: {
    include: ['test/claude-code/**/*.test.ts'],
    maxWorkers: 1,
    setupFiles: ['test/setup.ts'],
    testTimeout: 150_000,
    hookTimeout: 60_000
  }
})
