import { defineConfig } from 'vitest/config';

// Tests resolve workspace packages to their TypeScript sources through the
// "@vigil/source" export condition, so no build is needed before `vitest run`.
const conditions = ['@vigil/source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['./scripts/vitest/fast-check-seed.ts'],
    reporters: ['default', './scripts/vitest/summary-reporter.ts'],
  },
});
