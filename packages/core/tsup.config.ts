import { defineConfig } from 'tsup';

const common = { format: ['esm', 'cjs'] as ('esm' | 'cjs')[], target: 'node20' as const, shims: true };

export default defineConfig([
  {
    ...common,
    // `schemas` is the `@vigil/core/schemas` entry (the zod-typed schemas); in ESM it shares its
    // chunks, and so its schema objects, with the index.
    // The YAML worker is its own file: worker threads load it by path (dist/yaml-worker.js).
    entry: {
      index: 'src/index.ts',
      schemas: 'src/schemas/zod.ts',
      'yaml-worker': 'src/readers/yaml-worker.ts',
    },
    dts: false,
    sourcemap: true,
    // import.meta.url (the YAML worker's path; createRequire for better-sqlite3 and kubernetes-models) in both formats.
    clean: false,
  },
  // Declarations, one bundle per entry: built together, the two entries would share a
  // declaration chunk that imports zod, and the index's declarations must not load zod's.
  {
    ...common,
    entry: { index: 'src/index.ts', 'yaml-worker': 'src/readers/yaml-worker.ts' },
    dts: { only: true },
    clean: false,
  },
  { ...common, entry: { schemas: 'src/schemas/zod.ts' }, dts: { only: true }, clean: false },
]);
