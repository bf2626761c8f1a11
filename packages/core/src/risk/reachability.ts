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
  return ecosystem === 'pypi' ? n.toLowerCase().replace(/[-_.]+/g, '-') : n;
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

const PY_PATH = /\/(?:site|dist)-packages\/([^/]+?)(?:\.py|\/)/;

/**
 * Packages loaded at runtime, from the files workloads read: everything under
 * `node_modules/NAME/` (the innermost package of nested installs) and
 * `site-packages/NAME/` or `dist-packages/NAME`. Maps `ecosystem:name` to the
 * workload ids that loaded it.
 *
 * @example
 * ```ts
 * loadedPackages(observed).get('npm:lodash'); // Set { 'k8s:pod:…' }
 * ```
 */
export function loadedPackages(observed: ObservedUseDocument): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
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
    const py = PY_PATH.exec(path);
    if (py && !py[1]!.endsWith('.dist-info') && py[1] !== '__pycache__')
      add(`pypi:${normalise('pypi', py[1]!)}`, who);
  }
  return out;
}
