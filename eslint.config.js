// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// packages/core is the pure domain: it must never reach the network, the disk or the OS.
const coreForbidden = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'libp2p', '@libp2p/*',
  '@chainsafe/*', 'level', 'classic-level', 'ws', 'systeminformation', 'ollama', 'pino', 'undici', '@gpufleet/probe', '@gpufleet/agent', 'gpufleet']

// The agent runs for months: ICU's data, paged in by Intl and the toLocale*/localeCompare methods,
// would stay resident in it (decision 47). core's byName and formatNumber do the same jobs.
const icuMessage = 'no ICU in the agent (decision 47): use byName / formatNumber from @gpufleet/core'
const noIcuProperties = ['error', ...['localeCompare', 'toLocaleString', 'toLocaleDateString', 'toLocaleTimeString'].map(property => ({ property, message: icuMessage }))]
const noIntl = { name: 'Intl', message: icuMessage }

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.cache/**', 'coverage/**', 'packages/dashboard/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error'
    }
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: coreForbidden, message: 'packages/core is pure: no I/O imports (see docs/STYLE)' }] }],
      'no-restricted-globals': ['error', 'process', 'fetch', 'setTimeout', 'setInterval', 'require', noIntl],
      'no-restricted-properties': noIcuProperties
    }
  },
  {
    files: ['packages/agent/src/**/*.ts', 'packages/probe/src/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', noIntl], 'no-restricted-properties': noIcuProperties }
  },
  {
    files: ['packages/probe/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@gpufleet/agent', 'gpufleet', '@gpufleet/cli'], message: 'imports run one way: core ← probe ← agent ← cli' }] }] }
  },
  {
    files: ['scripts/**', 'test/**', 'packages/*/test/**'],
    rules: { 'no-console': 'off' }
  }
)
