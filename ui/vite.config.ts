import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The built files in dist/ are embedded into the Go binary (see embed.go) and
// committed, so the build must be reproducible: file names only carry content
// hashes, and nothing time- or machine-dependent goes into the output.
export default defineConfig({
  plugins: [svelte({ configFile: false })],
  // Absolute base: the server answers deep paths such as /setup/{token} with
  // index.html, so assets must not be resolved relative to the current path.
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // Everything ships as one script file; no preload helper is needed.
    modulePreload: { polyfill: false },
    // Never turn small assets into data: URLs inside CSS or JS.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8090',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    // the tests run in Node, which would pick tus-js-client's Node build (files and streams); the page gets its
    // browser build (Blobs), and so do the tests
    alias: [{ find: /^tus-js-client$/, replacement: 'tus-js-client/lib.esm/browser/index.js' }],
  },
});
