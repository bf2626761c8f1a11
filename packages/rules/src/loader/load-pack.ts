import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inputLimits, parseJsonWithin, VigilError } from '@vigil/core';
import { type RulePack, validateRulePack } from '../api/pack.js';

/**
 * Options of {@link loadRulePack}.
 *
 * @example
 * ```ts
 * await loadRulePack('@acme/vigil-rules', { cwd: '/srv/app' });
 * ```
 */
export interface LoadRulePackOptions {
  /** Where relative paths and package names are resolved from. Default `process.cwd()`. */
  readonly cwd?: string;
}

const CONDITIONS = ['import', 'node', 'module', 'default'];

function pickExport(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = pickExport(t);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (target !== null && typeof target === 'object') {
    for (const c of CONDITIONS) {
      const v = (target as Record<string, unknown>)[c];
      if (v !== undefined) {
        const r = pickExport(v);
        if (r !== undefined) return r;
      }
    }
  }
  return undefined;
}

function splitPackageName(spec: string): { name: string; subpath: string } {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  return {
    name: parts.slice(0, n).join('/'),
    subpath: parts.length > n ? `./${parts.slice(n).join('/')}` : '.',
  };
}

function resolvePackage(spec: string, cwd: string): string {
  const { name, subpath } = splitPackageName(spec);
  const looked: string[] = [];
  let dir = resolve(cwd);
  for (;;) {
    const pkgDir = join(dir, 'node_modules', name);
    looked.push(pkgDir);
    const pkgJson = join(pkgDir, 'package.json');
    if (existsSync(pkgJson)) {
      let pkg: { exports?: unknown; module?: string; main?: string };
      try {
        pkg = readPackageJson(pkgJson) as typeof pkg;
      } catch (cause) {
        throw new VigilError('INPUT_INVALID', `rule pack package "${name}": ${(cause as Error).message}`, {
          cause,
          location: { file: pkgJson },
        });
      }
      let entry: string | undefined;
      if (pkg.exports !== undefined) {
        const exp = pkg.exports as Record<string, unknown> | string;
        const isSubpathMap =
          typeof exp === 'object' && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith('.'));
        entry = pickExport(
          isSubpathMap ? (exp as Record<string, unknown>)[subpath] : subpath === '.' ? exp : undefined,
        );
        if (entry === undefined)
          throw new VigilError(
            'INPUT_INVALID',
            `rule pack package "${name}" exports no "${subpath}" entry for import`,
            {
              location: { file: pkgJson },
            },
          );
      } else if (subpath !== '.') entry = subpath;
      else entry = pkg.module ?? pkg.main ?? 'index.js';
      return join(pkgDir, entry);
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new VigilError(
    'INPUT_INVALID',
    `cannot find rule pack "${spec}": not a file, and no package of that name in ${looked.slice(0, 3).join(', ')}${looked.length > 3 ? ', …' : ''}`,
  );
}

function looksLikePath(spec: string): boolean {
  return (
    spec.startsWith('.') || spec.startsWith('/') || isAbsolute(spec) || /\.(m?js|cjs|ts|mts)$/.test(spec)
  );
}

function findPack(mod: Record<string, unknown>): unknown {
  if (mod['default'] !== undefined) {
    const d = mod['default'] as Record<string, unknown>;
    // A CommonJS or transpiled module may nest the pack one level down.
    if (d && typeof d === 'object' && !('rules' in d) && 'default' in d) return d['default'];
    return d;
  }
  if (mod['pack'] !== undefined) return mod['pack'];
  const candidates = Object.values(mod).filter(
    (v) => v !== null && typeof v === 'object' && Array.isArray((v as { rules?: unknown }).rules),
  );
  return candidates.length === 1 ? candidates[0] : undefined;
}

/**
 * Loads a user rule pack — a module path or an installed package name, as
 * given to `vigil check --rules PACK` — and validates it. The module's default
 * export (or its `pack` export, or its only export that has `rules`) is the
 * pack. Errors are `VigilError`s naming the module, the pack and the rule.
 *
 * @example
 * ```ts
 * import { builtinPacks, loadRulePack, RuleEngine } from '@vigil/rules';
 *
 * const mine = await loadRulePack('@acme/vigil-rules');
 * const engine = new RuleEngine({ packs: [...builtinPacks(), mine] });
 * ```
 */
export async function loadRulePack(spec: string, options: LoadRulePackOptions = {}): Promise<RulePack> {
  const cwd = options.cwd ?? process.cwd();
  let file: string;
  if (looksLikePath(spec)) {
    file = resolve(cwd, spec);
    if (!existsSync(file))
      throw new VigilError('INPUT_INVALID', `rule pack file not found: ${file}`, { location: { file } });
    if (statSync(file).isDirectory()) {
      const pkgJson = join(file, 'package.json');
      if (!existsSync(pkgJson))
        throw new VigilError('INPUT_INVALID', `rule pack directory has no package.json: ${file}`, {
          location: { file },
        });
      const pkg = readPackageJson(pkgJson) as {
        exports?: unknown;
        module?: string;
        main?: string;
      };
      const exp = pkg.exports as Record<string, unknown> | undefined;
      const entry =
        pickExport(exp && typeof exp === 'object' && '.' in exp ? exp['.'] : exp) ??
        pkg.module ??
        pkg.main ??
        'index.js';
      file = join(file, entry);
    }
  } else {
    file = resolvePackage(spec, cwd);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new VigilError(
      'INPUT_INVALID',
      `rule pack "${spec}" could not be imported: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause, location: { file } },
    );
  }
  const pack = findPack(mod);
  if (pack === undefined)
    throw new VigilError(
      'RULE_PACK_INVALID',
      `rule pack "${spec}" exports no pack: export it as the default export (or as "pack")`,
      { location: { file } },
    );
  return validateRulePack(pack, file);
}

/**
 * Loads several user rule packs (as given to repeated `--rules PACK`
 * options), in order. Two packs with the same name are an error naming both
 * sources.
 *
 * @example
 * ```ts
 * import { readBaselineFile } from '@vigil/core';
 * import { builtinPacks, coreBaselineView, loadRulePacks, RuleEngine } from '@vigil/rules';
 *
 * const packs = [...builtinPacks(), ...(await loadRulePacks(['./my-rules.js', '@acme/vigil-rules']))];
 * const engine = new RuleEngine({ packs, baseline: coreBaselineView(await readBaselineFile('b.json')) });
 * ```
 */
export async function loadRulePacks(
  specs: readonly string[],
  options: LoadRulePackOptions = {},
): Promise<RulePack[]> {
  const out: RulePack[] = [];
  const from = new Map<string, string>();
  for (const spec of specs) {
    const pack = await loadRulePack(spec, options);
    const prev = from.get(pack.name);
    if (prev !== undefined)
      throw new VigilError(
        'RULE_PACK_INVALID',
        `rule pack "${pack.name}" is loaded twice: from "${prev}" and "${spec}"`,
      );
    from.set(pack.name, spec);
    out.push(pack);
  }
  return out;
}

// A rule pack's package.json, within INPUT_LIMITS['rule-pack'] (size checked before reading).
function readPackageJson(path: string): unknown {
  const { maxBytes } = inputLimits('rule-pack');
  const size = statSync(path).size;
  if (size > maxBytes)
    throw new VigilError(
      'INPUT_INVALID',
      `package.json is ${size} bytes, over the ${maxBytes}-byte limit for rule packs`,
      {
        location: { file: path },
      },
    );
  return parseJsonWithin(readFileSync(path, 'utf8'), path, 'rule-pack', { what: 'rule pack package.json' });
}
