import { z } from 'zod';
import { isNpmName, npmPackageFromPath, splitNpmSpec } from '../../catalogue/package-paths.js';
import { fromZodError } from '../../errors/from-zod.js';
import { VigilError } from '../../errors/vigil-error.js';
import { safeParseDocument } from '../../readers/document-value.js';
import { lineOfKey, readJsonInput } from '../../readers/json-input.js';
import { readLines } from '../../readers/line-reader.js';
import { lazySchema } from '../../schemas/lazy.js';
import type { DeclaredPackage } from './declared-component.js';
import { declaredTransitive } from './lock-graph.js';

/** Options shared by the declared-input readers. */
export interface DeclaredReadOptions {
  /** Largest JSON input read into memory. Default 64 MiB. */
  readonly maxJsonBytes?: number;
  /** Longest line the line-based readers accept. Default 1 MiB. */
  readonly maxLineBytes?: number;
  readonly signal?: AbortSignal;
  /**
   * `package.json` only: also yield the transitive dependencies of what it
   * declares, from its lockfile's graph (see `declaredTransitive`). Default true.
   */
  readonly transitive?: boolean;
}

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

const DepMap = lazySchema(() => z.record(z.string(), z.string()));
const PackageJsonSchema = lazySchema(() =>
  z.looseObject({
    name: z.string().optional(),
    version: z.string().optional(),
    dependencies: DepMap.optional(),
    devDependencies: DepMap.optional(),
    optionalDependencies: DepMap.optional(),
    peerDependencies: DepMap.optional(),
  }),
);

/** Reads the dependencies a `package.json` declares (every dependency field). */
export async function* readPackageJson(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredPackage> {
  const { value, text } = await readJsonInput(path, 'package.json', 'lockfile-json', {
    maxBytes: options.maxJsonBytes,
    signal: options.signal,
  });
  const parsed = safeParseDocument(PackageJsonSchema, value);
  if (!parsed.success) throw fromZodError(parsed.error, 'package.json', { file: path }, 'INPUT_INVALID');
  const all: Record<string, string> = {};
  for (const field of DEP_FIELDS) Object.assign(all, parsed.data[field] ?? {});
  for (const field of DEP_FIELDS) {
    const deps = parsed.data[field];
    if (!deps) continue;
    const from = text.indexOf(`"${field}"`);
    for (const [name, spec] of Object.entries(deps)) {
      if (!isNpmName(name)) {
        throw new VigilError('INPUT_INVALID', `"${name}" is not a valid npm package name`, {
          location: { file: path, line: lineOfKey(text, name, from) ?? 1, path: [field, name] },
        });
      }
      const line = lineOfKey(text, name, from);
      const exact = /^\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/.test(spec) ? spec : undefined;
      yield {
        kind: 'package',
        ecosystem: 'npm',
        name,
        ...(exact ? { version: exact } : {}),
        declaration: {
          file: path,
          input: 'package.json',
          ...(line ? { line } : {}),
          path: `${field}.${name}`,
          specifier: spec,
          direct: true,
        },
        properties: { scope: field },
      };
    }
  }
  if (options.transitive !== false) yield* declaredTransitive(path, all);
}

const LockEntry = lazySchema(() =>
  z.looseObject({ version: z.string().optional(), dev: z.boolean().optional() }),
);
const PackageLockSchema = lazySchema(() =>
  z.looseObject({
    lockfileVersion: z.number().int().min(1).max(3),
    packages: z.record(z.string(), LockEntry).optional(),
    dependencies: z.record(z.string(), z.unknown()).optional(),
  }),
);

/** Reads every package an npm `package-lock.json` (or `npm-shrinkwrap.json`, lockfile versions 1–3) resolves. */
export async function* readPackageLock(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredPackage> {
  const { value, text } = await readJsonInput(path, 'package-lock.json', 'lockfile-json', {
    maxBytes: options.maxJsonBytes,
    signal: options.signal,
  });
  const parsed = safeParseDocument(PackageLockSchema, value);
  if (!parsed.success) throw fromZodError(parsed.error, 'package-lock.json', { file: path }, 'INPUT_INVALID');
  const lock = parsed.data;
  const direct = new Set<string>();
  const root = lock.packages?.[''];
  if (root) {
    for (const f of DEP_FIELDS) {
      const deps = (root as Record<string, unknown>)[f];
      if (deps && typeof deps === 'object') for (const k of Object.keys(deps)) direct.add(k);
    }
  }
  const seen = new Set<string>();
  if (lock.packages) {
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (key === '' || !key.includes('node_modules/')) continue;
      const ref = npmPackageFromPath(`/${key}`);
      if (!ref) {
        throw new VigilError('INPUT_INVALID', `cannot read a package name from the key "${key}"`, {
          location: { file: path, line: lineOfKey(text, key) ?? 1, path: ['packages', key] },
        });
      }
      const id = `${ref.name}@${entry.version ?? ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      yield lockPackage(
        path,
        'package-lock.json',
        ref.name,
        entry.version,
        `packages.${key}`,
        direct.has(ref.name) && key === `node_modules/${ref.name}`,
        lineOfKey(text, key),
      );
    }
    return;
  }
  // Lockfile version 1: a nested `dependencies` tree.
  const stack: [Record<string, unknown>, string[], boolean][] = [
    [lock.dependencies ?? {}, ['dependencies'], true],
  ];
  while (stack.length > 0) {
    const [deps, at, top] = stack.pop()!;
    for (const [name, raw] of Object.entries(deps)) {
      const entry = LockEntry.extend({
        dependencies: z.record(z.string(), z.unknown()).optional(),
      }).safeParse(raw);
      if (!entry.success)
        throw fromZodError(
          entry.error,
          'package-lock.json',
          { file: path, path: [...at, name] },
          'INPUT_INVALID',
        );
      const id = `${name}@${entry.data.version ?? ''}`;
      if (!seen.has(id)) {
        seen.add(id);
        yield lockPackage(
          path,
          'package-lock.json',
          name,
          entry.data.version,
          [...at, name].join('.'),
          top,
          lineOfKey(text, name),
        );
      }
      if (entry.data.dependencies)
        stack.push([entry.data.dependencies, [...at, name, 'dependencies'], false]);
    }
  }
}

function lockPackage(
  file: string,
  input: 'package-lock.json' | 'pnpm-lock.yaml' | 'yarn.lock',
  name: string,
  version: string | undefined,
  path: string | undefined,
  direct: boolean | undefined,
  line: number | undefined,
): DeclaredPackage {
  return {
    kind: 'package',
    ecosystem: 'npm',
    name,
    ...(version ? { version } : {}),
    declaration: {
      file,
      input,
      ...(line ? { line } : {}),
      ...(path ? { path } : {}),
      ...(version ? { specifier: version } : {}),
      ...(direct !== undefined ? { direct } : {}),
    },
  };
}

function unquote(s: string): string {
  const t = s.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1);
  return t;
}

/** Parses a pnpm package key: `/name@1.0.0(peer@2)`, `name@1.0.0`, or v5's `/name/1.0.0`. */
function pnpmKey(raw: string): { name: string; version?: string } | undefined {
  let key = unquote(raw);
  if (key.startsWith('/')) key = key.slice(1);
  const paren = key.indexOf('(');
  if (paren > 0) key = key.slice(0, paren);
  const under = key.indexOf('_', key.lastIndexOf('@') + 1);
  if (under > 0) key = key.slice(0, under);
  const { name, version } = splitNpmSpec(key);
  if (version !== undefined && isNpmName(name)) return { name, version };
  // pnpm lockfile v5: name/version.
  const slash = key.lastIndexOf('/');
  if (slash > 0 && /^\d/.test(key.slice(slash + 1)) && isNpmName(key.slice(0, slash))) {
    return { name: key.slice(0, slash), version: key.slice(slash + 1) };
  }
  return isNpmName(name) ? { name } : undefined;
}

/**
 * Reads a `pnpm-lock.yaml` (lockfile versions 5–9) line by line, in constant
 * memory: every package under `packages:` and the direct dependencies of every
 * importer.
 */
export async function* readPnpmLock(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredPackage> {
  let section = '';
  let sawVersion = false;
  let importer = '';
  let depField = '';
  let pendingDirect: { name: string; line: number; specifier?: string } | undefined;
  const directNames = new Set<string>();
  for await (const { text, line } of readLines(path, options.maxLineBytes, options.signal)) {
    if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
    if (text.includes('\t') && /^\s*\t/.test(text)) {
      throw new VigilError('PARSE', 'tab used for indentation (YAML allows spaces only)', {
        location: { file: path, line },
      });
    }
    const indent = text.length - text.trimStart().length;
    if (indent === 0) {
      const m = /^([A-Za-z][\w-]*):(.*)$/.exec(text);
      if (!m) {
        throw new VigilError(
          'PARSE',
          `expected a top-level key such as "packages:", found "${text.slice(0, 60)}"`,
          {
            location: { file: path, line },
          },
        );
      }
      section = m[1]!;
      if (section === 'lockfileVersion') sawVersion = true;
      else if (!sawVersion) {
        throw new VigilError('INPUT_INVALID', 'not a pnpm lockfile: expected "lockfileVersion:" first', {
          location: { file: path, line },
        });
      }
      continue;
    }
    if (section === 'importers') {
      if (indent === 2) importer = unquote(text.trim().replace(/:$/, ''));
      else if (indent === 4) depField = text.trim().replace(/:$/, '');
      else if (indent === 6 && /Dependencies$|^dependencies$/.test(depField)) {
        const m = /^\s*(['"]?[^'":]+['"]?):\s*(.*)$/.exec(text);
        if (!m)
          throw new VigilError('PARSE', 'expected "name:" for a dependency', {
            location: { file: path, line },
          });
        const name = unquote(m[1]!);
        pendingDirect = { name, line, ...(m[2] ? { specifier: unquote(m[2]) } : {}) };
        directNames.add(name);
      } else if (indent === 8 && pendingDirect) {
        const m = /^\s*(specifier|version):\s*(.+)$/.exec(text);
        if (m?.[1] === 'version') {
          const version = unquote(m[2]!).replace(/\(.*$/, '');
          yield {
            kind: 'package',
            ecosystem: 'npm',
            name: pendingDirect.name,
            ...(/^\d/.test(version) ? { version } : {}),
            declaration: {
              file: path,
              input: 'pnpm-lock.yaml',
              line: pendingDirect.line,
              path: `importers.${importer}.${depField}.${pendingDirect.name}`,
              specifier: pendingDirect.specifier ?? version,
              direct: true,
            },
          };
          pendingDirect = undefined;
        } else if (m?.[1] === 'specifier') pendingDirect.specifier = unquote(m[2]!);
      }
      continue;
    }
    if (section === 'packages' && indent === 2) {
      const t = text.trim();
      if (!t.endsWith(':') && !/:\s*\{.*\}$/.test(t)) {
        throw new VigilError('PARSE', `expected a package key ending in ":", found "${t.slice(0, 60)}"`, {
          location: { file: path, line },
        });
      }
      const rawKey = t.replace(/:\s*\{.*\}$/, '').replace(/:$/, '');
      const key = pnpmKey(rawKey);
      if (!key) {
        throw new VigilError(
          'PARSE',
          `cannot read a package name and version from "${rawKey.slice(0, 80)}"`,
          {
            location: { file: path, line, path: ['packages', rawKey] },
          },
        );
      }
      yield lockPackage(
        path,
        'pnpm-lock.yaml',
        key.name,
        key.version,
        `packages.${rawKey}`,
        directNames.has(key.name) ? undefined : false,
        line,
      );
    }
  }
  if (!sawVersion)
    throw new VigilError('INPUT_INVALID', 'not a pnpm lockfile: no "lockfileVersion:"', {
      location: { file: path },
    });
}

/** Reads a `yarn.lock` (classic v1 or Berry) line by line, in constant memory. */
export async function* readYarnLock(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredPackage> {
  let current: { name: string; line: number; spec: string } | undefined;
  for await (const { text, line } of readLines(path, options.maxLineBytes, options.signal)) {
    if (text.trim() === '' || text.startsWith('#')) continue;
    if (!text.startsWith(' ')) {
      if (!text.endsWith(':')) {
        throw new VigilError('PARSE', `expected an entry like "name@range:", found "${text.slice(0, 60)}"`, {
          location: { file: path, line },
        });
      }
      const first = unquote(text.slice(0, -1).split(',')[0]!);
      if (first === '__metadata') {
        current = undefined;
        continue;
      }
      const { name } = splitNpmSpec(first);
      if (!isNpmName(name)) {
        throw new VigilError('PARSE', `cannot read a package name from "${first.slice(0, 80)}"`, {
          location: { file: path, line },
        });
      }
      current = { name, line, spec: first.slice(name.length + 1) };
      continue;
    }
    if (current) {
      const m = /^\s{2}version:?\s+"?([^"\s]+)"?\s*$/.exec(text);
      if (m) {
        yield lockPackage(
          path,
          'yarn.lock',
          current.name,
          m[1],
          current.spec ? `${current.name}@${current.spec}` : current.name,
          undefined,
          current.line,
        );
        current = undefined;
      }
    }
  }
}
