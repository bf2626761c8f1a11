import { readFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

// The shipped advisory set (1.2 MB of JSON) goes into the bundle as one string, parsed by
// `shippedAdvisories()` on first use (`src/scanners/advisories/shipped.ts`), not as an object
// literal nor parsed at import: V8 scans a string far faster than it parses and builds a literal of
// that size, and every program that imports the package (`vigil check` included, which never reads
// an advisory) would otherwise pay for the parse at start-up and keep the parsed set in its heap.
const jsonAsString: Plugin = {
  name: 'json-as-string',
  setup(build) {
    build.onLoad({ filter: /[\\/]data[\\/]advisories[\\/][^\\/]+\.json$/ }, async (args) => {
      const text = JSON.stringify(JSON.parse(await readFile(args.path, 'utf8')));
      return { contents: `export default ${JSON.stringify(text)};`, loader: 'js' };
    });
  },
};

const common = {
  format: ['esm', 'cjs'] as ('esm' | 'cjs')[],
  target: 'node20' as const,
  esbuildPlugins: [jsonAsString],
};

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
