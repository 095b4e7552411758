import { defineConfig } from 'vite'

// Static files only, no CDN: the page must work on a LAN with no internet.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, reportCompressedSize: false }
})
