/**
 * Writes, for each package with exported zod schemas, the two lists that publish them:
 * - `src/schemas/zod.ts`: the zod-typed schemas (the package's `./schemas` subpath entry),
 * - `src/schemas/public.ts`: the same objects for the package index, typed by core's
 *   structural `VigilSchema<T>`, so the main entry's declarations never load zod.
 * The schemas' own TSDoc is carried over. Run after a schema is added to a package index:
 *   scripts/ts scripts/schema-types/write-schema-entries.ts PACKAGE…
 * then remove the schema from the index's other export lists and run `pnpm -s format`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const packages = process.argv.slice(2);
const config = ts.parseJsonConfigFileContent(
  ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config,
  ts.sys,
  root,
);
// The schemas a package publishes: its index's zod-typed exports and, once written, its
// `schemas/zod.ts` list (the index then exports them typed by VigilSchema).
const entries = (p: string): string[] =>
  [
    join(root, 'packages', p, 'src', 'index.ts'),
    join(root, 'packages', p, 'src', 'schemas', 'zod.ts'),
  ].filter((f) => ts.sys.fileExists(f));
const program = ts.createProgram(packages.flatMap(entries), config.options);
const checker = program.getTypeChecker();

const EVENT_SCHEMAS = `
/**
 * The schema of each event kind, keyed by kind.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schemas are \`EventSchemas\` of \`@vigil/core/schemas\`.
 *
 * @example
 * \`\`\`ts
 * const ok = EventSchemas['process.exec'].safeParse(raw).success;
 * \`\`\`
 */
export const EventSchemas: { readonly [K in EventKind]: VigilSchema<EventOf<K>> } = zs.EventSchemas;`;

for (const pkg of packages) {
  const src = join(root, 'packages', pkg, 'src');
  const outDir = join(src, 'schemas');
  const exported = new Map<string, ts.Symbol>();
  for (const f of entries(pkg)) {
    const sf = program.getSourceFile(f);
    const moduleSymbol = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
    if (moduleSymbol === undefined) throw new Error(`no module symbol for ${f}`);
    for (const e of checker.getExportsOfModule(moduleSymbol)) {
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      // Skip the index's VigilSchema-typed copies (declared in schemas/public.ts).
      if (target.valueDeclaration?.getSourceFile().fileName.endsWith('/schemas/public.ts')) continue;
      exported.set(e.name, e);
    }
  }
  // Output and input type names per schema, from the test rows.
  const rows = new Map<string, { mod: string; output?: string; input?: string }>();
  const testFile = join(root, 'packages', pkg, 'test', 'schema-types.test.ts');
  for (const m of readFileSync(testFile, 'utf8').matchAll(/^\s*\/\/ row: (\S+) (\S+) (\S+) (\S+)$/gm)) {
    const [, mod, name, schemaAt, mode] = m as unknown as [string, string, string, string, string];
    const schema = schemaAt.split('@')[0] ?? schemaAt;
    const r = rows.get(schema) ?? { mod };
    if (mode === 'input') {
      r.input = name;
      // A schema whose input type is the only one named: what it returns is assignable to it.
      r.output ??= name;
    } else {
      r.output = name;
      r.mod = mod;
    }
    rows.set(schema, r);
  }
  const zodLines = new Map<string, string[]>();
  const typeImports = new Map<string, Set<string>>();
  const views: string[] = [];
  const missing: string[] = [];
  const exports = [...exported.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const exp of exports) {
    const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    if (!(sym.flags & ts.SymbolFlags.Variable)) continue;
    const decl = sym.valueDeclaration;
    if (decl === undefined) continue;
    const type = checker.getTypeOfSymbol(sym);
    if (type.getProperty('_zod') === undefined) continue;
    const file = decl.getSourceFile().fileName;
    const spec = relative(outDir, file).replace(/\.ts$/, '.js');
    const list = zodLines.get(spec) ?? [];
    list.push(exp.name);
    zodLines.set(spec, list);
    const row = rows.get(exp.name);
    const isEnum = type.getProperty('options') !== undefined && type.getProperty('enum') !== undefined;
    let typeText: string;
    if (row?.output !== undefined) {
      const from = `../${row.mod}.js`;
      const names = typeImports.get(from) ?? new Set<string>();
      if (pkg === 'core' && row.mod === 'events/schema') names.add('EventKind').add('EventOf');
      names.add(row.output);
      typeImports.set(from, names);
      typeText = isEnum ? `VigilEnumSchema<${row.output}>` : `VigilSchema<${row.output}>`;
    } else {
      missing.push(exp.name);
      continue;
    }
    const rawDoc = ts
      .getJSDocCommentsAndTags(ts.isVariableDeclaration(decl) ? decl.parent.parent : decl)
      .filter(ts.isJSDoc)
      .map((d) => d.getText())
      .at(-1);
    const oneLine = rawDoc === undefined ? undefined : /^\/\*\*\s*(.*?)\s*\*\/$/.exec(rawDoc);
    const doc = oneLine?.[1] !== undefined ? `/**\n * ${oneLine[1]}\n */` : rawDoc;
    const example = [
      ' *',
      ' * @example',
      ' * ```ts',
      ` * const result = ${exp.name}.safeParse(JSON.parse(text));`,
      ' * if (!result.success) throw fromZodError(result.error, ' + `'${row.output}');`,
      ' * ```',
    ];
    const own =
      doc === undefined
        ? [`/**`, ` * The schema of {@link ${row.output}}.`, ...example, ' */']
        : doc.includes('@example')
          ? doc.split('\n').map((l) => l.replace(/^\s*/, (s) => (s.length > 0 ? ' ' : '')))
          : [
              ...doc
                .split('\n')
                .slice(0, -1)
                .map((l) => l.replace(/^\s*/, (s) => (s.length > 0 ? ' ' : ''))),
              ...example,
              ' */',
            ];
    const note = ` * Typed here by {@link VigilSchema}; the zod-typed schema is \`${exp.name}\` of \`@vigil/${pkg}/schemas\`.`;
    const withNote = [
      ...own.slice(0, 1),
      ...(own.length > 1 && own[1]?.startsWith(' *') ? [] : []),
      ...own.slice(1),
    ];
    // The note goes before the first tag.
    const tagAt = withNote.findIndex((l, i) => i > 0 && /^\s*\* @/.test(l));
    if (tagAt > 0) withNote.splice(tagAt, 0, note, ' *');
    else withNote.splice(withNote.length - 1, 0, ' *', note);
    views.push(
      `${withNote.join('\n').replace(/^\/\*\* (.+)$/m, '/**\n * $1')}\nexport const ${exp.name}: ${typeText} = zs.${exp.name};`,
    );
  }
  mkdirSync(outDir, { recursive: true });
  const zodFile = [
    `/**`,
    ` * The zod schemas of \`@vigil/${pkg}\`, typed as zod types, for code that composes them`,
    ` * (\`.extend()\`, \`.pick()\`, nesting). Import from \`@vigil/${pkg}/schemas\`; the package index`,
    ` * exports the same objects typed by {@link VigilSchema}, whose declarations do not load zod.`,
    ` *`,
    ` * @packageDocumentation`,
    ` */`,
    ...[...zodLines].map(([spec, names]) => `export { ${names.join(', ')} } from '${spec}';`),
    ...(pkg === 'core'
      ? [
          "export { EventSchemas, type EventSchemaType } from '../events/schema.js';",
          "export type { VigilEnumSchema, VigilSafeParseResult, VigilSchema, VigilSchemaError, VigilSchemaIssue } from './vigil-schema.js';",
        ]
      : []),
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'zod.ts'), zodFile);
  const vigilSchema = pkg === 'core' ? './vigil-schema.js' : '@vigil/core';
  const publicFile = [
    `// The package's zod schemas as its index exports them: typed by the structural VigilSchema, so`,
    `// that the main entry's declarations do not load zod's (a strict consumer that uses no schema`,
    `// type-checks without them). The zod-typed schemas are in ./zod.ts (\`@vigil/${pkg}/schemas\`).`,
    `import type { VigilEnumSchema, VigilSchema } from '${vigilSchema}';`,
    ...[...typeImports].map(
      ([spec, names]) => `import type { ${[...names].sort().join(', ')} } from '${spec}';`,
    ),
    `import * as zs from './zod.js';`,
    '',
    views.join('\n\n'),
    ...(pkg === 'core' ? [EVENT_SCHEMAS] : []),
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'public.ts'), publicFile);
  console.log(`${pkg}: ${views.length} schemas; by hand: ${missing.join(' ') || 'none'}`);
}
