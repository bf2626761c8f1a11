import { defineConfig } from 'tsup';

export default defineConfig({
  // bin/vigil.js runs the process entry, which loads each command (and the SDK) only when it runs.
  entry: { index: 'src/index.ts', process: 'src/run-process.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
