import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The host application provides the rule API; the pack must not bundle its own copy.
  external: ['@vigil/rules', '@vigil/core'],
});
