import { posix } from 'node:path';

// Reading package identity from the paths and command lines seen at run time.

/** A package named by a path or a command line. */
export interface RuntimePackage {
  readonly ecosystem: 'npm' | 'pypi';
  readonly name: string;
  readonly version?: string;
}

const NPM_NAME = /^(?:@[a-z0-9~][a-z0-9._~-]*\/)?[a-z0-9~][a-z0-9._~-]*$/i;
const PY_NAME = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/i;

/** True for a syntactically valid npm package name. */
export function isNpmName(name: string): boolean {
  return name.length <= 214 && NPM_NAME.test(name);
}

/**
 * The npm package a file belongs to, from the last `node_modules/` in its
 * path; the version when the path is inside pnpm's `.pnpm/<name>@<version>` store.
 *
 * @example
 * ```ts
 * npmPackageFromPath('/app/node_modules/.pnpm/openai@7.5.0_zod@4.1.0/node_modules/openai/index.mjs');
 * // { ecosystem: 'npm', name: 'openai', version: '7.5.0' }
 * ```
 */
export function npmPackageFromPath(rawPath: string): RuntimePackage | undefined {
  // `node_modules/.bin/../pkg/…` is how npm's bin shims start a package.
  const path = rawPath.includes('/.') ? posix.normalize(rawPath) : rawPath;
  const marker = '/node_modules/';
  const i = path.lastIndexOf(marker);
  if (i < 0) return undefined;
  const segs = path.slice(i + marker.length).split('/');
  let name = segs[0];
  if (!name || name.startsWith('.')) return undefined;
  if (name.startsWith('@')) {
    if (!segs[1]) return undefined;
    name = `${name}/${segs[1]}`;
  }
  if (!isNpmName(name)) return undefined;
  const before = path.slice(0, i);
  const storeSeg = before.slice(before.lastIndexOf('/') + 1);
  const prefix = `${name.replace('/', '+')}@`;
  if (before.endsWith(`/.pnpm/${storeSeg}`) && storeSeg.startsWith(prefix)) {
    const version = /^[^_(]+/.exec(storeSeg.slice(prefix.length))?.[0];
    if (version) return { ecosystem: 'npm', name, version };
  }
  return { ecosystem: 'npm', name };
}

/**
 * The Python distribution (or top-level module) a file belongs to, from the
 * segment after `site-packages/` or `dist-packages/`; the version when the
 * path is inside a `*.dist-info` folder.
 *
 * @example
 * ```ts
 * pythonPackageFromPath('/usr/lib/python3/dist-packages/langchain_core/runnables/base.py');
 * // { ecosystem: 'pypi', name: 'langchain_core' }
 * ```
 */
export function pythonPackageFromPath(rawPath: string): RuntimePackage | undefined {
  const path = rawPath.includes('/.') ? posix.normalize(rawPath) : rawPath;
  const m = /\/(?:site|dist)-packages\/([^/]+)/.exec(path);
  if (!m) return undefined;
  const seg = m[1]!;
  const info = /^(.+?)-([^-]+)\.(?:dist-info|egg-info)$/.exec(seg);
  if (info) return { ecosystem: 'pypi', name: info[1]!, version: info[2]! };
  if (seg.startsWith('_') || seg.endsWith('.pth') || seg.endsWith('.egg-link')) return undefined;
  const name = seg
    .replace(/\.(?:cpython|abi3|pypy)[^/]*\.so$/, '')
    .replace(/\.(py|pyc|so|libs|data)$/, '')
    .replace(/\.libs$/, '');
  if (!PY_NAME.test(name)) return undefined;
  return { ecosystem: 'pypi', name };
}

/** Splits `name@version` (npm, scoped or not) into its parts. */
export function splitNpmSpec(spec: string): { name: string; version?: string } {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  if (at <= 0) return { name: spec };
  const version = spec.slice(at + 1);
  return version ? { name: spec.slice(0, at), version } : { name: spec.slice(0, at) };
}

/** Splits `name==1.2`, `name@1.2` or `name[extra]>=1` (Python) into name and version. */
export function splitPythonSpec(spec: string): { name: string; version?: string } {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?:(==|@|>=|~=|<=|>|<|!=)\s*(.+))?$/.exec(
    spec.trim(),
  );
  if (!m) return { name: spec.trim() };
  return m[3] !== undefined && m[2] === '==' ? { name: m[1]!, version: m[3]!.trim() } : { name: m[1]! };
}

const NPM_RUNNERS = new Set(['npx', 'pnpx', 'bunx']);
const PY_RUNNERS = new Set(['uvx', 'pipx']);

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

// Options of the runners that take a value, so the value is not read as the package.
const VALUE_OPTIONS = new Set([
  '-p',
  '--package',
  '--from',
  '--with',
  '--python',
  '-c',
  '--call',
  '--registry',
  '--cache',
  '--spec',
]);

function firstPackageArg(args: readonly string[]): { pkg?: string; explicit?: string } {
  let explicit: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--')
      return { ...(args[i + 1] ? { pkg: args[i + 1]! } : {}), ...(explicit ? { explicit } : {}) };
    if (a.startsWith('-')) {
      const eq = a.indexOf('=');
      const opt = eq > 0 ? a.slice(0, eq) : a;
      if (opt === '-p' || opt === '--package' || opt === '--from' || opt === '--spec') {
        explicit = eq > 0 ? a.slice(eq + 1) : args[i + 1];
      }
      if (eq < 0 && VALUE_OPTIONS.has(opt)) i++;
      continue;
    }
    return { pkg: a, ...(explicit ? { explicit } : {}) };
  }
  return explicit ? { explicit } : {};
}

/**
 * The packages a command line runs: `npx [-y] PKG`, `pnpm dlx PKG`,
 * `npm exec PKG`, `uvx PKG`, `pipx run PKG`, `uv tool run PKG`,
 * `node …/node_modules/PKG/…`, `python -m MODULE`, and scripts inside
 * `site-packages`.
 *
 * @example
 * ```ts
 * packagesInCommandLine(['npx', '-y', '@modelcontextprotocol/server-filesystem@2026.1.0', '/data']);
 * // [{ ecosystem: 'npm', name: '@modelcontextprotocol/server-filesystem', version: '2026.1.0' }]
 * ```
 */
export function packagesInCommandLine(argv: readonly string[]): RuntimePackage[] {
  const out: RuntimePackage[] = [];
  const add = (ref: RuntimePackage | undefined) => {
    if (ref && !out.some((o) => o.ecosystem === ref.ecosystem && o.name === ref.name)) out.push(ref);
  };
  const npmSpec = (spec: string | undefined) => {
    if (!spec || spec.includes('/node_modules/') || spec.startsWith('.') || spec.startsWith('/')) return;
    const { name, version } = splitNpmSpec(spec);
    if (isNpmName(name)) add({ ecosystem: 'npm', name, ...(version ? { version } : {}) });
  };
  const pySpec = (spec: string | undefined) => {
    if (!spec || spec.startsWith('.') || spec.startsWith('/')) return;
    const { name, version } = splitPythonSpec(spec);
    if (PY_NAME.test(name)) add({ ecosystem: 'pypi', name, ...(version ? { version } : {}) });
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const base = basename(a);
    const rest = argv.slice(i + 1);
    if (NPM_RUNNERS.has(base)) {
      const { pkg, explicit } = firstPackageArg(rest);
      npmSpec(explicit ?? pkg);
      break;
    }
    if ((base === 'pnpm' || base === 'yarn' || base === 'bun') && (rest[0] === 'dlx' || rest[0] === 'x')) {
      const { pkg, explicit } = firstPackageArg(rest.slice(1));
      npmSpec(explicit ?? pkg);
      break;
    }
    if (base === 'npm' && (rest[0] === 'exec' || rest[0] === 'x')) {
      const { pkg, explicit } = firstPackageArg(rest.slice(1));
      npmSpec(explicit ?? pkg);
      break;
    }
    if (PY_RUNNERS.has(base) || (base === 'uv' && rest[0] === 'tool' && rest[1] === 'run')) {
      const args =
        base === 'pipx' ? (rest[0] === 'run' ? rest.slice(1) : []) : base === 'uv' ? rest.slice(2) : rest;
      const { pkg, explicit } = firstPackageArg(args);
      pySpec(explicit ?? pkg);
      break;
    }
    if (/^python[0-9.]*$/.test(base) && rest[0] === '-m' && rest[1]) {
      pySpec(rest[1].split('.')[0]!.replace(/_/g, '-'));
      break;
    }
    if (a.includes('/node_modules/')) add(npmPackageFromPath(a));
    else if (/\/(site|dist)-packages\//.test(a)) add(pythonPackageFromPath(a));
  }
  return out;
}

const CONTAINER_CLIS = new Set(['docker', 'podman', 'nerdctl']);
// `run` options that take a value (the next argument unless written `--opt=value`).
const RUN_VALUE_OPTIONS = new Set([
  '-e',
  '--env',
  '--env-file',
  '-v',
  '--volume',
  '--mount',
  '--name',
  '-p',
  '--publish',
  '--network',
  '--net',
  '-w',
  '--workdir',
  '-u',
  '--user',
  '--entrypoint',
  '-l',
  '--label',
  '--platform',
  '--pull',
  '-h',
  '--hostname',
  '--add-host',
  '--cap-add',
  '--cap-drop',
  '--device',
  '--dns',
  '--memory',
  '-m',
  '--cpus',
  '--restart',
  '--security-opt',
  '--tmpfs',
  '--ulimit',
  '--runtime',
  '--gpus',
  '--ipc',
  '--pid',
  '--shm-size',
  '--log-driver',
  '--log-opt',
  '--stop-signal',
  '--health-cmd',
  '--group-add',
  '--userns',
  '--cidfile',
]);

/**
 * The container image a `docker run`, `podman run` or `nerdctl run` command
 * line starts (as MCP client configurations often launch servers).
 *
 * @example
 * ```ts
 * imageInCommandLine(['docker', 'run', '-i', '--rm', '-e', 'GITHUB_TOKEN', 'ghcr.io/github/github-mcp-server']);
 * // 'ghcr.io/github/github-mcp-server'
 * ```
 */
export function imageInCommandLine(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => CONTAINER_CLIS.has(basename(a)));
  if (i < 0) return undefined;
  let j = i + 1;
  if (argv[j] === 'container') j++;
  if (argv[j] !== 'run') return undefined;
  for (j++; j < argv.length; j++) {
    const a = argv[j]!;
    if (a === '--') return argv[j + 1];
    if (a.startsWith('-')) {
      if (!a.includes('=') && RUN_VALUE_OPTIONS.has(a)) j++;
      continue;
    }
    return a;
  }
  return undefined;
}
