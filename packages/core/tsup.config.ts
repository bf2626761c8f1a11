import { defineConfig } from 'tsup';

export default defineConfig({
  // The YAML worker is its own file: worker threads load it by path (dist/yaml-worker.js).
  entry: { index: 'src/index.ts', 'yaml-worker': 'src/limits/internal/yaml-worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url (the worker's path, better-sqlite3's require) in the CommonJS build too.
  shims: true,
});
