import { EVENT_KINDS, lazySchema, safeParseDocument, type ValidationIssue, VigilError } from '@vigil/core';
import { FindingTagsSchema } from '@vigil/core/schemas';
// The functions it uses, not the whole of semver (whose index loads every module of it at start-up).
import semverSatisfies from 'semver/functions/satisfies.js';
import semverValid from 'semver/functions/valid.js';
import semverValidRange from 'semver/ranges/valid.js';
import { z } from 'zod';
import { type RuleException, RuleExceptionSchema } from './exceptions.js';
import { EVENT_FACTS } from './facts.js';
import { CONTROL_AREAS, type Rule } from './rule.js';

/**
 * The version of the rule engine and rule API; packs declare the range they need.
 *
 * @example
 * ```ts
 * const pack = { name: 'p', version: '1.0.0', engine: `^${RULE_ENGINE_VERSION}`, rules: [] };
 * ```
 */
export const RULE_ENGINE_VERSION = '1.0.0';

/**
 * A rule pack: an explicit list of rules with a name, a version, the engine
 * range it needs and default exceptions. Vendors ship one as an npm package
 * whose default export is the pack.
 *
 * @example
 * ```ts
 * export default { name: '@acme/vigil-rules', version: '1.0.0', engine: '^1.0.0', rules: [shellInJupyter] } satisfies RulePack;
 * ```
 */
export interface RulePack {
  /** The pack's name, usually its npm package name. */
  readonly name: string;
  /** Semver version of the pack. */
  readonly version: string;
  /** Semver range of {@link RULE_ENGINE_VERSION} the pack works with, e.g. `^1.0.0`. */
  readonly engine: string;
  readonly description?: string;
  readonly rules: readonly Rule[];
  /** Exceptions shipped with the pack (benign behaviour its authors know of). */
  readonly exceptions?: readonly RuleException[];
}

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', {
    message: `expected ${what} to be a function`,
  });

const RULE_ID = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;
const EventKindSchema = lazySchema(() => z.enum(EVENT_KINDS as [string, ...string[]]));

const RuleMetaSchema = lazySchema(() =>
  z.object({
    id: z.string().regex(RULE_ID, 'expected a dotted lower-case id such as "acme.area.name"'),
    title: z.string().min(1),
    description: z.string().min(1),
    severity: z.enum(['info', 'low', 'medium', 'high', 'critical']),
    version: z.string().refine((v) => semverValid(v) !== null, 'expected a semver version such as "1.0.0"'),
    tags: FindingTagsSchema.partial().optional(),
    areas: z.array(z.enum(CONTROL_AREAS as [string, ...string[]])).optional(),
    equivalents: z.array(z.string()).optional(),
    rationale: z.string().optional(),
    falsePositives: z.string().optional(),
    tuning: z.string().optional(),
    requiresBaseline: z.boolean().optional(),
    compliance: z
      .array(z.object({ framework: z.string(), control: z.string(), title: z.string().optional() }))
      .optional(),
    role: z.enum(['detection', 'drift', 'critical']).optional(),
    params: z.record(z.string(), z.number().finite()).optional(),
  }),
);

// Per kind, the facts of that kind's vocabulary; another kind, or a fact it does not have, is an error.
const FactsSchema = lazySchema(() =>
  z
    .strictObject(
      Object.fromEntries(
        Object.entries(EVENT_FACTS).map(([kind, facts]) => [
          kind,
          z.array(z.enum(facts as [string, ...string[]])).optional(),
        ]),
      ),
    )
    .optional(),
);

const EventRuleSchema = lazySchema(() =>
  z.object({
    type: z.literal('event'),
    meta: RuleMetaSchema,
    kinds: z.array(EventKindSchema).min(1),
    facts: FactsSchema,
    init: fn('init').optional(),
    onEvent: fn('onEvent'),
    dispose: fn('dispose').optional(),
  }),
);

const StepSchema = lazySchema(() =>
  z.object({
    name: z.string().min(1),
    description: z.string().min(1),
    kinds: z.array(EventKindSchema).min(1),
    anyOrder: z.boolean().optional(),
    facts: FactsSchema,
    match: fn('match'),
  }),
);

const SequenceRuleSchema = lazySchema(() =>
  z.object({
    type: z.literal('sequence'),
    meta: RuleMetaSchema,
    keyBy: z.enum(['workload', 'process-tree']),
    windowMs: z.number().positive().finite(),
    maxKeys: z.number().int().positive().optional(),
    steps: z.array(StepSchema).min(2, 'expected at least two steps').max(30, 'expected at most 30 steps'),
    subject: fn('subject').optional(),
    summarize: fn('summarize').optional(),
    init: fn('init').optional(),
    dispose: fn('dispose').optional(),
  }),
);

const RuleSchema = lazySchema(() => z.discriminatedUnion('type', [EventRuleSchema, SequenceRuleSchema]));

/**
 * The zod schema a {@link RulePack} is validated with when it is loaded.
 * Functions are checked for presence and type only.
 *
 * @example
 * ```ts
 * const ok = RulePackSchema.safeParse(imported.default).success;
 * ```
 */
export const RulePackSchema = lazySchema(() =>
  z.object({
    name: z.string().min(1),
    version: z.string().refine((v) => semverValid(v) !== null, 'expected a semver version such as "1.0.0"'),
    engine: z
      .string()
      .refine((v) => semverValidRange(v) !== null, 'expected a semver range such as "^1.0.0"'),
    description: z.string().optional(),
    rules: z.array(RuleSchema),
    exceptions: z.array(RuleExceptionSchema).optional(),
  }),
);

function describeRule(raw: unknown, index: number): string {
  const id = (raw as { meta?: { id?: unknown } } | undefined)?.meta?.id;
  return typeof id === 'string' ? `rule "${id}" (rules[${index}])` : `rules[${index}]`;
}

/**
 * Validates a rule pack: its shape (zod), the engine range against
 * {@link RULE_ENGINE_VERSION} and the uniqueness of rule ids. Errors are
 * `VigilError`s with code `RULE_PACK_INVALID` naming the pack and the rule.
 *
 * @example
 * ```ts
 * import { validateRulePack } from '@vigil/rules';
 *
 * const pack = validateRulePack(imported.default, './my-pack.js');
 * ```
 */
export function validateRulePack(raw: unknown, origin?: string): RulePack {
  const packName =
    typeof (raw as { name?: unknown } | null)?.name === 'string'
      ? (raw as { name: string }).name
      : '(unnamed)';
  const where = `rule pack "${packName}"${origin !== undefined ? ` from ${origin}` : ''}`;
  const location = origin !== undefined ? { file: origin } : undefined;
  if (raw === null || typeof raw !== 'object')
    throw new VigilError(
      'RULE_PACK_INVALID',
      `${where}: expected an object with name, version, engine and rules`,
      {
        ...(location ? { location } : {}),
      },
    );
  const r = safeParseDocument(RulePackSchema, raw);
  if (!r.success) {
    const rules = (raw as { rules?: unknown }).rules;
    const issues: ValidationIssue[] = r.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: i.message,
    }));
    const shown = issues.slice(0, 5).map((i) => {
      const [head, idx, ...rest] = i.path;
      if (head === 'rules' && typeof idx === 'number' && Array.isArray(rules)) {
        return `${describeRule(rules[idx], idx)}: ${rest.length > 0 ? rest.join('.') : '(rule)'}: ${i.message}`;
      }
      return `${i.path.length > 0 ? i.path.join('.') : '(pack)'}: ${i.message}`;
    });
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    throw new VigilError('RULE_PACK_INVALID', `${where}: ${shown.join('; ')}${more}`, {
      issues,
      cause: r.error,
      ...(location ? { location } : {}),
    });
  }
  const pack = raw as RulePack;
  if (!semverSatisfies(RULE_ENGINE_VERSION, pack.engine))
    throw new VigilError(
      'RULE_PACK_INVALID',
      `${where}: needs rule engine ${pack.engine}, this is ${RULE_ENGINE_VERSION}`,
      location ? { location } : {},
    );
  const seen = new Map<string, number>();
  pack.rules.forEach((rule, i) => {
    const prev = seen.get(rule.meta.id);
    if (prev !== undefined)
      throw new VigilError(
        'RULE_PACK_INVALID',
        `${where}: rule "${rule.meta.id}" (rules[${i}]) has the same id as rules[${prev}]`,
        location ? { location } : {},
      );
    seen.set(rule.meta.id, i);
  });
  return pack;
}

/**
 * Defines a rule pack (validated immediately, so a broken pack fails where it
 * is written).
 *
 * @example
 * ```ts
 * import { definePack } from '@vigil/rules';
 *
 * export default definePack({ name: '@acme/vigil-rules', version: '1.0.0', engine: '^1.0.0', rules: [shellInJupyter] });
 * ```
 */
export function definePack(pack: RulePack): RulePack {
  return validateRulePack(pack);
}
