import { defineConfig } from 'tsup';

export default defineConfig({
  // The YAML worker is its own file: worker threads load it by path (dist/yaml-worker.js).
  entry: { index: 'src/index.ts', 'yaml-worker': 'src/limits/internal/yaml-worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url (the YAML worker's path; createRequire for better-sqlite3 and kubernetes-models) in both formats.
  shims: true,
});
