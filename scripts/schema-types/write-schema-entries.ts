/**
 * Writes, for each package with exported zod schemas, the two lists that publish them:
 * - `src/schemas/zod.ts`: the zod-typed schemas (the package's `./schemas` subpath entry),
 * - `src/schemas/public.ts`: the same objects for the package index, typed by core's
 *   structural `VigilSchema<T>`, so the main entry's declarations never load zod.
 * The schemas' own TSDoc is carried over, and the files are written as `pnpm -s format` leaves them.
 *
 *   scripts/ts scripts/schema-types/write-schema-entries.ts [--check] [PACKAGE…]
 *
 * Without packages: every package that has a `src/schemas/zod.ts`. `--check` writes nothing and
 * exits 1 when a list differs from what would be written (the generated-docs check runs it too).
 *
 * The lists are their own memory: a schema stays published while `zod.ts` names it, wherever its
 * module moves (a name whose module is gone is looked up among the package's modules), and a
 * schema added to the package index is picked up (then remove it from the index's other export
 * lists). The type of each schema comes from its row in the package's `test/schema-types.test.ts`
 * or, for a schema without one (its type is written by hand, or `unknown`), from its entry in
 * `public.ts`; a schema with neither is reported and left out of `public.ts`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

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

/** One generated file: its path from the repository root and its text. */
export interface SchemaEntryFile {
  readonly path: string;
  readonly text: string;
}

/** The packages that publish schemas: those with a `src/schemas/zod.ts`. */
export function schemaPackages(): string[] {
  return readdirSync(join(root, 'packages'))
    .filter((p) => existsSync(join(root, 'packages', p, 'src', 'schemas', 'zod.ts')))
    .sort();
}

/** What a package's schema lists are today, parsed from the files (empty when a file is missing). */
interface CurrentLists {
  /** Names `zod.ts` exports from other modules, with the module each names. */
  readonly zodExports: { readonly name: string; readonly spec: string }[];
  /** Type annotation of each `export const X: T = zs.X;` in `public.ts`. */
  readonly annotations: Map<string, ts.TypeNode>;
  /** The module (`../x/y.js`) `public.ts` imports each type name from. */
  readonly typeFrom: Map<string, string>;
}

function parseFile(path: string): ts.SourceFile | undefined {
  if (!existsSync(path)) return undefined;
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

function currentLists(outDir: string): CurrentLists {
  const zodExports: { name: string; spec: string }[] = [];
  for (const st of parseFile(join(outDir, 'zod.ts'))?.statements ?? []) {
    if (!ts.isExportDeclaration(st) || st.isTypeOnly || st.moduleSpecifier === undefined) continue;
    if (st.exportClause === undefined || !ts.isNamedExports(st.exportClause)) continue;
    const spec = (st.moduleSpecifier as ts.StringLiteral).text;
    for (const el of st.exportClause.elements)
      if (!el.isTypeOnly) zodExports.push({ name: el.name.text, spec });
  }
  const annotations = new Map<string, ts.TypeNode>();
  const typeFrom = new Map<string, string>();
  for (const st of parseFile(join(outDir, 'public.ts'))?.statements ?? []) {
    if (ts.isVariableStatement(st))
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.type !== undefined) annotations.set(d.name.text, d.type);
    if (ts.isImportDeclaration(st) && st.importClause?.namedBindings !== undefined) {
      const bindings = st.importClause.namedBindings;
      if (ts.isNamedImports(bindings))
        for (const el of bindings.elements)
          typeFrom.set(el.name.text, (st.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return { zodExports, annotations, typeFrom };
}

/** Output and input type names per schema, from the rows of the package's schema-types test. */
function testRows(pkg: string): Map<string, { mod: string; output?: string; input?: string }> {
  const rows = new Map<string, { mod: string; output?: string; input?: string }>();
  const testFile = join(root, 'packages', pkg, 'test', 'schema-types.test.ts');
  if (!existsSync(testFile)) return rows;
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
  return rows;
}

/** Formats a generated file as `pnpm -s format` would (Biome, imports and exports organised). */
function format(path: string, text: string): string {
  const biome = join(root, 'node_modules', '.bin', 'biome');
  const r = spawnSync(biome, ['check', '--write', `--stdin-file-path=${path}`], {
    cwd: root,
    input: text,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`biome could not format ${relative(root, path)}:\n${r.stderr}`);
  return r.stdout;
}

const isInternal = (file: string) => file.split('/').includes('internal');

/**
 * The schema lists of the given packages (default: {@link schemaPackages}), as they should be.
 * Throws when a listed schema or one of their types cannot be found, naming it.
 */
export function schemaEntryFiles(packages: readonly string[] = schemaPackages()): SchemaEntryFile[] {
  const config = ts.parseJsonConfigFileContent(
    ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config,
    ts.sys,
    root,
  );
  const srcOf = (p: string) => join(root, 'packages', p, 'src');
  const program = ts.createProgram(
    config.fileNames.filter((f) => packages.some((p) => f.startsWith(`${srcOf(p)}/`))),
    config.options,
  );
  const checker = program.getTypeChecker();
  const exportsOf = (file: string): ts.Symbol[] => {
    const sf = program.getSourceFile(file);
    const sym = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
    return sym === undefined ? [] : checker.getExportsOfModule(sym);
  };
  const resolveAlias = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const isZodSchema = (s: ts.Symbol) =>
    (s.flags & ts.SymbolFlags.Variable) !== 0 &&
    s.valueDeclaration !== undefined &&
    checker.getTypeOfSymbol(s).getProperty('_zod') !== undefined;

  const files: SchemaEntryFile[] = [];
  for (const pkg of packages) {
    const src = srcOf(pkg);
    const outDir = join(src, 'schemas');
    const current = currentLists(outDir);
    // The package's own modules, where a schema or type whose listed module is gone is looked up.
    const modules = program
      .getSourceFiles()
      .filter((sf) => sf.fileName.startsWith(`${src}/`) && !sf.fileName.startsWith(`${outDir}/`))
      .filter((sf) => relative(src, sf.fileName) !== 'index.ts' && !sf.fileName.endsWith('/public.ts'));
    const unique = <T>(what: string, found: T[], where: (t: T) => string): T => {
      if (found.length === 1) return found[0]!;
      throw new Error(
        `${pkg}: ${what} ${found.length === 0 ? 'is declared in no module' : `is declared in several modules (${found.map(where).join(', ')})`}: fix src/schemas by hand`,
      );
    };

    // The schemas: those zod.ts lists (their module looked up by name when it has moved) and the
    // zod-typed exports of the index (not its VigilSchema-typed copies from schemas/public.ts).
    const schemas = new Map<string, ts.Symbol>();
    const zodFile = join(outDir, 'zod.ts');
    const listed = new Map(exportsOf(zodFile).map((e) => [e.name, resolveAlias(e)] as const));
    for (const { name } of current.zodExports) {
      let sym = listed.get(name);
      if (sym === undefined || sym.valueDeclaration === undefined) {
        const found = modules.flatMap((sf) =>
          exportsOf(sf.fileName).filter(
            (e) => e.name === name && !(e.flags & ts.SymbolFlags.Alias) && isZodSchema(e),
          ),
        );
        sym = unique(`${name}, listed in src/schemas/zod.ts,`, found, (s) =>
          relative(src, s.valueDeclaration!.getSourceFile().fileName),
        );
      }
      if (isZodSchema(sym)) schemas.set(name, sym);
    }
    for (const e of exportsOf(join(src, 'index.ts'))) {
      const target = resolveAlias(e);
      if (target.valueDeclaration?.getSourceFile().fileName.startsWith(`${outDir}/`)) continue;
      if (isZodSchema(target)) schemas.set(e.name, target);
    }

    // Where a type is imported from: the module the row or public.ts names while it still exports
    // the type, otherwise the one module outside internal/ that declares or re-exports it.
    const typeModule = (name: string, preferred: string | undefined): string => {
      const exportsName = (file: string) => exportsOf(file).some((e) => e.name === name);
      if (preferred !== undefined && exportsName(join(src, `${preferred}.ts`))) return preferred;
      const declaring = modules.filter((sf) =>
        exportsOf(sf.fileName).some(
          (e) => e.name === name && !(e.flags & ts.SymbolFlags.Alias) && e.flags & ts.SymbolFlags.Type,
        ),
      );
      const visible = declaring.filter((sf) => !isInternal(sf.fileName));
      const found =
        visible.length > 0
          ? visible
          : modules.filter((sf) => !isInternal(sf.fileName) && exportsName(sf.fileName));
      return relative(
        src,
        unique(`type ${name}`, found, (sf) => relative(src, sf.fileName)).fileName,
      ).replace(/\.ts$/, '');
    };
    const fromPublic = (name: string) => {
      const spec = current.typeFrom.get(name);
      return spec?.startsWith('../') ? spec.slice(3).replace(/\.js$/, '') : undefined;
    };

    const rows = testRows(pkg);
    const zodLines = new Map<string, string[]>();
    const typeImports = new Map<string, Set<string>>();
    const importType = (name: string, preferred: string | undefined) => {
      const from = `../${typeModule(name, preferred)}.js`;
      typeImports.set(from, (typeImports.get(from) ?? new Set<string>()).add(name));
    };
    const views: string[] = [];
    const missing: string[] = [];
    let usesEnum = false;
    for (const name of [...schemas.keys()].sort((a, b) => (a < b ? -1 : 1))) {
      const sym = schemas.get(name)!;
      const decl = sym.valueDeclaration!;
      const type = checker.getTypeOfSymbol(sym);
      const spec = relative(outDir, decl.getSourceFile().fileName).replace(/\.ts$/, '.js');
      zodLines.set(spec, [...(zodLines.get(spec) ?? []), name]);
      const row = rows.get(name);
      const isEnum = type.getProperty('options') !== undefined && type.getProperty('enum') !== undefined;
      let typeText: string;
      let typeName: string;
      if (row?.output !== undefined) {
        importType(row.output, fromPublic(row.output) ?? row.mod);
        typeName = row.output;
        typeText = isEnum ? `VigilEnumSchema<${row.output}>` : `VigilSchema<${row.output}>`;
      } else {
        // No row: the type public.ts gives it (written by hand), with the types that names.
        const annotation = current.annotations.get(name);
        if (annotation === undefined) {
          missing.push(name);
          continue;
        }
        typeText = annotation.getText();
        const named: string[] = [];
        const visit = (n: ts.Node) => {
          if (ts.isTypeReferenceNode(n) && ts.isIdentifier(n.typeName)) named.push(n.typeName.text);
          ts.forEachChild(n, visit);
        };
        visit(annotation);
        for (const t of named.filter((t) => !/^Vigil(Enum)?Schema$/.test(t))) importType(t, fromPublic(t));
        typeName = named.find((t) => !/^Vigil(Enum)?Schema$/.test(t)) ?? name.replace(/Schema$/, '');
      }
      usesEnum ||= /\bVigilEnumSchema</.test(typeText);
      views.push(entry(pkg, name, decl, typeName, typeText));
    }
    if (pkg === 'core') {
      importType('EventKind', 'events/schema');
      importType('EventOf', 'events/schema');
    }

    const zodText = [
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
    const vigilSchema = pkg === 'core' ? './vigil-schema.js' : '@vigil/core';
    const publicText = [
      `// The package's zod schemas as its index exports them: typed by the structural VigilSchema, so`,
      `// that the main entry's declarations do not load zod's (a strict consumer that uses no schema`,
      `// type-checks without them). The zod-typed schemas are in ./zod.ts (\`@vigil/${pkg}/schemas\`).`,
      `import type { ${usesEnum ? 'VigilEnumSchema, ' : ''}VigilSchema } from '${vigilSchema}';`,
      ...[...typeImports].map(
        ([spec, names]) => `import type { ${[...names].sort().join(', ')} } from '${spec}';`,
      ),
      `import * as zs from './zod.js';`,
      '',
      views.join('\n\n'),
      ...(pkg === 'core' ? [EVENT_SCHEMAS] : []),
      '',
    ].join('\n');
    for (const [file, text] of [
      [zodFile, zodText],
      [join(outDir, 'public.ts'), publicText],
    ] as const)
      files.push({ path: relative(root, file), text: format(file, text) });
    if (missing.length > 0)
      console.warn(
        `${pkg}: no type for ${missing.join(' ')} (no row in test/schema-types.test.ts, no entry in src/schemas/public.ts): left out of public.ts`,
      );
  }
  return files;
}

/** One entry of `public.ts`: the schema's own TSDoc with a note and an example, and the typed copy. */
function entry(pkg: string, name: string, decl: ts.Declaration, typeName: string, typeText: string): string {
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
    ` * const result = ${name}.safeParse(JSON.parse(text));`,
    ` * if (!result.success) throw fromZodError(result.error, '${typeName}');`,
    ' * ```',
  ];
  const indent = (l: string) => l.replace(/^\s*/, (s) => (s.length > 0 ? ' ' : ''));
  const own =
    doc === undefined
      ? [`/**`, ` * The schema of {@link ${typeName}}.`, ...example, ' */']
      : doc.includes('@example')
        ? doc.split('\n').map(indent)
        : [...doc.split('\n').slice(0, -1).map(indent), ...example, ' */'];
  const note = ` * Typed here by {@link VigilSchema}; the zod-typed schema is \`${name}\` of \`@vigil/${pkg}/schemas\`.`;
  // The note goes before the first tag.
  const tagAt = own.findIndex((l, i) => i > 0 && /^\s*\* @/.test(l));
  if (tagAt > 0) own.splice(tagAt, 0, note, ' *');
  else own.splice(own.length - 1, 0, ' *', note);
  return `${own.join('\n').replace(/^\/\*\* (.+)$/m, '/**\n * $1')}\nexport const ${name}: ${typeText} = zs.${name};`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const packages = args.filter((a) => a !== '--check');
  let stale = 0;
  for (const { path, text } of schemaEntryFiles(packages.length > 0 ? packages : undefined)) {
    const abs = join(root, path);
    if ((existsSync(abs) ? readFileSync(abs, 'utf8') : '') === text) continue;
    if (check) {
      console.error(`${path} is out of date: run scripts/ts scripts/schema-types/write-schema-entries.ts`);
      stale++;
    } else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, text);
      console.log(`wrote ${path}`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
