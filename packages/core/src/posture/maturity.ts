import { z } from 'zod';
import type { AiBom } from '../aibom/document.js';
import type { ReadonlyBaseline } from '../baseline/baseline.js';
import { defaultBaselineKey } from '../baseline/subject.js';
import type { EnforcementLedger } from '../enforcement/promotion.js';
import type { Finding } from '../findings/finding.js';
import { countOf } from '../output/count-text.js';
import type { GapReport } from '../permissions/gap/report.js';
import { lazySchema } from '../schemas/lazy.js';

/** Version of the {@link MaturityReport} document. */
export const MATURITY_SCHEMA_VERSION = 1;

/** The five maturity levels, 0 (Blind) to 4 (Adaptive). */
export const MATURITY_LEVELS = [
  { level: 0, stage: 'Blind', meaning: 'no list of the AI workloads that run; shadow AI untracked' },
  { level: 1, stage: 'Inventory-aware', meaning: 'AI assets discovered, static configuration checks' },
  {
    level: 2,
    stage: 'Posture-managed',
    meaning: 'AI-specific controls, supply-chain scanning, compliance mapping',
  },
  {
    level: 3,
    stage: 'Runtime-informed',
    meaning: 'baselines per workload, posture weighted by behaviour, declared-vs-observed gaps',
  },
  { level: 4, stage: 'Adaptive', meaning: 'posture drives enforcement; drift triggers automated response' },
] as const;

/** What Vigil holds about one workload, the facts its maturity level is read from. */
export const WorkloadPostureFactsSchema = lazySchema(() =>
  z
    .object({
      /** The workload, as its baselines and policies name it (the baseline subject). */
      workload: z.string(),
      /** An AI-BOM lists it (its AI components were discovered from what ran). */
      discovered: z.boolean(),
      /** Its declared configuration was checked (declared grants parsed, configurations scanned). */
      configurationChecked: z.boolean(),
      /** Its supply chain was scanned (MCP definitions, model files, dependencies). */
      supplyChainScanned: z.boolean(),
      /** Its findings are mapped to compliance frameworks. */
      complianceMapped: z.boolean(),
      baseline: z.enum(['none', 'learning', 'stable']),
      /** Declared permissions were compared with observed use. */
      gapAnalysed: z.boolean(),
      enforcement: z.enum(['none', 'monitor', 'enforce']),
      /** Drift, incidents or detections trigger a registered response. */
      automatedResponse: z.boolean(),
    })
    .strict(),
);
/** @see {@link WorkloadPostureFactsSchema} */
export interface WorkloadPostureFacts {
  /** The workload, as its baselines and policies name it (the baseline subject). */
  workload: string;
  /** An AI-BOM lists it (its AI components were discovered from what ran). */
  discovered: boolean;
  /** Its declared configuration was checked (declared grants parsed, configurations scanned). */
  configurationChecked: boolean;
  /** Its supply chain was scanned (MCP definitions, model files, dependencies). */
  supplyChainScanned: boolean;
  /** Its findings are mapped to compliance frameworks. */
  complianceMapped: boolean;
  baseline: 'learning' | 'stable' | 'none';
  /** Declared permissions were compared with observed use. */
  gapAnalysed: boolean;
  enforcement: 'monitor' | 'enforce' | 'none';
  /** Drift, incidents or detections trigger a registered response. */
  automatedResponse: boolean;
}

/** One workload's level and what stands between it and the next. */
export const WorkloadMaturitySchema = lazySchema(() =>
  z.object({
    workload: z.string(),
    level: z.number().int().min(0).max(4),
    stage: z.string(),
    facts: WorkloadPostureFactsSchema,
    /** The steps to the next level, each with the Vigil command or API that does it. */
    next: z.array(z.object({ step: z.string(), how: z.string() })),
  }),
);
/** @see {@link WorkloadMaturitySchema} */
export interface WorkloadMaturity {
  workload: string;
  level: number;
  stage: string;
  facts: WorkloadPostureFacts;
  /** The steps to the next level, each with the Vigil command or API that does it. */
  next: {
    step: string;
    how: string;
  }[];
}

/**
 * The maturity of an environment: each workload's level with the missing
 * steps, how many workloads stand at each level, and the overall level (the
 * level every workload has reached).
 *
 * @example
 * ```ts
 * import { MaturityReportSchema } from '@vigil/core';
 *
 * const report = MaturityReportSchema.parse(JSON.parse(text));
 * console.log(report.overall.stage, report.byLevel);
 * ```
 */
export const MaturityReportSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(MATURITY_SCHEMA_VERSION),
    kind: z.literal('MaturityReport'),
    generatedAt: z.string(),
    overall: z.object({ level: z.number().int().min(0).max(4), stage: z.string() }),
    /** Workloads per level, index = level. */
    byLevel: z.array(z.number().int().nonnegative()).length(5),
    workloads: z.array(WorkloadMaturitySchema),
  }),
);
/** @see {@link MaturityReportSchema} */
export interface MaturityReport {
  schemaVersion: 1;
  kind: 'MaturityReport';
  generatedAt: string;
  overall: {
    level: number;
    stage: string;
  };
  /** Workloads per level, index = level. */
  byLevel: number[];
  workloads: WorkloadMaturity[];
}

interface Step {
  readonly ok: (f: WorkloadPostureFacts) => boolean;
  readonly step: string;
  readonly how: string;
}

/** What each level adds, in order; a workload is at the highest level whose steps and every lower level's hold. */
const REQUIREMENTS: readonly (readonly Step[])[] = [
  [],
  [
    {
      ok: (f) => f.discovered,
      step: 'discover its AI components from what runs',
      how: 'vigil record, then vigil aibom',
    },
    {
      ok: (f) => f.configurationChecked,
      step: 'check its declared configuration',
      how: 'vigil gap --declared (Kubernetes, IAM, MCP configurations) or vigil scan of its configurations',
    },
  ],
  [
    {
      ok: (f) => f.supplyChainScanned,
      step: 'scan its supply chain (MCP definitions, model files, dependencies)',
      how: 'vigil scan',
    },
    {
      ok: (f) => f.complianceMapped,
      step: 'map its findings to the compliance frameworks',
      how: 'vigil check (every finding carries its controls)',
    },
  ],
  [
    {
      ok: (f) => f.baseline === 'stable',
      step: 'learn a stable behavioural baseline',
      how: 'vigil learn over several recorded runs; review and mark it stable',
    },
    {
      ok: (f) => f.gapAnalysed,
      step: 'compare declared permissions with observed use',
      how: 'vigil gap --declared … CAPTURE…',
    },
  ],
  [
    {
      ok: (f) => f.enforcement === 'enforce',
      step: 'enforce a policy synthesised from its baseline',
      how: 'vigil policy, then vigil enforce --mode auto until it is promoted',
    },
    {
      ok: (f) => f.automatedResponse,
      step: 'register an automated response to drift and detections',
      how: 'a ResponsePlan (kill the process tree, tighten egress, webhook)',
    },
  ],
];

/**
 * The maturity level of one workload (0–4) and the steps to the next.
 *
 * @example
 * ```ts
 * const m = workloadMaturity(facts);
 * console.log(m.level, m.stage, m.next.map((s) => s.step));
 * ```
 */
export function workloadMaturity(facts: WorkloadPostureFacts): WorkloadMaturity {
  let level = 0;
  for (let l = 1; l <= 4; l++) {
    if (REQUIREMENTS[l]!.every((s) => s.ok(facts))) level = l;
    else break;
  }
  const next =
    level < 4
      ? REQUIREMENTS[level + 1]!.filter((s) => !s.ok(facts)).map(({ step, how }) => ({ step, how }))
      : [];
  return { workload: facts.workload, level, stage: MATURITY_LEVELS[level]!.stage, facts, next };
}

/**
 * What Vigil holds for an environment, for {@link assessMaturity}: each
 * input is optional, and what is missing counts as not done.
 *
 * @example
 * ```ts
 * const inputs: MaturityInputs = { aiBoms: [bom], gapReports: [gap], baselines: set.baselines(), ledger };
 * ```
 */
export interface MaturityInputs {
  readonly aiBoms?: readonly AiBom[];
  readonly gapReports?: readonly GapReport[];
  readonly baselines?: readonly ReadonlyBaseline[];
  readonly ledger?: EnforcementLedger;
  /** Findings of supply-chain scans (`category: 'supply-chain'`) or check runs; any scan counts as scanned. */
  readonly scanned?: boolean;
  /** Findings from checks (their compliance references make the mapping). */
  readonly findings?: readonly Finding[];
  /** Workloads (baseline subjects) with an automated response registered; `'*'` for all. */
  readonly responseFor?: readonly string[];
  /** Further workloads known to exist (e.g. from an orchestrator) that nothing else mentions: they are Blind. */
  readonly known?: readonly string[];
  readonly now?: number;
}

/**
 * Assesses the maturity of every workload the inputs mention, by the levels
 * of Vigil's model: 0 Blind, 1 Inventory-aware, 2 Posture-managed,
 * 3 Runtime-informed, 4 Adaptive. Workloads are matched across documents by
 * their baseline subject.
 *
 * @example
 * ```ts
 * import { assessMaturity } from '@vigil/core';
 *
 * const report = assessMaturity({ aiBoms: [bom], baselines: set.baselines(), gapReports: [gap], scanned: true });
 * for (const w of report.workloads) console.log(w.workload, w.level, w.next[0]?.how);
 * ```
 */
export function assessMaturity(inputs: MaturityInputs): MaturityReport {
  const facts = new Map<string, WorkloadPostureFacts>();
  const get = (workload: string): WorkloadPostureFacts => {
    let f = facts.get(workload);
    if (!f) {
      f = {
        workload,
        discovered: false,
        configurationChecked: false,
        supplyChainScanned: inputs.scanned === true,
        complianceMapped: false,
        baseline: 'none',
        gapAnalysed: false,
        enforcement: 'none',
        automatedResponse: inputs.responseFor?.includes('*') === true,
      };
      facts.set(workload, f);
    }
    return f;
  };
  for (const bom of inputs.aiBoms ?? [])
    for (const w of bom.workloads) get(defaultBaselineKey(w.workload).subject).discovered = true;
  for (const g of inputs.gapReports ?? [])
    for (const w of g.workloads)
      for (const ref of w.observedAs) {
        const f = get(defaultBaselineKey(ref).subject);
        f.gapAnalysed = true;
        f.configurationChecked = true;
      }
  for (const b of inputs.baselines ?? []) {
    const f = get(b.subject);
    if (f.baseline !== 'stable') f.baseline = b.status;
  }
  for (const [subject, s] of Object.entries(inputs.ledger?.workloads ?? {}))
    get(subject).enforcement = s.mode;
  for (const finding of inputs.findings ?? []) {
    const f = get(defaultBaselineKey(finding.workload).subject);
    if (finding.compliance.length > 0) f.complianceMapped = true;
    if (finding.category === 'supply-chain') f.supplyChainScanned = true;
  }
  for (const w of inputs.responseFor ?? []) if (w !== '*') get(w).automatedResponse = true;
  for (const w of inputs.known ?? []) get(w);
  // A check run maps every finding of every workload it covered, also of workloads with none.
  if ((inputs.findings?.length ?? 0) > 0) for (const f of facts.values()) f.complianceMapped = true;

  const workloads = [...facts.values()]
    .map((f) => workloadMaturity(f))
    .sort((a, b) => a.level - b.level || a.workload.localeCompare(b.workload));
  const byLevel = [0, 0, 0, 0, 0];
  for (const w of workloads) byLevel[w.level]!++;
  const overall = workloads.length === 0 ? 0 : Math.min(...workloads.map((w) => w.level));
  return {
    schemaVersion: MATURITY_SCHEMA_VERSION,
    kind: 'MaturityReport',
    generatedAt: new Date(inputs.now ?? Date.now()).toISOString(),
    overall: { level: overall, stage: MATURITY_LEVELS[overall]!.stage },
    byLevel,
    workloads,
  };
}

/**
 * The maturity report as text for a terminal.
 *
 * @example
 * ```ts
 * process.stdout.write(renderMaturityText(assessMaturity(inputs)));
 * ```
 */
export function renderMaturityText(report: MaturityReport): string {
  const out: string[] = [];
  out.push(
    `Maturity: level ${report.overall.level} (${report.overall.stage}) across ${countOf(report.workloads.length, 'workload')}`,
  );
  out.push(
    `  ${MATURITY_LEVELS.map((l) => `${l.level} ${l.stage}: ${report.byLevel[l.level]}`).join('  ·  ')}`,
  );
  for (const w of report.workloads) {
    out.push('');
    out.push(`${w.workload}: level ${w.level} (${w.stage})`);
    if (w.next.length === 0) out.push('  at the top level');
    for (const s of w.next) out.push(`  to reach level ${w.level + 1}: ${s.step} — ${s.how}`);
  }
  out.push('');
  return out.join('\n');
}
