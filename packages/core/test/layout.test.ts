import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering of core's top-level folders (docs/index.md, "Layout of `@vigil/core`"): a folder
// imports only folders of lower layers. Lowest first.
const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'vocabulary'],
  ['limits', 'output'],
  ['readers'],
  ['catalogue', 'rag'],
  ['mcp', 'workload'],
  ['events'],
  ['findings', 'otel', 'payload'],
  ['stream'],
  ['attribution', 'baseline', 'capture', 'incidents'],
  ['aibom', 'permissions'],
  ['data-access', 'enforcement', 'risk', 'source'],
  ['pipeline', 'posture'],
  ['app', 'response'],
  // The zod-typed and VigilSchema-typed lists of every schema: assembled from every folder, like index.ts.
  ['schemas'],
];

// Modules that import nothing, so any layer may import them: the structural schema types that
// declarations use in place of zod's, and the lazy construction every schema module uses.
const LEAF_MODULES: readonly string[] = ['schemas/vigil-schema', 'schemas/lazy'];

// Imports against the layering, each a debt to pay off, never a pattern (none today): the test
// fails when one of them is gone, so this list only shrinks.
const UPWARD_EXCEPTIONS: readonly string[] = [];

// Modules under another folder's internal/ imported from outside it (none today): a helper two
// folders share sits at the top level of the lower one's folder.
const INTERNAL_EXCEPTIONS: readonly string[] = [];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
// Static imports and re-exports (type-only ones too: they shape the layering as much) and dynamic imports.
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

interface Edge {
  readonly file: string;
  readonly from: string;
  readonly target: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** Every relative import between two different top-level folders of core's src. */
function crossFolderImports(): Edge[] {
  const edges: Edge[] = [];
  for (const abs of sourceFiles(SRC)) {
    const file = relative(SRC, abs);
    if (!file.includes('/')) continue; // index.ts assembles the public surface from every folder
    const from = file.split('/')[0]!;
    for (const m of readFileSync(abs, 'utf8').matchAll(IMPORT)) {
      const target = relative(SRC, resolve(dirname(abs), m[1] ?? m[2]!)).replace(/\.js$/, '');
      if (target.split('/')[0] !== from) edges.push({ file, from, target });
    }
  }
  return edges;
}

const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

describe("core's layout", () => {
  const edges = crossFolderImports();

  it('finds the imports it checks', () => {
    // A parser that found nothing would pass every rule below.
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual({
      file: 'pipeline/vigil.ts',
      from: 'pipeline',
      target: 'attribution/enricher',
    });
  });

  it('places every top-level folder in one layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect([...layerOf.keys()].sort()).toEqual(folders);
    expect(layerOf.size).toBe(LAYERS.flat().length);
  });

  it('imports only from lower layers, so no import cycle between folders can form', () => {
    const upward = edges
      .filter((e) => {
        const to = e.target.split('/')[0]!;
        if (LEAF_MODULES.includes(e.target)) return false;
        return layerOf.get(to)! >= layerOf.get(e.from)! && !UPWARD_EXCEPTIONS.includes(`${e.from} -> ${to}`);
      })
      .map((e) => `${e.file} imports ${e.target}`);
    expect(upward).toEqual([]);
  });

  it('leaf modules import nothing of core', () => {
    for (const leaf of LEAF_MODULES) expect(edges.filter((e) => e.file === `${leaf}.ts`)).toEqual([]);
    for (const leaf of LEAF_MODULES)
      expect(readFileSync(join(SRC, `${leaf}.ts`), 'utf8')).not.toMatch(/from\s+['"]\./);
  });

  it("imports no other folder's internal/ modules", () => {
    const internal = edges
      .filter((e) => e.target.split('/').includes('internal'))
      .filter((e) => !INTERNAL_EXCEPTIONS.includes(`${e.from} -> ${e.target}`))
      .map((e) => `${e.file} imports ${e.target}`);
    expect(internal).toEqual([]);
  });

  it('keeps no exception that is no longer needed', () => {
    const upward = new Set(edges.map((e) => `${e.from} -> ${e.target.split('/')[0]}`));
    const internal = new Set(edges.map((e) => `${e.from} -> ${e.target}`));
    expect(UPWARD_EXCEPTIONS.filter((x) => !upward.has(x))).toEqual([]);
    expect(INTERNAL_EXCEPTIONS.filter((x) => !internal.has(x))).toEqual([]);
  });

  it.each([
    // The upward imports removed: each would now be reported.
    ['workload', 'baseline'],
    ['mcp', 'aibom'],
    ['payload', 'aibom'],
    ['attribution', 'pipeline'],
    ['aibom', 'pipeline'],
  ])('does not let %s import %s', (from, to) => {
    expect(layerOf.get(to)!).toBeGreaterThan(layerOf.get(from)!);
    expect(edges.filter((e) => e.from === from && e.target.startsWith(`${to}/`))).toEqual([]);
  });
});
