import { normalizePythonName, type Severity } from '@vigil/core';
import semverCompare from 'semver/functions/compare.js';
import semverParse from 'semver/functions/parse.js';
import { cvss3BaseScore, severityOfCvss } from './cvss.js';
import { comparePep440, type Pep440Version, parsePep440 } from './pep440.js';
import type { OsvAdvisory, OsvRangeEvent } from './schema.js';

/** The package ecosystems advisories are matched for. */
export type AdvisoryEcosystem = 'npm' | 'pypi';

/**
 * A locked package version an advisory affects.
 *
 * @example
 * ```ts
 * const m: AdvisoryMatch = { advisory, ecosystem: 'pypi', name: 'torch', version: '1.12.0', range: '>=0, <1.13.1', severity: 'critical' };
 * ```
 */
export interface AdvisoryMatch {
  readonly advisory: OsvAdvisory;
  readonly ecosystem: AdvisoryEcosystem;
  readonly name: string;
  readonly version: string;
  /** The affected range that matched, for people: `>=0, <1.13.1`. */
  readonly range: string;
  readonly severity: Severity;
}

const GHSA_SEVERITY: Record<string, Severity> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MODERATE: 'medium',
  MEDIUM: 'medium',
  LOW: 'low',
};

/**
 * The severity of an advisory: GitHub's rating when it has one, else the
 * highest CVSS v3 base score among its vectors, else `medium`.
 *
 * @example
 * ```ts
 * advisorySeverity({ id: 'PYSEC-2022-43015', modified: '…', affected: [...], severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/…' }] });
 * ```
 */
export function advisorySeverity(a: OsvAdvisory): Severity {
  const rated = a.database_specific?.severity?.toUpperCase();
  if (rated && GHSA_SEVERITY[rated]) return GHSA_SEVERITY[rated]!;
  let best: number | undefined;
  for (const s of a.severity ?? []) {
    const score = cvss3BaseScore(s.score);
    if (score !== undefined && (best === undefined || score > best)) best = score;
  }
  return best !== undefined ? severityOfCvss(best) : 'medium';
}

type Compare = (a: string, b: string) => number | undefined;

const compareNpm: Compare = (a, b) => {
  const x = a === '0' ? '0.0.0' : a;
  const y = b === '0' ? '0.0.0' : b;
  const px = semverParse(x, { loose: true });
  const py = semverParse(y, { loose: true });
  return px && py ? semverCompare(px, py) : undefined;
};

const pepCache = new Map<string, Pep440Version | undefined>();
function pep(v: string): Pep440Version | undefined {
  if (!pepCache.has(v)) {
    if (pepCache.size > 50_000) pepCache.clear();
    pepCache.set(v, parsePep440(v));
  }
  return pepCache.get(v);
}
const comparePypi: Compare = (a, b) => {
  const x = pep(a);
  const y = pep(b);
  return x && y ? comparePep440(x, y) : undefined;
};

/** The OSV ecosystem name of a Vigil ecosystem. */
const OSV_ECOSYSTEM: Record<AdvisoryEcosystem, string> = { npm: 'npm', pypi: 'PyPI' };

/**
 * The package name as an advisory index key: npm names as they are, PyPI
 * names normalised (PEP 503).
 *
 * @example
 * ```ts
 * advisoryKey('pypi', 'LangChain_Core'); // 'pypi:langchain-core'
 * ```
 */
export function advisoryKey(ecosystem: AdvisoryEcosystem, name: string): string {
  return `${ecosystem}:${ecosystem === 'pypi' ? normalizePythonName(name) : name}`;
}

function eventVersion(e: OsvRangeEvent): string {
  return 'introduced' in e
    ? e.introduced
    : 'fixed' in e
      ? e.fixed
      : 'last_affected' in e
        ? e.last_affected
        : e.limit;
}

function describe(events: readonly OsvRangeEvent[]): string {
  const parts: string[] = [];
  for (const e of events) {
    if ('introduced' in e) parts.push(`>=${e.introduced}`);
    else if ('fixed' in e) parts.push(`<${e.fixed}`);
    else if ('last_affected' in e) parts.push(`<=${e.last_affected}`);
  }
  return parts.join(', ');
}

/**
 * Whether `version` falls in one OSV range: its events sorted by version and
 * walked in order (`introduced` opens, `fixed` closes at the version,
 * `last_affected` closes after it), as the OSV specification evaluates them.
 * `undefined` when a version cannot be compared.
 *
 * @example
 * ```ts
 * inOsvRange('pypi', '1.12.0', [{ introduced: '0' }, { fixed: '1.13.1' }]); // true
 * ```
 */
export function inOsvRange(
  ecosystem: AdvisoryEcosystem,
  version: string,
  events: readonly OsvRangeEvent[],
): boolean | undefined {
  const compare = ecosystem === 'npm' ? compareNpm : comparePypi;
  if (compare(version, version) === undefined) return undefined;
  const sorted = [...events].filter((e) => !('limit' in e)).map((e) => ({ e, v: eventVersion(e) }));
  for (const s of sorted) if (s.v !== '0' && compare(s.v, s.v) === undefined) return undefined;
  sorted.sort((a, b) => (a.v === '0' ? -1 : b.v === '0' ? 1 : compare(a.v, b.v)!));
  let affected = false;
  for (const { e, v } of sorted) {
    if ('introduced' in e) {
      if (v === '0' || compare(version, v)! >= 0) affected = true;
    } else if ('fixed' in e) {
      if (compare(version, v)! >= 0) affected = false;
    } else if ('last_affected' in e) {
      if (compare(version, v)! > 0) affected = false;
    }
  }
  return affected;
}

/**
 * An index of advisories by package, matching locked versions against
 * their `ECOSYSTEM`/`SEMVER` ranges (npm versions by SemVer, PyPI versions by
 * PEP 440) and their explicit `versions` lists.
 *
 * @example
 * ```ts
 * import { AdvisoryIndex, shippedAdvisories } from '@vigil/rules';
 *
 * const index = new AdvisoryIndex(shippedAdvisories().advisories);
 * index.match('pypi', 'torch', '1.12.0').map((m) => m.advisory.id); // ['PYSEC-2022-43015', …] (18 in all)
 * ```
 */
export class AdvisoryIndex {
  readonly #by = new Map<string, { advisory: OsvAdvisory; affected: OsvAdvisory['affected'][number] }[]>();

  constructor(advisories: readonly OsvAdvisory[]) {
    for (const advisory of advisories)
      for (const affected of advisory.affected) {
        const eco = (Object.keys(OSV_ECOSYSTEM) as AdvisoryEcosystem[]).find(
          (k) => OSV_ECOSYSTEM[k] === affected.package.ecosystem,
        );
        if (!eco) continue;
        const key = advisoryKey(eco, affected.package.name);
        const list = this.#by.get(key) ?? [];
        list.push({ advisory, affected });
        this.#by.set(key, list);
      }
  }

  /** Number of packages with at least one advisory. */
  get packages(): number {
    return this.#by.size;
  }

  /** Whether any advisory names the package (at any version). */
  has(ecosystem: AdvisoryEcosystem, name: string): boolean {
    return this.#by.has(advisoryKey(ecosystem, name));
  }

  /** The advisories affecting one version of a package; none when the version cannot be compared. */
  match(ecosystem: AdvisoryEcosystem, name: string, version: string): AdvisoryMatch[] {
    const out: AdvisoryMatch[] = [];
    const seen = new Set<string>();
    for (const { advisory, affected } of this.#by.get(advisoryKey(ecosystem, name)) ?? []) {
      if (seen.has(advisory.id)) continue;
      let range: string | undefined;
      if (affected.versions?.includes(version)) range = `version ${version} listed`;
      for (const r of affected.ranges ?? []) {
        if (range !== undefined) break;
        if (r.type === 'GIT') continue;
        if (inOsvRange(ecosystem, version, r.events)) range = describe(r.events);
      }
      if (range === undefined) continue;
      seen.add(advisory.id);
      out.push({ advisory, ecosystem, name, version, range, severity: advisorySeverity(advisory) });
    }
    return out;
  }
}
