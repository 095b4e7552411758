import { defineConfig } from 'vitest/config'

// `pnpm test:faults`: the fault matrix in network namespaces (root, ip, iptables). One case at a
// time: each starts five agents and owns its namespaces.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    maxWorkers: 1,
    fileParallelism: false,
    setupFiles: ['test/setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000
  }
})
