import {
  type DeclaredInputKind,
  detectDeclaredInput,
  loadedPackages,
  normalizePythonName,
  type ObservedUseDocument,
  SEVERITIES,
  type Severity,
  severityRank,
  streamDeclaredInput,
} from '@vigil/core';
import type { RuleMeta } from '../../api/rule.js';
import type { ArtifactRef, ArtifactScanner, ScanContext } from '../scanner.js';
import { AdvisoryIndex, type AdvisoryMatch } from './match.js';
import type { AdvisorySet } from './schema.js';
import { shippedAdvisories } from './shipped.js';

/** A locked dependency version with a known advisory. */
export const DEPENDENCY_ADVISORY: RuleMeta = {
  id: 'vigil.scan.dependency-advisory',
  title: 'Locked dependency has a known advisory',
  description:
    "A lockfile (npm `package-lock.json`, `pnpm-lock.yaml`, `yarn.lock`, pip `requirements.txt` pins, `poetry.lock`, `uv.lock`) resolves a package to a version an OSV advisory lists as affected. The severity is the advisory's (GitHub's rating, else its CVSS v3 base score). With a capture, a package whose files no workload loaded is demoted one step and says so; one that was loaded keeps its severity and names who loaded it.",
  severity: 'medium',
  version: '1.0.0',
  tags: { owaspLlm: ['LLM03'], owaspAgentic: ['ASI04'], atlas: ['AML.T0010'], attack: ['T1195.001'] },
  areas: ['supply-chain'],
  equivalents: ['osv-scanner', 'pip-audit', 'npm audit'],
};

const LOCKFILES: ReadonlySet<DeclaredInputKind> = new Set<DeclaredInputKind>([
  'package-lock.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'requirements.txt',
  'poetry.lock',
  'uv.lock',
]);

/** Options for {@link createAdvisoryScanner}. */
export interface AdvisoryScannerOptions {
  /** Advisory sets to match against; default: the set Vigil ships ({@link shippedAdvisories}). */
  readonly advisories?: readonly AdvisorySet[];
  /** What ran: packages never loaded are demoted, loaded ones confirmed. */
  readonly observed?: ObservedUseDocument;
}

/**
 * Whether a package was loaded at run time, from the file reads of an
 * observed-use document (core's `loadedPackages`: files under
 * `node_modules/NAME/` or `site-packages/NAME/`).
 *
 * @example
 * ```ts
 * packageReachability(observed, 'pypi', 'langchain-core'); // { loaded: true, by: ['host:python3'] }
 * ```
 */
export function packageReachability(
  observed: ObservedUseDocument,
  ecosystem: 'npm' | 'pypi',
  name: string,
  loaded: Map<string, Set<string>> = loadedPackages(observed),
): { loaded: boolean; by: string[] } {
  const key = `${ecosystem}:${ecosystem === 'pypi' ? normalizePythonName(name) : name}`;
  const who = loaded.get(key);
  return { loaded: who !== undefined && who.size > 0, by: [...(who ?? [])].sort() };
}

function demote(s: Severity): Severity {
  const i = severityRank(s);
  return i <= 1 ? s : SEVERITIES[i - 1]!;
}

function purl(m: AdvisoryMatch): string {
  return `pkg:${m.ecosystem}/${m.name.startsWith('@') ? `%40${m.name.slice(1)}` : m.name}@${m.version}`;
}

/**
 * The dependency advisory scanner: reads lockfiles with core's declared-input
 * readers and matches every resolved version against OSV advisories (npm by
 * SemVer, PyPI by PEP 440). With observed use, a vulnerable package no
 * workload loaded is demoted one severity step (never below low) and its
 * finding says "not loaded at run time"; a loaded one is confirmed.
 *
 * @example
 * ```ts
 * import { createAdvisoryScanner, readScanCaptures, scanPaths } from '@vigil/rules';
 *
 * const { observed } = await readScanCaptures(['run.vcap']);
 * const result = await scanPaths(['requirements.txt'], { scanners: [createAdvisoryScanner({ observed })], observed });
 * console.log(result.runtime.severityBefore, result.runtime.severityAfter);
 * ```
 */
export function createAdvisoryScanner(options: AdvisoryScannerOptions = {}): ArtifactScanner {
  const sets = options.advisories ?? [shippedAdvisories()];
  const index = new AdvisoryIndex(sets.flatMap((s) => s.advisories));
  const observed = options.observed && options.observed.events > 0 ? options.observed : undefined;
  const loaded = observed ? loadedPackages(observed) : undefined;
  return {
    id: 'vigil.scan.advisories',
    title: 'Dependency advisories',
    version: '1.0.0',
    rules: [DEPENDENCY_ADVISORY],
    accepts(a: ArtifactRef): boolean {
      const kind = detectDeclaredInput(a.path);
      return kind !== undefined && LOCKFILES.has(kind);
    },
    async scan(a: ArtifactRef, ctx: ScanContext): Promise<void> {
      const kind = detectDeclaredInput(a.path)!;
      for await (const pkg of streamDeclaredInput(a.path, {
        kind,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      })) {
        if (pkg.kind !== 'package' || pkg.version === undefined) continue;
        if (!index.has(pkg.ecosystem, pkg.name)) continue;
        for (const m of index.match(pkg.ecosystem, pkg.name, pkg.version)) {
          const adv = m.advisory;
          const reach = observed ? packageReachability(observed, m.ecosystem, m.name, loaded) : undefined;
          const severity = reach && !reach.loaded ? demote(m.severity) : m.severity;
          const runtime = reach
            ? reach.loaded
              ? `${m.name} was loaded at run time by ${reach.by.slice(0, 3).join(', ')}`
              : `${m.name} was never loaded in ${observed!.events} observed events: not reachable at run time, demoted from ${m.severity}`
            : undefined;
          const cves = (adv.aliases ?? []).filter((x) => x.startsWith('CVE-'));
          ctx.report({
            ruleId: DEPENDENCY_ADVISORY.id,
            subject: `${adv.id}:${m.ecosystem}:${m.name}@${m.version}`,
            summary: `${m.name} ${m.version} is affected by ${adv.id}${cves.length > 0 ? ` (${cves.join(', ')})` : ''}: ${(adv.summary ?? adv.details ?? '').split('\n')[0]!.slice(0, 200)}${reach && !reach.loaded ? ' [not loaded at run time]' : ''}`,
            location: {
              uri: a.path,
              ...(pkg.declaration.line !== undefined ? { line: pkg.declaration.line } : {}),
              ...(pkg.declaration.path?.startsWith('/') ? { jsonPointer: pkg.declaration.path } : {}),
            },
            severity,
            baseSeverity: m.severity,
            evidence: [
              {
                type: 'note',
                description: `${purl(m)} in affected range ${m.range} of ${adv.id}`,
              },
              ...(adv.references ?? []).slice(0, 3).map((r) => ({
                type: 'note' as const,
                description: `${r.type}: ${r.url}`,
              })),
            ],
            riskReasons: [`advisory ${adv.id} rates it ${m.severity}`],
            ...(reach && runtime
              ? { observable: { kind: 'verdict' as const, used: reach.loaded, reason: runtime } }
              : {}),
          });
        }
      }
    },
  };
}
