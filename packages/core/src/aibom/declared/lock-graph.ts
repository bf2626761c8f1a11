import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { splitNpmSpec } from '../../catalogue/package-paths.js';
import { VigilError } from '../../errors/vigil-error.js';
import type { DeclaredPackage } from './declared-component.js';

/**
 * The dependency graph of a lockfile: for each importer (a workspace package,
 * `.` for the root), its direct dependencies; for each resolved package, the
 * packages it depends on. Nodes are lockfile keys; `name` and `version` say
 * what each key resolves to.
 */
export interface LockGraph {
  readonly file: string;
  readonly input: 'pnpm-lock.yaml' | 'package-lock.json' | 'yarn.lock';
  /** importer → direct dependency keys. */
  readonly importers: ReadonlyMap<string, readonly string[]>;
  /** package key → dependency keys. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** package key → name and version. */
  readonly nodes: ReadonlyMap<string, { readonly name: string; readonly version?: string }>;
}

const MAX_LOCK_BYTES = 256 * 1024 * 1024;

function readText(path: string): string {
  const size = statSync(path).size;
  if (size > MAX_LOCK_BYTES)
    throw new VigilError('INPUT_INVALID', `lockfile is ${size} bytes, more than the ${MAX_LOCK_BYTES} read`, {
      location: { file: path },
    });
  return readFileSync(path, 'utf8');
}

function unquote(s: string): string {
  const t = s.trim();
  return (t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))
    ? t.slice(1, -1)
    : t;
}

/** `name@1.0.0(peer@2)` → name and version, for pnpm keys (a leading `/` in lockfile v6). */
function pnpmNode(key: string): { name: string; version?: string } {
  const bare = key.replace(/^\//, '').replace(/\(.*$/, '');
  const { name, version } = splitNpmSpec(bare);
  return version !== undefined ? { name, version } : { name };
}

/**
 * Reads the dependency graph of a `pnpm-lock.yaml` (lockfile versions 6–9:
 * `importers`, and `snapshots` or `packages` with their `dependencies` and
 * `optionalDependencies`). Version 5 lockfiles give no graph (empty maps).
 *
 * @example
 * ```ts
 * import { readPnpmLockGraph } from '@vigil/core';
 *
 * const g = readPnpmLockGraph('pnpm-lock.yaml');
 * g.importers.get('examples/lab'); // [… '@openai/agents@0.20.0(ws@8.23.0)(zod@4.6.7)', 'openai@7.57.0(ws@8.23.0)(zod@4.6.7)', …]
 * ```
 */
export function readPnpmLockGraph(path: string): LockGraph {
  const importers = new Map<string, string[]>();
  const deps = new Map<string, string[]>();
  const nodes = new Map<string, { name: string; version?: string }>();
  let section = '';
  let owner = '';
  let field = '';
  let pendingName: string | undefined;
  const lines = readText(path).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/\r$/, '');
    if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
    const indent = text.length - text.trimStart().length;
    const t = text.trim();
    if (indent === 0) {
      section = t.replace(/:.*$/, '');
      continue;
    }
    if (section === 'importers') {
      if (indent === 2) {
        owner = unquote(t.replace(/:$/, ''));
        importers.set(owner, []);
      } else if (indent === 4) field = t.replace(/:$/, '');
      else if (indent === 6 && /^(dependencies|devDependencies|optionalDependencies)$/.test(field)) {
        pendingName = unquote(t.replace(/:$/, ''));
      } else if (indent === 8 && pendingName !== undefined) {
        const m = /^version:\s*(.+)$/.exec(t);
        if (m) {
          const version = unquote(m[1]!);
          // link: and file: dependencies are workspace packages, not resolved packages.
          // A dependency before any importer (a hand-cut lockfile) belongs to none: skipped.
          if (!/^(link|file):/.test(version)) importers.get(owner)?.push(`${pendingName}@${version}`);
          pendingName = undefined;
        }
      }
      continue;
    }
    if (section === 'snapshots' || section === 'packages') {
      if (indent === 2) {
        owner = unquote(t.replace(/:\s*\{.*\}$/, '').replace(/:$/, '')).replace(/^\//, '');
        if (!nodes.has(owner)) nodes.set(owner, pnpmNode(owner));
        field = '';
      } else if (indent === 4) field = t.replace(/:.*$/, '');
      else if (indent === 6 && (field === 'dependencies' || field === 'optionalDependencies')) {
        const m = /^(['"]?[^'":]+['"]?):\s*(.+)$/.exec(t);
        if (!m) continue;
        const name = unquote(m[1]!);
        const version = unquote(m[2]!);
        if (/^(link|file):/.test(version)) continue;
        let list = deps.get(owner);
        if (!list) {
          list = [];
          deps.set(owner, list);
        }
        list.push(`${name}@${version}`);
      }
    }
  }
  return { file: path, input: 'pnpm-lock.yaml', importers, deps, nodes };
}

/**
 * Reads the dependency graph of an npm `package-lock.json` (lockfile
 * versions 2 and 3: the `packages` map), resolving each dependency the way
 * Node does: the nearest `node_modules` up the tree. Workspace packages are
 * importers under their folder; the root is `.`.
 *
 * @example
 * ```ts
 * import { readPackageLockGraph } from '@vigil/core';
 *
 * const g = readPackageLockGraph('package-lock.json');
 * g.deps.get('node_modules/@openai/agents'); // ['node_modules/@openai/agents-core', …]
 * ```
 */
export function readPackageLockGraph(path: string): LockGraph {
  let doc: unknown;
  try {
    doc = JSON.parse(readText(path));
  } catch (cause) {
    throw new VigilError('PARSE', `package-lock.json is not valid JSON: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  const packages = (doc as { packages?: unknown } | null)?.packages;
  const importers = new Map<string, string[]>();
  const deps = new Map<string, string[]>();
  const nodes = new Map<string, { name: string; version?: string }>();
  if (packages === null || typeof packages !== 'object')
    return { file: path, input: 'package-lock.json', importers, deps, nodes };
  const entries = packages as Record<string, { version?: unknown } & Record<string, unknown>>;
  const resolve = (from: string, dep: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
      if (entries[candidate] !== undefined) return candidate;
      if (base === '') return undefined;
      const at = base.lastIndexOf('/node_modules/');
      base = at >= 0 ? base.slice(0, at) : '';
    }
  };
  for (const [key, entry] of Object.entries(entries)) {
    if (entry === null || typeof entry !== 'object') continue;
    const names = new Set<string>();
    for (const f of ['dependencies', 'optionalDependencies', 'devDependencies', 'peerDependencies']) {
      const d = entry[f];
      if (d !== null && typeof d === 'object') for (const n of Object.keys(d)) names.add(n);
    }
    const targets = [...names].map((n) => resolve(key, n)).filter((x): x is string => x !== undefined);
    if (!key.includes('node_modules/')) {
      importers.set(key === '' ? '.' : key, targets);
      continue;
    }
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    nodes.set(key, typeof entry.version === 'string' ? { name, version: entry.version } : { name });
    deps.set(key, targets);
  }
  return { file: path, input: 'package-lock.json', importers, deps, nodes };
}

/**
 * Reads the dependency graph of a `yarn.lock` (classic v1 and Berry):
 * entries by every spec they resolve (`a@^1.0.0`), with their
 * `dependencies`. A yarn.lock names no importers: the direct dependencies
 * come from the `package.json` beside it (`directSpecs`).
 *
 * @example
 * ```ts
 * import { readYarnLockGraph } from '@vigil/core';
 *
 * const g = readYarnLockGraph('yarn.lock', { openai: '^4.0.0' });
 * ```
 */
export function readYarnLockGraph(
  path: string,
  directSpecs: Readonly<Record<string, string>> = {},
): LockGraph {
  const bySpec = new Map<string, string>();
  const deps = new Map<string, string[]>();
  const nodes = new Map<string, { name: string; version?: string }>();
  const rawDeps = new Map<string, [string, string][]>();
  let current: string | undefined;
  let inDeps = false;
  for (const raw of readText(path).split('\n')) {
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '' || text.startsWith('#')) continue;
    if (!text.startsWith(' ')) {
      const specs = text
        .replace(/:$/, '')
        .split(',')
        .map((s) => unquote(s));
      if (specs[0] === '__metadata') {
        current = undefined;
        continue;
      }
      current = specs[0]!;
      const { name } = splitNpmSpec(current);
      nodes.set(current, { name });
      for (const s of specs) bySpec.set(s, current);
      inDeps = false;
      continue;
    }
    if (current === undefined) continue;
    const indent = text.length - text.trimStart().length;
    const t = text.trim();
    if (indent === 2) {
      inDeps = /^(dependencies|optionalDependencies):?$/.test(t);
      const v = /^version:?\s+"?([^"\s]+)"?$/.exec(t);
      if (v) nodes.set(current, { name: nodes.get(current)!.name, version: v[1]! });
    } else if (indent === 4 && inDeps) {
      const m = /^("?[^"\s:]+"?):?\s+"?([^"]+)"?$/.exec(t);
      if (!m) continue;
      const list = rawDeps.get(current) ?? [];
      list.push([unquote(m[1]!), unquote(m[2]!)]);
      rawDeps.set(current, list);
    }
  }
  const find = (name: string, range: string) =>
    bySpec.get(`${name}@${range}`) ?? bySpec.get(`${name}@npm:${range.replace(/^npm:/, '')}`);
  for (const [key, list] of rawDeps)
    deps.set(
      key,
      list.map(([n, r]) => find(n, r)).filter((x): x is string => x !== undefined),
    );
  const direct = Object.entries(directSpecs)
    .map(([n, r]) => find(n, r))
    .filter((x): x is string => x !== undefined);
  return { file: path, input: 'yarn.lock', importers: new Map([['.', direct]]), deps, nodes };
}

/**
 * The packages reachable from an importer's direct dependencies, each once,
 * with the shortest chain of package names that leads to it (direct
 * dependency first, its own name last).
 *
 * @example
 * ```ts
 * for (const [key, via] of transitiveDependencies(graph, '.')) console.log(via.join(' → '));
 * ```
 */
export function transitiveDependencies(graph: LockGraph, importer: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const queue: string[] = [];
  for (const k of graph.importers.get(importer) ?? []) {
    if (out.has(k)) continue;
    out.set(k, [graph.nodes.get(k)?.name ?? pnpmNode(k).name]);
    queue.push(k);
  }
  while (queue.length > 0) {
    const k = queue.shift()!;
    const via = out.get(k)!;
    for (const d of graph.deps.get(k) ?? []) {
      if (out.has(d)) continue;
      out.set(d, [...via, graph.nodes.get(d)?.name ?? pnpmNode(d).name]);
      queue.push(d);
    }
  }
  return out;
}

/**
 * The lockfile that resolves a `package.json`: a `package-lock.json` or
 * `yarn.lock` beside it, or a `pnpm-lock.yaml` beside it or in a workspace
 * root above it; with the importer key the package has in it.
 *
 * @example
 * ```ts
 * import { findLockfile } from '@vigil/core';
 *
 * findLockfile('examples/lab/package.json'); // { file: 'pnpm-lock.yaml', importer: 'examples/lab' }
 * ```
 */
export function findLockfile(packageJson: string): { file: string; importer: string } | undefined {
  const dir = dirname(packageJson);
  for (const name of ['pnpm-lock.yaml', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock']) {
    const f = join(dir, name);
    if (existsSync(f)) return { file: f, importer: '.' };
  }
  for (let d = dirname(dir); ; d = dirname(d)) {
    const f = join(d, 'pnpm-lock.yaml');
    if (existsSync(f)) return { file: f, importer: relative(d, dir).split(sep).join('/') };
    const pl = join(d, 'package-lock.json');
    if (existsSync(pl)) return { file: pl, importer: relative(d, dir).split(sep).join('/') };
    if (dirname(d) === d) return undefined;
  }
}

/**
 * The transitive dependencies of the packages a `package.json` declares,
 * from its lockfile's dependency graph ({@link findLockfile}): each as a
 * declared package with `direct: false` and the chain that brings it in
 * (`via`). Packages the `package.json` names itself are left out (they are
 * declared directly). Nothing when no lockfile is found.
 *
 * @example
 * ```ts
 * import { declaredTransitive } from '@vigil/core';
 *
 * for (const p of declaredTransitive('examples/lab/package.json'))
 *   console.log(p.name, p.declaration.via?.join(' → '));
 * ```
 */
export function declaredTransitive(
  packageJson: string,
  direct: Readonly<Record<string, string>>,
): DeclaredPackage[] {
  const lock = findLockfile(packageJson);
  if (!lock) return [];
  const graph = lock.file.endsWith('pnpm-lock.yaml')
    ? readPnpmLockGraph(lock.file)
    : lock.file.endsWith('yarn.lock')
      ? readYarnLockGraph(lock.file, direct)
      : readPackageLockGraph(lock.file);
  const out: DeclaredPackage[] = [];
  const seen = new Set<string>();
  for (const [key, via] of transitiveDependencies(graph, lock.importer)) {
    const node = graph.nodes.get(key) ?? pnpmNode(key);
    if (via.length < 2 || direct[node.name] !== undefined) continue;
    const id = `${node.name}@${node.version ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      kind: 'package',
      ecosystem: 'npm',
      name: node.name,
      ...(node.version ? { version: node.version } : {}),
      declaration: {
        file: lock.file,
        input: graph.input,
        path:
          graph.input === 'pnpm-lock.yaml'
            ? `snapshots.${key}`
            : graph.input === 'yarn.lock'
              ? key
              : `packages.${key}`,
        ...(node.version ? { specifier: node.version } : {}),
        direct: false,
        via: via.slice(0, -1),
      },
    });
  }
  return out;
}
