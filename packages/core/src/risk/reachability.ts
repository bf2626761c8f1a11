import { normalizePythonName } from '../catalogue/catalogue.js';
import {
  installedPythonModules,
  PYTHON_IMPORT_NAMES,
  pythonDistributionsOf,
} from '../catalogue/python-distributions.js';
import type { Finding } from '../findings/finding.js';
import type { ObservedUseDocument } from '../permissions/observed/use.js';

/** A package a finding is about. */
export interface PackageRef {
  /** `npm` or `pypi`. */
  readonly ecosystem: string;
  /** Normalised name (`@scope/name` for npm; lower case with `-` for PyPI). */
  readonly name: string;
  readonly version?: string;
}

const PURL = /pkg:(npm|pypi)\/((?:%40|@)[^/@\s]+\/[^@\s/?#]+|[^@\s/?#]+)(?:@([^\s?#]+))?/i;

function normalise(ecosystem: string, name: string): string {
  const n = decodeURIComponent(name);
  return ecosystem === 'pypi' ? normalizePythonName(n) : n;
}

/**
 * The package a finding is about, from a package URL (`pkg:npm/…`,
 * `pkg:pypi/…`) in its evidence, title or summary.
 *
 * @example
 * ```ts
 * packageOfFinding(finding); // { ecosystem: 'npm', name: 'lodash', version: '4.17.20' }
 * ```
 */
export function packageOfFinding(f: Finding): PackageRef | undefined {
  const texts = [
    ...f.evidence.flatMap((e) => [e.uri ?? '', e.path ?? '', e.description]),
    f.title,
    f.summary,
  ];
  for (const t of texts) {
    const m = PURL.exec(t);
    if (m) {
      const ecosystem = m[1]!.toLowerCase();
      return { ecosystem, name: normalise(ecosystem, m[2]!), ...(m[3] ? { version: m[3] } : {}) };
    }
  }
  return undefined;
}

const PY_ROOT = /\/(?:site|dist)-packages\//g;

/** Options for {@link loadedPackages}. */
export interface LoadedPackagesOptions {
  /**
   * Read the `*.dist-info`/`*.egg-info` metadata of each `site-packages`
   * folder seen in the capture, when it exists on this machine, to tell which
   * distribution installs an import name (default true; false uses only
   * {@link PYTHON_IMPORT_NAMES}).
   */
  readonly installed?: boolean;
}

/** The distributions one file under a `site-packages` folder belongs to, or none. */
function pythonDistributionsOfPath(
  path: string,
  installed: (site: string) => ReadonlyMap<string, readonly string[]> | undefined,
): string[] {
  // The innermost site-packages of the path: a virtualenv inside another install.
  let end = -1;
  for (const m of path.matchAll(PY_ROOT)) end = m.index + m[0].length;
  if (end < 0) return [];
  const site = path.slice(0, end - 1);
  const parts = path.slice(end).split('/');
  const head = parts[0]!;
  if (head === '' || head === '__pycache__' || /\.(dist|egg)-info$/.test(head) || head.startsWith('.'))
    return [];
  if (parts.length === 1 && !/\.(py|pyc|so|pyd)$/.test(head)) return [];
  const first = parts.length === 1 ? head.replace(/\..*$/, '') : head;
  const meta = installed(site);
  if (parts.length > 2) {
    const two = `${first}.${parts[1]!.replace(/\.py$/, '')}`;
    if (meta?.has(two) || PYTHON_IMPORT_NAMES[two]) return pythonDistributionsOf(two, meta);
  }
  return pythonDistributionsOf(first, meta);
}

/**
 * Packages loaded at runtime, from the files workloads read: everything under
 * `node_modules/NAME/` (the innermost package of nested installs), and
 * modules under `site-packages/` or `dist-packages/` mapped to the
 * distribution that installs them (its `top_level.txt`/`RECORD` when the
 * folder exists here, else {@link PYTHON_IMPORT_NAMES}: `yaml/` is PyYAML).
 * Maps `ecosystem:name` to the workload ids that loaded it.
 *
 * @example
 * ```ts
 * loadedPackages(observed).get('npm:lodash'); // Set { 'k8s:pod:…' }
 * loadedPackages(observed).get('pypi:pyyaml'); // Set { 'host:python3' } after `import yaml`
 * ```
 */
export function loadedPackages(
  observed: ObservedUseDocument,
  options: LoadedPackagesOptions = {},
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const sites = new Map<string, Map<string, string[]>>();
  const installed = (site: string) => {
    if (options.installed === false) return undefined;
    const known = sites.get(site);
    if (known) return known;
    const read = installedPythonModules(site);
    sites.set(site, read);
    return read;
  };
  const add = (key: string, who: string) => {
    const s = out.get(key) ?? new Set<string>();
    s.add(who);
    out.set(key, s);
  };
  for (const u of observed.uses) {
    if (u.target.domain !== 'file' || u.action !== 'read' || u.count === 0) continue;
    const who = u.subject.replace(/^workload:/, '');
    const path = u.target.path;
    const at = path.lastIndexOf('/node_modules/');
    if (at >= 0) {
      const m = /^((?:@[^/]+\/)?[^/]+)\//.exec(path.slice(at + '/node_modules/'.length));
      if (m && !m[1]!.startsWith('.')) add(`npm:${m[1]}`, who);
    }
    for (const dist of pythonDistributionsOfPath(path, installed)) add(`pypi:${dist}`, who);
  }
  return out;
}
