import { defineConfig } from 'tsup';

const common = { format: ['esm', 'cjs'] as ('esm' | 'cjs')[], target: 'node20' as const };

export default defineConfig([
  // `schemas` is the `./schemas` entry (the zod-typed schemas); in ESM it shares its chunks,
  // and so its schema objects, with the index.
  {
    ...common,
    entry: { index: 'src/index.ts', schemas: 'src/schemas/zod.ts' },
    dts: false,
    sourcemap: true,
    clean: false,
  },
  // Declarations, one bundle per entry: built together, the two entries would share a
  // declaration chunk that imports zod, and the index's declarations must not load zod's.
  { ...common, entry: { index: 'src/index.ts' }, dts: { only: true }, clean: false },
  { ...common, entry: { schemas: 'src/schemas/zod.ts' }, dts: { only: true }, clean: false },
]);
