// Builds the console into dist/console (served by the ADMF, src/api/console-static.ts); no plugin: the
// bundler's own TSX transform with React's automatic runtime.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: resolve(import.meta.dirname, '..', 'dist', 'console'),
    emptyOutDir: true,
    sourcemap: false,
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
