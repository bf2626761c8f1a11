import { fromZodError, lazySchema, safeParseDocument } from '@vigil/core';
import { SeveritySchema } from '@vigil/core/schemas';
import { z } from 'zod';

/**
 * Version of the rule-overrides document format.
 *
 * @example
 * ```ts
 * const doc = { schemaVersion: RULE_OVERRIDES_SCHEMA_VERSION, overrides: [] };
 * ```
 */
export const RULE_OVERRIDES_SCHEMA_VERSION = 1;

/**
 * One rule override: a rule id or a glob of ids (`vigil.drift.file.*`), the
 * severity its findings get or `off`, and who decided it and why (kept with
 * the document for review; the engine does not read them).
 *
 * @example
 * ```ts
 * RuleOverrideEntrySchema.parse({ rule: 'vigil.drift.file.new-read', severity: 'info', reason: 'build agents read widely', by: 'secops' });
 * ```
 */
export const RuleOverrideEntrySchema = lazySchema(() =>
  z
    .object({
      /** A rule id or a glob of ids (`*`, `?`). */
      rule: z.string().min(1).max(512),
      /** The severity the rule reports at, or `off` to turn it off. */
      severity: z.union([SeveritySchema, z.literal('off')]),
      /** Why: shown in reviews. */
      reason: z.string().max(4096).optional(),
      /** Who decided it. */
      by: z.string().max(256).optional(),
    })
    .strict(),
);
/**
 * @see {@link RuleOverrideEntrySchema}
 *
 * @example
 * ```ts
 * const entry: RuleOverrideEntry = { rule: 'vigil.runtime.unexpected-egress', severity: 'off', reason: 'egress proxy' };
 * ```
 */
export interface RuleOverrideEntry {
  /** A rule id or a glob of ids (`*`, `?`). */
  rule: string;
  /** The severity the rule reports at, or `off` to turn it off. */
  severity: 'info' | 'low' | 'medium' | 'high' | 'critical' | 'off';
  /** Why: shown in reviews. */
  reason?: string | undefined;
  /** Who decided it. */
  by?: string | undefined;
}

/**
 * A document of rule overrides, as kept next to a deployment (JSON or YAML)
 * and given to `vigil check --overrides FILE`. Entries apply in order: a later
 * entry that names the same rule wins (and `--rule-override` flags come after
 * every entry, so they win over the file).
 *
 * @example
 * ```ts
 * import { RuleOverridesDocumentSchema } from '@vigil/rules';
 *
 * const doc = RuleOverridesDocumentSchema.parse({
 *   schemaVersion: 1,
 *   overrides: [
 *     { rule: 'vigil.drift.file.*', severity: 'low', reason: 'file drift is noisy on build agents', by: 'secops' },
 *     { rule: 'vigil.runtime.unexpected-egress', severity: 'off' },
 *   ],
 * });
 * ```
 */
export const RuleOverridesDocumentSchema = lazySchema(() =>
  z
    .object({
      schemaVersion: z.literal(RULE_OVERRIDES_SCHEMA_VERSION),
      overrides: z.array(RuleOverrideEntrySchema).max(10_000),
    })
    .strict(),
);
/**
 * @see {@link RuleOverridesDocumentSchema}
 *
 * @example
 * ```ts
 * const doc: RuleOverridesDocument = { schemaVersion: 1, overrides: [{ rule: 'vigil.drift.dns.*', severity: 'info' }] };
 * ```
 */
export interface RuleOverridesDocument {
  schemaVersion: 1;
  overrides: RuleOverrideEntry[];
}

/**
 * Validates a rule-overrides document (already parsed from JSON or YAML);
 * errors are `INPUT_INVALID` and name the file, the path of each problem
 * (`overrides[2].severity`) and what was expected.
 *
 * @example
 * ```ts
 * const doc = parseRuleOverridesDocument(JSON.parse(text), 'overrides.json');
 * ```
 */
export function parseRuleOverridesDocument(raw: unknown, file?: string): RuleOverridesDocument {
  const r = safeParseDocument(RuleOverridesDocumentSchema, raw);
  if (!r.success)
    throw fromZodError(
      r.error,
      'rule overrides document',
      file === undefined ? undefined : { file },
      'INPUT_INVALID',
    );
  return r.data;
}
