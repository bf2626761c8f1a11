import type { BaselineDomain, EventKind, EventOf, Severity, UncoveredObservation } from '@vigil/core';
import { defineRule, type EventRule, type RuleContext, type RuleMeta, type RuleTags } from './rule.js';

/**
 * What a drift rule's `assess` concludes about one uncovered observation.
 *
 * @example
 * ```ts
 * const r: DriftRuleResult = { severity: 'low', what: 'read /srv/app/b.txt, new but in a folder it already used' };
 * ```
 */
export interface DriftRuleResult {
  /** Defaults to the rule's severity. */
  readonly severity?: Severity;
  /** Defaults to the rule's title. */
  readonly title?: string;
  /** Completes "<workload> …": what it did and why that is new. */
  readonly what: string;
  readonly tags?: RuleTags;
}

/**
 * The input of {@link defineDriftRule}.
 *
 * @example
 * ```ts
 * const spec: DriftRuleSpec<'file.open'> = { meta, domain: 'files', kinds: ['file.open'], assess: () => undefined };
 * ```
 */
export interface DriftRuleSpec<K extends EventKind> {
  readonly meta: Omit<RuleMeta, 'role'>;
  /** The baseline domain whose uncovered observations the rule assesses. */
  readonly domain: BaselineDomain;
  readonly kinds: readonly K[];
  /** Undefined leaves the observation to the rules after this one. */
  assess(uncovered: UncoveredObservation, event: EventOf<K>, ctx: RuleContext): DriftRuleResult | undefined;
}

/**
 * Defines a drift rule: a rule of role `drift` that looks at the observations
 * of one baseline domain an event's baseline does not cover (and no earlier
 * rule claimed), and reports those it recognises. Rules run in pack order, so
 * specific rules (a credential read) come before general ones (a new file).
 *
 * @example
 * ```ts
 * import { defineDriftRule } from '@vigil/rules';
 *
 * export const gpuDevice = defineDriftRule({
 *   meta: { id: 'acme.drift.gpu-device', title: 'New GPU device', description: 'Opened a GPU device it never used while learning.', severity: 'high', version: '1.0.0' },
 *   domain: 'files',
 *   kinds: ['file.open'],
 *   assess: (u, ev) => (ev.path.startsWith('/dev/nvidia') ? { what: `opened ${ev.path}, a GPU it never used while learning` } : undefined),
 * });
 * ```
 */
export function defineDriftRule<K extends EventKind>(spec: DriftRuleSpec<K>): EventRule {
  const { domain, assess } = spec;
  return defineRule<K>({
    meta: { ...spec.meta, role: 'drift' },
    kinds: spec.kinds,
    onEvent(ev, ctx) {
      const drift = ctx.drift;
      if (drift === undefined) return;
      for (const u of drift.unclaimed(domain)) {
        const r = assess(u, ev, ctx);
        if (r === undefined) continue;
        ctx.report({
          subject: u.observation.concrete,
          summary: r.what,
          ...(r.severity !== undefined ? { severity: r.severity } : {}),
          drift: {
            observation: u,
            what: r.what,
            ...(r.title !== undefined ? { title: r.title } : {}),
            ...(r.tags !== undefined ? { tags: r.tags } : {}),
          },
        });
      }
    },
  });
}
