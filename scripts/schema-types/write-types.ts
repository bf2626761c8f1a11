/**
 * Writes out the public types that were inferred from zod schemas
 * (`export type X = z.infer<typeof XSchema>`, `z.input`, `z.output`) as plain
 * TypeScript interfaces and type aliases, in place, so that the published
 * declaration files need not load zod's types. The zod schema stays the
 * source of truth: every type written here is listed, with its schema, in the
 * package's `test/schema-types.test.ts`, whose type-level assertions
 * (`pnpm typecheck`) fail as soon as the two drift apart.
 *
 * Run it after adding a schema whose inferred type is public:
 *   scripts/ts scripts/schema-types/write-types.ts [--dry-run]
 * It rewrites only the aliases still written as `z.infer<…>` and adds their
 * rows to the test; then run `pnpm -s format`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = ['core', 'ebpf-native', 'rules', 'reporters', 'fleet'];
const dryRun = process.argv.includes('--dry-run');

interface Alias {
  name: string;
  file: string;
  pkg: string;
  schema: string;
  mode: 'infer' | 'input' | 'output';
  decl: ts.TypeAliasDeclaration;
  type: ts.Type;
}

const configPath = join(root, 'tsconfig.json');
const config = ts.parseJsonConfigFileContent(
  ts.readConfigFile(configPath, ts.sys.readFile).config,
  ts.sys,
  root,
);
const program = ts.createProgram(
  config.fileNames.filter((f) => PACKAGES.some((p) => f.startsWith(join(root, 'packages', p, 'src')))),
  config.options,
);
const checker = program.getTypeChecker();
const undefinedId = (checker.getUndefinedType() as unknown as { id: number }).id;
const idOf = (t: ts.Type): number => (t as unknown as { id: number }).id;

const pkgOf = (file: string): string | undefined =>
  PACKAGES.find((p) => file.startsWith(join(root, 'packages', p, 'src') + '/'));

// --- find the aliases ------------------------------------------------------------------
const aliases: Alias[] = [];
for (const sf of program.getSourceFiles()) {
  const pkg = pkgOf(sf.fileName);
  if (pkg === undefined || sf.isDeclarationFile) continue;
  for (const st of sf.statements) {
    if (!ts.isTypeAliasDeclaration(st)) continue;
    if (!st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const t = st.type;
    if (!ts.isTypeReferenceNode(t) || !ts.isQualifiedName(t.typeName)) continue;
    const q = t.typeName;
    if (!ts.isIdentifier(q.left) || q.left.text !== 'z') continue;
    const mode = q.right.text;
    if (mode !== 'infer' && mode !== 'input' && mode !== 'output') continue;
    const arg = t.typeArguments?.[0];
    if (arg === undefined || !ts.isTypeQueryNode(arg) || !ts.isIdentifier(arg.exprName)) continue;
    aliases.push({
      name: st.name.text,
      file: sf.fileName,
      pkg,
      schema: arg.exprName.text,
      mode,
      decl: st,
      type: checker.getTypeFromTypeNode(st.type),
    });
  }
}

// Names the printer may use for a type: the aliases being written (outputs first) and
// their literal unions keyed by their members.
const byId = new Map<number, Alias>();
const byUnion = new Map<string, Alias>();
const unionKey = (members: readonly ts.Type[]): string =>
  members
    .map(idOf)
    .sort((a, b) => a - b)
    .join(',');
for (const pass of [['infer', 'output'], ['input']]) {
  for (const a of aliases) {
    if (!pass.includes(a.mode)) continue;
    // Primitive types (an alias of `string`) are never replaced by a name.
    const named = (a.type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Union)) !== 0;
    if (named && !byId.has(idOf(a.type))) byId.set(idOf(a.type), a);
    if (a.type.isUnion()) {
      const k = unionKey(a.type.types.filter((m) => !(m.flags & ts.TypeFlags.Undefined)));
      if (!byUnion.has(k)) byUnion.set(k, a);
    }
  }
}

// --- print a type ------------------------------------------------------------------------
interface Ctx {
  file: string;
  self: Alias;
  imports: Map<string, Set<string>>;
}

function importName(ctx: Ctx, name: string, fromFile: string): string {
  if (fromFile === ctx.file) return name;
  const fromPkg = pkgOf(fromFile);
  let spec: string;
  if (fromPkg !== undefined && fromPkg === pkgOf(ctx.file)) {
    spec = relative(dirname(ctx.file), fromFile).replace(/\.ts$/, '.js');
    if (!spec.startsWith('.')) spec = `./${spec}`;
  } else if (fromPkg !== undefined) {
    spec = `@vigil/${fromPkg}`;
  } else {
    throw new Error(`${name} is declared outside the packages (${fromFile})`);
  }
  const set = ctx.imports.get(spec) ?? new Set<string>();
  ctx.imports.set(spec, set);
  set.add(name);
  return name;
}

const ident = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (k: string): string => (ident.test(k) ? k : `'${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
const literal = (s: string): string =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

function docOf(sym: ts.Symbol, indent: string): string {
  const text = ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
  if (text === '') return '';
  const lines = text.split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l === '' ? '' : ` ${l}`}`).join('\n')}\n${indent} */\n`;
}

function declaredIn(sym: ts.Symbol): string | undefined {
  const d = sym.declarations?.[0];
  return d?.getSourceFile().fileName;
}

function print(t: ts.Type, ctx: Ctx, indent: string, top = false): string {
  if (!top) {
    const known = byId.get(idOf(t));
    if (known !== undefined) return importName(ctx, known.name, known.file);
  }
  if (t.flags & ts.TypeFlags.StringLiteral) return literal((t as ts.StringLiteralType).value);
  if (t.flags & ts.TypeFlags.NumberLiteral) return String((t as ts.NumberLiteralType).value);
  if (t.flags & ts.TypeFlags.BooleanLiteral) return checker.typeToString(t);
  if (
    t.flags &
    (ts.TypeFlags.String |
      ts.TypeFlags.Number |
      ts.TypeFlags.Boolean |
      ts.TypeFlags.BigInt |
      ts.TypeFlags.Null |
      ts.TypeFlags.Undefined |
      ts.TypeFlags.Unknown |
      ts.TypeFlags.Any |
      ts.TypeFlags.Never |
      ts.TypeFlags.ESSymbol |
      ts.TypeFlags.Void)
  ) {
    return checker.typeToString(t);
  }
  if (t.isUnion()) return printUnion(t.types, ctx, indent, top);
  if (t.isIntersection()) return t.types.map((m) => wrap(print(m, ctx, indent))).join(' & ');
  if (checker.isArrayType(t)) {
    const el = checker.getTypeArguments(t as ts.TypeReference)[0];
    if (el === undefined) throw new Error('array without an element type');
    const ro = (t as ts.TypeReference).target.symbol.name === 'ReadonlyArray' ? 'readonly ' : '';
    return `${ro}${wrap(print(el, ctx, indent))}[]`;
  }
  if (checker.isTupleType(t)) {
    return `[${checker
      .getTypeArguments(t as ts.TypeReference)
      .map((m) => print(m, ctx, indent))
      .join(', ')}]`;
  }
  if (t.aliasSymbol !== undefined) {
    const args = (t.aliasTypeArguments ?? []).map((a) => print(a, ctx, indent));
    const name = t.aliasSymbol.name;
    const from = declaredIn(t.aliasSymbol);
    const own = from !== undefined && pkgOf(from) !== undefined;
    if (name === 'Record' || own) {
      const n = own && from !== undefined ? importName(ctx, name, from) : name;
      return args.length === 0 ? n : `${n}<${args.join(', ')}>`;
    }
  }
  if (t.flags & ts.TypeFlags.Object) {
    const sym = t.getSymbol();
    const anonymous = sym === undefined || sym.name === '__type' || sym.name === '__object';
    if (!anonymous && sym !== undefined) {
      const from = declaredIn(sym);
      if (from !== undefined && pkgOf(from) !== undefined) {
        const args =
          (t as ts.TypeReference).target !== undefined
            ? checker.getTypeArguments(t as ts.TypeReference).map((a) => print(a, ctx, indent))
            : [];
        const n = importName(ctx, sym.name, from);
        return args.length === 0 ? n : `${n}<${args.join(', ')}>`;
      }
      // A type from the standard library (Uint8Array, Date, …).
      return checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation);
    }
    if (t.getCallSignatures().length > 0 || t.getConstructSignatures().length > 0) {
      return checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation);
    }
    // Only a declared interface may extend a base: TypeScript's identity check (what the
    // test asserts) does not equate an intersection with the flat type a schema infers.
    const base = top ? baseOf(t, ctx) : undefined;
    if (base === undefined) return printObject(t, ctx, indent);
    return `${importName(ctx, base.name, base.file)} & ${printObject(t, ctx, indent, base)}`;
  }
  throw new Error(`cannot print ${checker.typeToString(t)} in ${ctx.self.name}`);
}

const wrap = (s: string): string => (/[|&]/.test(s) && !/^[{[(]/.test(s) ? `(${s})` : s);

function printUnion(members: readonly ts.Type[], ctx: Ctx, indent: string, top: boolean): string {
  let rest = [...members];
  const out: string[] = [];
  // A known literal union inside (e.g. `Severity | undefined`).
  const defined = rest.filter((m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
  const known = defined.length > 1 ? byUnion.get(unionKey(defined)) : undefined;
  if (known !== undefined && !(top && known === ctx.self)) {
    out.push(importName(ctx, known.name, known.file));
    rest = rest.filter((m) => !defined.includes(m));
  }
  const hasTrue = rest.some(
    (m) => m.flags & ts.TypeFlags.BooleanLiteral && checker.typeToString(m) === 'true',
  );
  const hasFalse = rest.some(
    (m) => m.flags & ts.TypeFlags.BooleanLiteral && checker.typeToString(m) === 'false',
  );
  let boolDone = false;
  for (const m of rest) {
    if (hasTrue && hasFalse && m.flags & ts.TypeFlags.BooleanLiteral) {
      if (!boolDone) out.push('boolean');
      boolDone = true;
      continue;
    }
    out.push(print(m, ctx, indent));
  }
  const unique = [...new Set(out)];
  // `undefined` and `null` last, as people write them.
  unique.sort(
    (a, b) => Number(a === 'undefined' || a === 'null') - Number(b === 'undefined' || b === 'null'),
  );
  return unique.map((s) => (s.startsWith('(') || !/=>/.test(s) ? s : `(${s})`)).join(' | ');
}

// The largest written-out object type whose properties this one has too, with the same
// optionality and types (a schema built with `.extend()`): printed as `Base & { … }`.
function baseOf(t: ts.Type, ctx: Ctx): Alias | undefined {
  const props = checker.getPropertiesOfType(t);
  const mine = new Map(props.map((p) => [p.name, p]));
  let best: Alias | undefined;
  let bestSize = 0;
  for (const a of byId.values()) {
    if (a === ctx.self || a.type === t || a.type.isUnion() || !(a.type.flags & ts.TypeFlags.Object)) continue;
    if (checker.getIndexInfosOfType(a.type).length > 0) continue;
    const theirs = checker.getPropertiesOfType(a.type);
    if (theirs.length < 3 || theirs.length >= props.length || theirs.length <= bestSize) continue;
    const covered = theirs.every((p) => {
      const m = mine.get(p.name);
      return (
        m !== undefined &&
        (m.flags & ts.SymbolFlags.Optional) === (p.flags & ts.SymbolFlags.Optional) &&
        idOf(checker.getTypeOfSymbol(m)) === idOf(checker.getTypeOfSymbol(p))
      );
    });
    if (covered) {
      best = a;
      bestSize = theirs.length;
    }
  }
  return best;
}

const position = (p: ts.Symbol): number => p.declarations?.[0]?.getStart() ?? Number.MAX_SAFE_INTEGER;

function printObject(t: ts.Type, ctx: Ctx, indent: string, base?: Alias): string {
  const inner = `${indent}  `;
  const lines: string[] = [];
  const inherited = new Set(
    base === undefined ? [] : checker.getPropertiesOfType(base.type).map((p) => p.name),
  );
  for (const info of checker.getIndexInfosOfType(t)) {
    lines.push(
      `${inner}${info.isReadonly ? 'readonly ' : ''}[key: ${checker.typeToString(info.keyType)}]: ${print(info.type, ctx, inner)};`,
    );
  }
  const props = checker.getPropertiesOfType(t).filter((p) => !inherited.has(p.name));
  // In the order the schema lists them, when they come from one file.
  const files = new Set(props.map((p) => p.declarations?.[0]?.getSourceFile().fileName));
  if (files.size === 1 && !files.has(undefined)) props.sort((a, b) => position(a) - position(b));
  for (const p of props) {
    const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
    const pt = checker.getTypeOfSymbol(p);
    let text: string;
    if (optional && pt.isUnion()) {
      // Keep `undefined` only where the schema wrote it (not the "missing" marker).
      const members = pt.types.filter((m) => !(m.flags & ts.TypeFlags.Undefined) || idOf(m) === undefinedId);
      text =
        members.length === pt.types.length
          ? print(pt, ctx, inner)
          : members.length === 1 && members[0] !== undefined
            ? print(members[0], ctx, inner)
            : printUnion(members, ctx, inner, false);
    } else {
      text = print(pt, ctx, inner);
    }
    lines.push(`${docOf(p, inner)}${inner}${key(p.name)}${optional ? '?' : ''}: ${text};`);
  }
  if (lines.length === 0) return '{}';
  return `{\n${lines.join('\n')}\n${indent}}`;
}

// --- rewrite the files -------------------------------------------------------------------
const byFile = new Map<string, Alias[]>();
for (const a of aliases) {
  const list = byFile.get(a.file) ?? [];
  list.push(a);
  byFile.set(a.file, list);
}

for (const [file, list] of byFile) {
  let text = readFileSync(file, 'utf8');
  const ctx: Ctx = { file, self: list[0] as Alias, imports: new Map() };
  const edits: { start: number; end: number; text: string }[] = [];
  for (const a of list) {
    ctx.self = a;
    const same = byId.get(idOf(a.type));
    let decl: string;
    if (same !== undefined && same !== a) {
      decl = `export type ${a.name} = ${importName(ctx, same.name, same.file)};`;
    } else {
      const body = print(a.type, ctx, '', true);
      const ext = /^(\w+) & (\{[\s\S]*\})$/.exec(body);
      decl = a.type.isUnion()
        ? `export type ${a.name} = ${body};`
        : body.startsWith('{')
          ? `export interface ${a.name} ${body}`
          : ext !== null
            ? `export interface ${a.name} extends ${ext[1]} ${ext[2]}`
            : `export type ${a.name} = ${body};`;
    }
    edits.push({ start: a.decl.getStart(), end: a.decl.getEnd(), text: decl });
  }
  for (const e of edits.sort((x, y) => y.start - x.start)) {
    text = text.slice(0, e.start) + e.text + text.slice(e.end);
  }
  // Names the file declares or imports already.
  const declared = new Set(list.map((a) => a.name));
  for (const m of text.matchAll(/^import (?:type )?\{([^}]*)\} from/gm)) {
    for (const n of (m[1] ?? '').split(',')) declared.add(n.replace(/^\s*type\s+/, '').trim());
  }
  const importLines = [...ctx.imports]
    .map(([spec, names]) => [spec, [...names].filter((n) => !declared.has(n))] as const)
    .filter(([, names]) => names.length > 0)
    .map(([spec, names]) => `import type { ${names.sort().join(', ')} } from '${spec}';`);
  if (importLines.length > 0) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const lastImport = [...sf.statements].reverse().find(ts.isImportDeclaration);
    const at = lastImport === undefined ? 0 : lastImport.getEnd();
    text = `${text.slice(0, at)}\n${importLines.join('\n')}${text.slice(at)}`;
  }
  if (dryRun) {
    console.log(
      `--- ${relative(root, file)}\n${edits.map((e) => e.text).join('\n\n')}\n${importLines.join('\n')}`,
    );
  } else {
    writeFileSync(file, text);
  }
}

// --- the test rows ---------------------------------------------------------------------
for (const pkg of PACKAGES) {
  const mine = aliases.filter((a) => a.pkg === pkg);
  if (mine.length === 0) continue;
  const testFile = join(root, 'packages', pkg, 'test', 'schema-types.test.ts');
  let existing = '';
  try {
    existing = readFileSync(testFile, 'utf8');
  } catch {
    existing = '';
  }
  const rows = new Map<string, { mod: string; name: string; schema: string; mode: string }>();
  for (const m of existing.matchAll(/^\s*\/\/ row: (\S+) (\S+) (\S+) (\S+)$/gm)) {
    rows.set(`${m[1]}:${m[2]}`, { mod: m[1] ?? '', name: m[2] ?? '', schema: m[3] ?? '', mode: m[4] ?? '' });
  }
  for (const a of mine) {
    const mod = relative(join(root, 'packages', pkg, 'src'), a.file).replace(/\.ts$/, '');
    rows.set(`${mod}:${a.name}`, {
      mod,
      name: a.name,
      schema: a.schema,
      mode: a.mode === 'input' ? 'input' : 'output',
    });
  }
  const sorted = [...rows.values()].sort((x, y) => (x.mod + x.name < y.mod + y.name ? -1 : 1));
  // A schema in another module than its type is written `Schema@module`.
  const schemaOf = (r: { mod: string; schema: string }): [string, string] => {
    const [name = '', mod = r.mod] = r.schema.split('@');
    return [name, mod];
  };
  const mods = [...new Set(sorted.flatMap((r) => [r.mod, schemaOf(r)[1]]))];
  const alias = (mod: string): string => `m${mods.indexOf(mod)}`;
  const out = [
    '// Generated rows (scripts/schema-types/write-types.ts adds them): every public type written out',
    '// from a zod schema must stay equal to what the schema infers. A drift fails `pnpm typecheck`.',
    "import { describe, expect, expectTypeOf, it } from 'vitest';",
    `import * as index from '@vigil/${pkg}';`,
    `import * as zodSchemas from '@vigil/${pkg}/schemas';`,
    "import type { z } from 'zod';",
    ...mods.map((m) => `import type * as ${alias(m)} from '../src/${m}.js';`),
    '',
    `describe('${pkg} types written out from zod schemas', () => {`,
    '  it(`equal what their schemas infer`, () => {',
    ...sorted.flatMap((r) => [
      `    // row: ${r.mod} ${r.name} ${r.schema} ${r.mode}`,
      `    expectTypeOf<${alias(r.mod)}.${r.name}>().toEqualTypeOf<z.${r.mode}<typeof ${alias(schemaOf(r)[1])}.${schemaOf(r)[0]}>>();`,
    ]),
    '  });',
    '',
    "  it('the index exports the same schema objects as the /schemas entry', () => {",
    '    const published = Object.entries(zodSchemas);',
    '    expect(published.length).toBeGreaterThan(0);',
    '    for (const [name, schema] of published) expect([name, (index as Record<string, unknown>)[name]]).toEqual([name, schema]);',
    '  });',
    '});',
    '',
  ].join('\n');
  if (!dryRun) writeFileSync(testFile, out);
}
console.log(`${aliases.length} types written out in ${byFile.size} files`);
