import {
  type CriticalBehaviour,
  type CriticalContext,
  type CriticalMatch,
  type Severity,
  VigilError,
} from '@vigil/core';
import { globListMatcher } from '../internal/glob.js';
import type { BaselineView } from './baseline-view.js';
import type { RulePack } from './pack.js';
import type { EventRule, ProcessLookup, RuleContext, RuleLogger, RuleMeta, RuleState } from './rule.js';

/**
 * Options of {@link criticalBehaviours}.
 *
 * @example
 * ```ts
 * const options: CriticalBehavioursOptions = { disable: ['vigil.critical.ptrace-attach'] };
 * ```
 */
export interface CriticalBehavioursOptions {
  /** Rule ids or globs to leave out. */
  readonly disable?: readonly string[];
  /** Severity and parameter overrides, as for the rule engine. */
  readonly overrides?: readonly {
    readonly rule: string;
    readonly severity?: Severity;
    readonly params?: Readonly<Record<string, number>>;
  }[];
}

/**
 * A rule's severity and parameters once the user's overrides are applied
 * (later overrides win). An override naming a parameter the rule does not
 * declare is a `RULE` error.
 *
 * @example
 * ```ts
 * resolveOverrides(meta, [{ rule: 'vigil.drift.*', severity: 'high' }]); // { severity: 'high', params: {} }
 * ```
 */
export function resolveOverrides(
  meta: RuleMeta,
  overrides: CriticalBehavioursOptions['overrides'] & object,
): { severity: Severity | undefined; params: Readonly<Record<string, number>> } {
  let severity: Severity | undefined;
  const params: Record<string, number> = { ...(meta.params ?? {}) };
  for (const o of overrides) {
    if (!globListMatcher([o.rule])(meta.id)) continue;
    if (o.severity !== undefined) severity = o.severity;
    for (const [k, v] of Object.entries(o.params ?? {})) {
      if (!(k in params)) {
        // A glob may cover rules without the parameter; an exact id must name one it has.
        if (o.rule !== meta.id) continue;
        throw new VigilError(
          'RULE',
          `override of rule "${meta.id}": it has no parameter "${k}" (it has: ${Object.keys(meta.params ?? {}).join(', ') || 'none'})`,
        );
      }
      params[k] = v;
    }
  }
  return { severity, params: Object.freeze(params) };
}

const SILENT: RuleLogger = { debug() {}, info() {}, warn() {}, error() {} };

function lookupOver(cctx: CriticalContext): ProcessLookup {
  const tree = cctx.processes;
  return {
    get: (pid) => tree?.get(pid),
    descendsFrom(pid, ancestor) {
      if (pid === ancestor) return true;
      return tree?.ancestors(pid, 32).some((p) => p.pid === ancestor) ?? false;
    },
    root: (pid) => tree?.root(pid) ?? pid,
  };
}

function stateOver(cctx: CriticalContext): RuleState {
  const m = cctx.state(() => new Map<string, unknown>());
  return {
    get: <T>(key: string) => m.get(key) as T | undefined,
    set: (key, value) => {
      m.set(key, value);
    },
    delete: (key) => m.delete(key),
  };
}

/**
 * A rule of role `critical` as the core port a `BaselineLearner` and
 * `CriticalGuard` consult: its first report on an event is the match.
 *
 * @example
 * ```ts
 * const behaviour = criticalBehaviour(credentialRead, { severity: undefined, params: {} });
 * ```
 */
export function criticalBehaviour(
  rule: EventRule,
  resolved: { severity: Severity | undefined; params: Readonly<Record<string, number>> },
): CriticalBehaviour {
  const meta = rule.meta;
  const tags: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(meta.tags ?? {})) tags[k] = [...(v as readonly string[])];
  return {
    id: meta.id,
    title: meta.title,
    severity: resolved.severity ?? meta.severity,
    kinds: rule.kinds,
    tags,
    check(ev, cctx) {
      let match: CriticalMatch | undefined;
      const core = cctx.baseline;
      const baseline: BaselineView = {
        covers: () => core !== undefined,
        seen: (e) => core?.covers(e).covered === true,
        approvedTools: () => undefined,
      };
      const ctx: RuleContext = {
        workload: ev.workload,
        baseline: core ? baseline : undefined,
        clock: { now: () => ev.ts },
        log: SILENT,
        state: stateOver(cctx),
        processes: lookupOver(cctx),
        drift: { check: undefined, shell: cctx.shell, unclaimed: () => [], claim() {} },
        params: resolved.params,
        report(d) {
          match ??= { reason: d.summary, related: (d.events ?? []).filter((e) => e !== ev) };
        },
      };
      rule.onEvent(ev as never, ctx);
      return match;
    },
  };
}

/**
 * The critical behaviours of rule packs (their rules of role `critical`),
 * for a `BaselineLearner`: what is quarantined for review instead of admitted
 * while learning. `vigil learn` uses those of the built-in packs.
 *
 * @example
 * ```ts
 * import { BaselineLearner } from '@vigil/core';
 * import { builtinPacks, criticalBehaviours } from '@vigil/rules';
 *
 * const learner = new BaselineLearner({ critical: criticalBehaviours(builtinPacks()) });
 * ```
 */
export function criticalBehaviours(
  packs: readonly RulePack[],
  options: CriticalBehavioursOptions = {},
): CriticalBehaviour[] {
  const disabled = globListMatcher(options.disable ?? []);
  const out: CriticalBehaviour[] = [];
  for (const pack of packs)
    for (const rule of pack.rules) {
      if (rule.meta.role !== 'critical' || rule.type !== 'event' || disabled(rule.meta.id)) continue;
      out.push(criticalBehaviour(rule, resolveOverrides(rule.meta, options.overrides ?? [])));
    }
  return out;
}
