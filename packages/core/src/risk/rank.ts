import { z } from 'zod';
import { formatPath } from '../errors/vigil-error.js';
import { type Finding, FindingSchema, type Severity, SeveritySchema } from '../findings/finding.js';
import { compareFindings } from '../findings/order.js';
import { SEVERITY_RISK } from '../findings/risk-scale.js';
import type { DeclaredPermissions } from '../permissions/declared.js';
import type { GapReport } from '../permissions/gap/report.js';
import type { Grant } from '../permissions/grant.js';
import type { ObservedUseDocument } from '../permissions/observed/use.js';
import { lazySchema } from '../schemas/lazy.js';
import { loadedPackages, type PackageRef, packageOfFinding } from './reachability.js';

/** Version of the risk ranking document. */
export const RISK_RANKING_SCHEMA_VERSION = 1;

/** What moved a finding's score, and in which direction. */
export const RiskAdjustmentSchema = lazySchema(() =>
  z.enum([
    'runtime-reachable',
    'never-loaded',
    'permission-exercised',
    'permission-unused',
    'observed-at-runtime',
    'active-detection-on-workload',
    'unused-high-risk-grants-on-workload',
    'no-runtime-data',
  ]),
);
/** @see {@link RiskAdjustmentSchema} */
export type RiskAdjustment =
  | 'runtime-reachable'
  | 'never-loaded'
  | 'permission-exercised'
  | 'permission-unused'
  | 'observed-at-runtime'
  | 'active-detection-on-workload'
  | 'unused-high-risk-grants-on-workload'
  | 'no-runtime-data';

/**
 * The ranked findings and how runtime evidence changed their order: how many
 * were promoted, demoted or unchanged and why, and how long the short list is.
 *
 * @example
 * ```ts
 * import { rankRisk, RiskRankingSchema } from '@vigil/core';
 *
 * const ranking = RiskRankingSchema.parse(rankRisk(findings, { observed, gapReport }));
 * console.log(`${ranking.summary.total} findings → ${ranking.summary.shortList} to act on`);
 * ```
 */
export const RiskRankingSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(RISK_RANKING_SCHEMA_VERSION),
    kind: z.literal('RiskRanking'),
    findings: z.array(FindingSchema),
    summary: z.object({
      total: z.number().int().nonnegative(),
      promoted: z.number().int().nonnegative(),
      demoted: z.number().int().nonnegative(),
      unchanged: z.number().int().nonnegative(),
      /** How many findings each adjustment touched. */
      byAdjustment: z.record(z.string(), z.number().int().nonnegative()),
      /** Findings at or above `threshold` before and after runtime weighting. */
      threshold: z.number(),
      shortListBefore: z.number().int().nonnegative(),
      shortList: z.number().int().nonnegative(),
      /** How the window limits demotions. */
      coverage: z.enum(['none', 'low', 'medium', 'high']),
      bySeverity: z.record(SeveritySchema, z.number().int().nonnegative()),
    }),
  }),
);
/** @see {@link RiskRankingSchema} */
export interface RiskRanking {
  schemaVersion: 1;
  kind: 'RiskRanking';
  findings: Finding[];
  summary: {
    total: number;
    promoted: number;
    demoted: number;
    unchanged: number;
    /** How many findings each adjustment touched. */
    byAdjustment: Record<string, number>;
    /** Findings at or above `threshold` before and after runtime weighting. */
    threshold: number;
    shortListBefore: number;
    shortList: number;
    /** How the window limits demotions. */
    coverage: 'low' | 'medium' | 'high' | 'none';
    bySeverity: Record<Severity, number>;
  };
}

/** Runtime context for {@link rankRisk}. */
export interface RiskContext {
  /** What was observed (files read reveal which packages were loaded). */
  readonly observed?: ObservedUseDocument;
  /** The gap report: which grants were exercised, and the window's confidence. */
  readonly gapReport?: GapReport;
  /** Findings at or above this score make the short list. Default 60. */
  readonly threshold?: number;
  /** Declared grants, to link posture findings (by evidence file and path) to grants used or unused. */
  readonly declared?: DeclaredPermissions;
  /** Overrides how a finding names its package (default: a purl in evidence, title or summary). */
  readonly packageOf?: (finding: Finding) => PackageRef | undefined;
}

const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

/** Grants a finding points at, through its evidence (file + path prefix). */
function grantsOfFinding(f: Finding, grants: readonly Grant[]): Grant[] {
  const out: Grant[] = [];
  for (const e of f.evidence) {
    if (e.type !== 'artifact' || e.uri === undefined) continue;
    for (const g of grants) {
      if (g.source.file !== e.uri) continue;
      const gp = formatPath(g.source.path);
      if (e.path === undefined || gp === e.path || gp.startsWith(`${e.path}.`) || gp.startsWith(`${e.path}[`))
        out.push(g);
    }
  }
  return out;
}

/**
 * Ranks findings from every source — static scanners (incl. supply-chain
 * advisories), posture checks, gap analysis, drift and detections — into one
 * 0–100 score per finding, written to `finding.risk` with its reasons.
 *
 * The score starts from severity and moves with runtime evidence:
 * - a vulnerable package that was loaded at runtime is promoted; one never
 *   loaded by a workload that was observed is demoted;
 * - a finding about a grant that was exercised is demoted (the workload needs
 *   it); one about a grant never exercised is promoted (removable, latent);
 * - drift and detections are confirmed by observation and promoted, and every
 *   other finding on a workload with an active detection gains weight, as does
 *   any finding on a workload holding unused high-risk grants (blast radius);
 * - demotions are halved when the observation window is short, and not
 *   applied at all without runtime data.
 *
 * @example
 * ```ts
 * import { gapFindings, rankRisk } from '@vigil/core';
 *
 * const ranking = rankRisk([...scannerFindings, ...gapFindings(report)], { observed, gapReport: report });
 * for (const f of ranking.findings.slice(0, 10)) console.log(f.risk.score, f.title, f.risk.reasons);
 * ```
 */
export function rankRisk(findings: readonly Finding[], context: RiskContext = {}): RiskRanking {
  const threshold = context.threshold ?? 60;
  const observed = context.observed;
  const report = context.gapReport;
  const coverage = report?.coverage.confidence ?? (observed && observed.events > 0 ? 'low' : 'none');
  const demoteWeight = coverage === 'none' ? 0 : coverage === 'low' ? 0.5 : 1;
  const observedWorkloads = new Set((observed?.workloads ?? []).map((w) => w.id));
  for (const w of report?.workloads ?? []) {
    observedWorkloads.add(w.id);
    for (const r of w.observedAs) observedWorkloads.add(r.id);
  }
  const loaded = observed ? loadedPackages(observed) : undefined;
  const allGrants = (report?.workloads ?? []).flatMap((w) =>
    w.domains.flatMap((d) => d.unused.map((u) => u.grant)),
  );
  const usedGrantIds = new Set(
    (report?.workloads ?? []).flatMap((w) => w.domains.flatMap((d) => d.usedGrants)),
  );
  const unusedIds = new Set(
    (report?.workloads ?? []).flatMap((w) =>
      w.domains.flatMap((d) => d.unused.filter((u) => u.observable).map((u) => u.grant.id)),
    ),
  );
  const linkable = context.declared?.grants ?? allGrants;
  const detected = new Set(
    findings.filter((f) => f.category === 'detection' || f.category === 'drift').map((f) => f.workload.id),
  );
  const riskyUnused = new Set<string>();
  for (const w of report?.workloads ?? [])
    if (w.domains.some((d) => d.unused.some((u) => u.observable && u.rank >= 70))) {
      riskyUnused.add(w.id);
      for (const r of w.observedAs) riskyUnused.add(r.id);
    }

  const byAdjustment: Record<string, number> = {};
  let promoted = 0;
  let demoted = 0;
  let shortListBefore = 0;
  const ranked: Finding[] = findings.map((f0) => {
    const f = FindingSchema.parse(f0);
    const start = f.category === 'gap' && f.risk.score > 0 ? f.risk.score : SEVERITY_RISK[f.severity];
    if (start >= threshold) shortListBefore++;
    let score = start;
    const reasons: string[] = [`${f.severity} severity: base ${start}`];
    const adjust = (kind: RiskAdjustment, factor: number, add: number, why: string) => {
      const before = score;
      score = score * factor + add;
      byAdjustment[kind] = (byAdjustment[kind] ?? 0) + 1;
      reasons.push(`${why} (${before > score ? '−' : '+'}${Math.abs(Math.round(score - before))})`);
    };
    const inRuntime = observedWorkloads.has(f.workload.id);
    if (f.category === 'supply-chain') {
      const pkg = (context.packageOf ?? packageOfFinding)(f);
      if (pkg && loaded) {
        const where = loaded.get(`${pkg.ecosystem}:${pkg.name}`);
        const here = where && (f.workload.id === 'host' || !inRuntime || where.has(f.workload.id));
        if (here)
          adjust(
            'runtime-reachable',
            1.25,
            5,
            `${pkg.ecosystem} package ${pkg.name} was loaded at runtime by ${[...where].slice(0, 3).join(', ')}`,
          );
        else if (observed && observed.events > 0 && demoteWeight > 0)
          adjust(
            'never-loaded',
            1 - 0.6 * demoteWeight,
            0,
            `${pkg.ecosystem} package ${pkg.name} was never loaded in ${observed.events} observed events (${coverage} coverage)`,
          );
        else adjust('no-runtime-data', 1, 0, 'no runtime data to confirm or refute reachability');
      } else if (!loaded)
        adjust('no-runtime-data', 1, 0, 'no runtime data to confirm or refute reachability');
    } else if (f.category === 'posture' || f.category === 'gap') {
      const linked =
        f.ruleId === 'vigil.gap.unused-grant' ? [] : grantsOfFinding(f, linkable).map((g) => g.id);
      const exercised = linked.some((id) => usedGrantIds.has(id));
      const unused = !exercised && linked.some((id) => unusedIds.has(id));
      if (exercised) {
        if (demoteWeight > 0)
          adjust(
            'permission-exercised',
            1 - 0.4 * demoteWeight,
            0,
            'the permission it is about was exercised: the workload needs it',
          );
      } else if (unused) {
        adjust(
          'permission-unused',
          1 + 0.25 * demoteWeight,
          0,
          `the permission was never exercised (${coverage} coverage): removable`,
        );
      }
    } else if (f.category === 'drift' || f.category === 'detection') {
      adjust('observed-at-runtime', 1.2, 0, 'observed at runtime, not theoretical');
    }
    if (f.category !== 'detection' && f.category !== 'drift' && detected.has(f.workload.id))
      adjust('active-detection-on-workload', 1, 10, 'the same workload has active detections or drift');
    if (f.category !== 'gap' && riskyUnused.has(f.workload.id))
      adjust(
        'unused-high-risk-grants-on-workload',
        1,
        5,
        'the workload holds unused high-risk grants (blast radius)',
      );
    const final = clamp(score);
    if (final > start) promoted++;
    else if (final < start) demoted++;
    return {
      ...f,
      risk: {
        score: final,
        reasons: [...reasons, ...f.risk.reasons.filter((r) => !reasons.includes(r)).slice(0, 3)],
      },
    };
  });
  // A risk ranking: runtime-weighted score first; ties in the one order of findings.
  ranked.sort((a, b) => b.risk.score - a.risk.score || compareFindings(a, b));
  const bySeverity = Object.fromEntries(SeveritySchema.options.map((s) => [s, 0])) as Record<
    Severity,
    number
  >;
  for (const f of ranked) bySeverity[f.severity]++;
  return {
    schemaVersion: RISK_RANKING_SCHEMA_VERSION,
    kind: 'RiskRanking',
    findings: ranked,
    summary: {
      total: ranked.length,
      promoted,
      demoted,
      unchanged: ranked.length - promoted - demoted,
      byAdjustment,
      threshold,
      shortListBefore,
      shortList: ranked.filter((f) => f.risk.score >= threshold).length,
      coverage,
      bySeverity,
    },
  };
}
