import { z } from 'zod';
import { lazySchema } from '../schemas/lazy.js';

/** Version of the {@link EnforcementLedger} document. */
export const ENFORCEMENT_LEDGER_SCHEMA_VERSION = 1;

/**
 * When a workload may leave monitor mode: its baseline is stable, it has been
 * monitored at least `minMonitorMs` over at least `minMonitorRuns` runs, and
 * that period produced at most `maxWouldBlock` would-block decisions.
 *
 * @example
 * ```ts
 * const p: PromotionPolicy = { minMonitorMs: 3_600_000, minMonitorRuns: 3, maxWouldBlock: 0 };
 * ```
 */
export const PromotionPolicySchema = lazySchema(() =>
  z
    .object({
      minMonitorMs: z.number().int().nonnegative(),
      minMonitorRuns: z.number().int().nonnegative(),
      maxWouldBlock: z.number().int().nonnegative(),
    })
    .strict(),
);
/** @see {@link PromotionPolicySchema} */
export interface PromotionPolicy {
  minMonitorMs: number;
  minMonitorRuns: number;
  maxWouldBlock: number;
}

/**
 * The defaults of {@link PromotionPolicy}: ten minutes of monitoring over at
 * least three runs, with no would-block decision at all.
 *
 * @example
 * ```ts
 * const strict = { ...DEFAULT_PROMOTION, minMonitorMs: 24 * 3_600_000 };
 * ```
 */
export const DEFAULT_PROMOTION: PromotionPolicy = {
  minMonitorMs: 600_000,
  minMonitorRuns: 3,
  maxWouldBlock: 0,
};

/** A recorded change (or confirmation) of a workload's mode, with its evidence. */
export const ModeDecisionSchema = lazySchema(() =>
  z
    .object({
      /** ISO 8601. */
      at: z.string().datetime(),
      from: z.enum(['monitor', 'enforce']).nullable(),
      to: z.enum(['monitor', 'enforce']),
      /** `promotion` (confidence reached), `demotion` (the policy changed or blocks appeared), `pin` (a person), `initial`. */
      cause: z.enum(['initial', 'promotion', 'demotion', 'pin', 'unpin']),
      reason: z.string(),
      /** Who, for pins. */
      by: z.string().optional(),
      evidence: z
        .object({
          policy: z.string(),
          baselineStatus: z.enum(['learning', 'stable']).optional(),
          monitoredMs: z.number().nonnegative(),
          monitoredRuns: z.number().int().nonnegative(),
          wouldBlock: z.number().int().nonnegative(),
        })
        .strict(),
    })
    .strict(),
);
/** @see {@link ModeDecisionSchema} */
export interface ModeDecision {
  /** ISO 8601. */
  at: string;
  from: 'monitor' | 'enforce' | null;
  to: 'monitor' | 'enforce';
  /** `promotion` (confidence reached), `demotion` (the policy changed or blocks appeared), `pin` (a person), `initial`. */
  cause: 'initial' | 'promotion' | 'demotion' | 'pin' | 'unpin';
  reason: string;
  /** Who, for pins. */
  by?: string | undefined;
  evidence: {
    policy: string;
    baselineStatus?: 'learning' | 'stable' | undefined;
    monitoredMs: number;
    monitoredRuns: number;
    wouldBlock: number;
  };
}

/** One workload's enforcement state across runs. */
export const WorkloadEnforcementSchema = lazySchema(() =>
  z
    .object({
      mode: z.enum(['monitor', 'enforce']),
      /** Set by a person: promotion and demotion leave the mode alone. */
      pinned: z
        .object({ mode: z.enum(['monitor', 'enforce']), by: z.string(), reason: z.string() })
        .strict()
        .optional(),
      /** The policy (`id@version`) the monitor period below counts for; a new policy version restarts it. */
      policy: z.string(),
      monitoredMs: z.number().nonnegative(),
      monitoredRuns: z.number().int().nonnegative(),
      wouldBlock: z.number().int().nonnegative(),
      /** Blocks and kills seen while enforcing (kept for review; they never demote by themselves). */
      blocked: z.number().int().nonnegative(),
      decisions: z.array(ModeDecisionSchema).max(1000),
    })
    .strict(),
);
/** @see {@link WorkloadEnforcementSchema} */
export interface WorkloadEnforcement {
  mode: 'monitor' | 'enforce';
  /** Set by a person: promotion and demotion leave the mode alone. */
  pinned?:
    | {
        mode: 'monitor' | 'enforce';
        by: string;
        reason: string;
      }
    | undefined;
  /** The policy (`id@version`) the monitor period below counts for; a new policy version restarts it. */
  policy: string;
  monitoredMs: number;
  monitoredRuns: number;
  wouldBlock: number;
  /** Blocks and kills seen while enforcing (kept for review; they never demote by themselves). */
  blocked: number;
  decisions: ModeDecision[];
}

/**
 * Where each workload stands on the way from monitor to enforce, and every
 * decision that moved it, with its evidence: a reviewable record, kept in a
 * file between runs.
 *
 * @example
 * ```ts
 * import { EnforcementLedgerSchema } from '@vigil/core';
 *
 * const ledger = EnforcementLedgerSchema.parse(JSON.parse(readFileSync('enforcement.json', 'utf8')));
 * for (const [w, s] of Object.entries(ledger.workloads)) console.log(w, s.mode, s.decisions.length);
 * ```
 */
export const EnforcementLedgerSchema = lazySchema(() =>
  z
    .object({
      schemaVersion: z.literal(ENFORCEMENT_LEDGER_SCHEMA_VERSION),
      promotion: PromotionPolicySchema,
      workloads: z.record(z.string(), WorkloadEnforcementSchema),
    })
    .strict(),
);
/** @see {@link EnforcementLedgerSchema} */
export interface EnforcementLedger {
  schemaVersion: 1;
  promotion: PromotionPolicy;
  workloads: Record<string, WorkloadEnforcement>;
}

/**
 * A new, empty ledger.
 *
 * @example
 * ```ts
 * const ledger = emptyLedger({ ...DEFAULT_PROMOTION, minMonitorRuns: 5 });
 * ```
 */
export function emptyLedger(promotion: PromotionPolicy = DEFAULT_PROMOTION): EnforcementLedger {
  return { schemaVersion: ENFORCEMENT_LEDGER_SCHEMA_VERSION, promotion, workloads: {} };
}

/**
 * What one run under a policy showed, for {@link recordEnforcementRun}.
 *
 * @example
 * ```ts
 * const run: EnforcementRun = { policy: 'agent@3', baselineStatus: 'stable', mode: 'monitor', durationMs: 42_000, wouldBlock: 0, blocked: 0 };
 * ```
 */
export interface EnforcementRun {
  readonly policy: string;
  readonly baselineStatus: 'learning' | 'stable';
  readonly mode: 'monitor' | 'enforce';
  readonly durationMs: number;
  readonly wouldBlock: number;
  readonly blocked: number;
}

function decision(
  at: number,
  from: ModeDecision['from'],
  to: ModeDecision['to'],
  cause: ModeDecision['cause'],
  reason: string,
  state: Pick<WorkloadEnforcement, 'policy' | 'monitoredMs' | 'monitoredRuns' | 'wouldBlock'>,
  baselineStatus?: 'learning' | 'stable',
  by?: string,
): ModeDecision {
  return {
    at: new Date(at).toISOString(),
    from,
    to,
    cause,
    reason,
    ...(by === undefined ? {} : { by }),
    evidence: {
      policy: state.policy,
      ...(baselineStatus === undefined ? {} : { baselineStatus }),
      monitoredMs: state.monitoredMs,
      monitoredRuns: state.monitoredRuns,
      wouldBlock: state.wouldBlock,
    },
  };
}

/**
 * The mode a workload should run in now under `policy`: its pin when pinned,
 * monitor for a new workload or a new policy version (which restarts the
 * monitor period, recorded as a demotion when it was enforcing), otherwise
 * the mode the ledger holds. Returns the updated ledger (the input is not
 * changed) and the mode.
 *
 * @example
 * ```ts
 * const { ledger: next, mode } = modeFor(ledger, 'agent', 'agent@3');
 * ```
 */
export function modeFor(
  ledger: EnforcementLedger,
  workload: string,
  policy: string,
  now = Date.now(),
): { ledger: EnforcementLedger; mode: 'monitor' | 'enforce' } {
  const cur = ledger.workloads[workload];
  if (cur?.pinned) return { ledger, mode: cur.pinned.mode };
  if (cur && cur.policy === policy) return { ledger, mode: cur.mode };
  const fresh = { policy, monitoredMs: 0, monitoredRuns: 0, wouldBlock: 0 };
  const d = cur
    ? decision(
        now,
        cur.mode,
        'monitor',
        cur.mode === 'enforce' ? 'demotion' : 'initial',
        `policy changed from ${cur.policy} to ${policy}: a new policy is monitored before it is enforced`,
        fresh,
      )
    : decision(now, null, 'monitor', 'initial', 'a new workload starts in monitor mode', fresh);
  const next: WorkloadEnforcement = {
    mode: 'monitor',
    ...fresh,
    blocked: cur?.blocked ?? 0,
    decisions: [...(cur?.decisions ?? []), d].slice(-1000),
  };
  return { ledger: { ...ledger, workloads: { ...ledger.workloads, [workload]: next } }, mode: 'monitor' };
}

/**
 * Adds what a run showed to the workload's record and promotes it to enforce
 * when the promotion policy is met: the baseline stable, enough monitored
 * time and runs, and no more would-block decisions than allowed. Promotion
 * is by confidence, never by a timer alone; each promotion is recorded with
 * its evidence. Returns the updated ledger, the decision taken, if any, and
 * while still monitoring, what promotion is waiting for.
 *
 * @example
 * ```ts
 * const { ledger: next, decision } = recordEnforcementRun(ledger, 'agent', run);
 * if (decision?.cause === 'promotion') console.log(decision.reason);
 * ```
 */
export function recordEnforcementRun(
  ledger: EnforcementLedger,
  workload: string,
  run: EnforcementRun,
  now = Date.now(),
): { ledger: EnforcementLedger; decision?: ModeDecision; waiting?: string[] } {
  const base = modeFor(ledger, workload, run.policy, now).ledger;
  const cur = base.workloads[workload]!;
  const state: WorkloadEnforcement = { ...cur };
  if (run.mode === 'monitor') {
    state.monitoredMs += run.durationMs;
    state.monitoredRuns += 1;
    state.wouldBlock += run.wouldBlock;
  } else {
    state.blocked += run.blocked;
  }
  let made: ModeDecision | undefined;
  const p = base.promotion;
  if (!state.pinned && state.mode === 'monitor') {
    const missing: string[] = [];
    if (run.baselineStatus !== 'stable') missing.push('the baseline is still learning');
    if (state.monitoredMs < p.minMonitorMs)
      missing.push(
        `monitored ${Math.round(state.monitoredMs / 1000)} s of ${Math.round(p.minMonitorMs / 1000)} s`,
      );
    if (state.monitoredRuns < p.minMonitorRuns)
      missing.push(`${state.monitoredRuns} of ${p.minMonitorRuns} runs`);
    if (state.wouldBlock > p.maxWouldBlock)
      missing.push(
        `${state.wouldBlock} would-block decisions (at most ${p.maxWouldBlock} allowed): review them, then relearn or allow`,
      );
    if (missing.length === 0) {
      made = decision(
        now,
        'monitor',
        'enforce',
        'promotion',
        `promoted: baseline stable, ${state.monitoredRuns} monitored runs over ${Math.round(state.monitoredMs / 1000)} s with ${state.wouldBlock} would-block decisions`,
        state,
        run.baselineStatus,
      );
      state.mode = 'enforce';
    } else {
      return { ledger: { ...base, workloads: { ...base.workloads, [workload]: state } }, waiting: missing };
    }
  }
  if (made) state.decisions = [...state.decisions, made].slice(-1000);
  return {
    ledger: { ...base, workloads: { ...base.workloads, [workload]: state } },
    ...(made ? { decision: made } : {}),
  };
}

/**
 * Pins a workload to a mode (promotion and demotion then leave it alone) or,
 * with `mode: undefined`, removes the pin. Recorded with who and why.
 *
 * @example
 * ```ts
 * const next = pinMode(ledger, 'agent', 'monitor', { by: 'alice@example.com', reason: 'incident review' });
 * ```
 */
export function pinMode(
  ledger: EnforcementLedger,
  workload: string,
  mode: 'monitor' | 'enforce' | undefined,
  who: { by: string; reason: string },
  now = Date.now(),
): EnforcementLedger {
  const cur: WorkloadEnforcement = ledger.workloads[workload] ?? {
    mode: 'monitor',
    policy: '',
    monitoredMs: 0,
    monitoredRuns: 0,
    wouldBlock: 0,
    blocked: 0,
    decisions: [],
  };
  const to = mode ?? cur.mode;
  const d = decision(
    now,
    cur.pinned?.mode ?? cur.mode,
    to,
    mode === undefined ? 'unpin' : 'pin',
    who.reason,
    cur,
    undefined,
    who.by,
  );
  const { pinned: _old, ...rest } = cur;
  const next: WorkloadEnforcement = {
    ...rest,
    mode: to,
    ...(mode === undefined ? {} : { pinned: { mode, by: who.by, reason: who.reason } }),
    decisions: [...cur.decisions, d].slice(-1000),
  };
  return { ...ledger, workloads: { ...ledger.workloads, [workload]: next } };
}
