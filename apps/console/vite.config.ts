import { defineConfig } from 'vite';

// React without a Vite plugin: esbuild compiles TSX with the automatic runtime; there is no dev
// server in the product (the coordinator serves dist/), so no fast refresh is needed.
export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Everything inline would need 'unsafe-inline' in the CSP: no inlined scripts or data: fonts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // The charts' chunk (Vega, ~280 kB gzipped) loads on demand from the Results page.
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      // TanStack Query marks its modules "use client" for React Server Components; meaningless in a plain SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
