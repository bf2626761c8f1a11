import { fromZodError, lazySchema, safeParseDocument, type VigilEvent } from '@vigil/core';
import { z } from 'zod';
import { globListMatcher } from '../internal/glob.js';

/**
 * An exception: findings of the named rules are dropped when the event that
 * triggered them matches every field condition. Data, not code — the
 * Falco-style way to allow what one workload legitimately does.
 *
 * Field names are event fields (`exe`, `comm`, `path`, `filename`, `daddr`,
 * `dport`, `dnsName`, `server`, `tool`, `verb`, `resource`, …; arrays such as
 * `argv` are joined with spaces) or workload fields (`workload.id`,
 * `workload.name`, `workload.namespace`, `workload.kind`,
 * `workload.serviceAccount`, `workload.image`, `workload.labels.<key>`).
 * Values are globs (`*`, `?`); a condition matches when any value matches.
 *
 * @example
 * ```ts
 * RuleExceptionSchema.parse({ name: 'pip', rules: ['vigil.runtime.exec-from-temp'], when: { exe: ['/usr/bin/pip*'] } });
 * ```
 */
export const RuleExceptionSchema = lazySchema(() =>
  z.object({
    /** Names the exception in logs and stats. */
    name: z.string().min(1),
    /** Rule ids or globs (`vigil.runtime.*`). */
    rules: z.array(z.string().min(1)).min(1),
    /** Field → globs. Every field must match (an empty object matches everything of the rules). */
    when: z.record(z.string().min(1), z.array(z.string()).min(1)).default({}),
    /** Why it is safe; shown in docs and reviews. */
    reason: z.string().optional(),
  }),
);
/**
 * @see {@link RuleExceptionSchema}
 *
 * @example
 * ```ts
 * const ex: RuleException = { name: 'sshd', rules: ['vigil.runtime.sensitive-file-read'], when: { exe: ['/usr/sbin/sshd'] } };
 * ```
 */
export interface RuleException {
  /** Names the exception in logs and stats. */
  name: string;
  /** Rule ids or globs (`vigil.runtime.*`). */
  rules: string[];
  /** Field → globs. Every field must match (an empty object matches everything of the rules). */
  when?: Record<string, string[]> | undefined;
  /** Why it is safe; shown in docs and reviews. */
  reason?: string | undefined;
}

/**
 * Version of the exceptions document format.
 *
 * @example
 * ```ts
 * const doc = { schemaVersion: EXCEPTIONS_SCHEMA_VERSION, exceptions: [] };
 * ```
 */
export const EXCEPTIONS_SCHEMA_VERSION = 1;

/**
 * A document of exceptions, as kept next to a deployment (JSON or YAML).
 *
 * @example
 * ```ts
 * import { ExceptionsDocumentSchema } from '@vigil/rules';
 *
 * const doc = ExceptionsDocumentSchema.parse({
 *   schemaVersion: 1,
 *   exceptions: [{ name: 'pip builds', rules: ['vigil.runtime.exec-from-tmp'], when: { 'workload.name': ['builder'], exe: ['/usr/bin/pip*'] } }],
 * });
 * ```
 */
export const ExceptionsDocumentSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(EXCEPTIONS_SCHEMA_VERSION),
    exceptions: z.array(RuleExceptionSchema),
  }),
);
/**
 * @see {@link ExceptionsDocumentSchema}
 *
 * @example
 * ```ts
 * const doc: ExceptionsDocument = parseExceptionsDocument(JSON.parse(text), 'exceptions.json');
 * ```
 */
export interface ExceptionsDocument {
  schemaVersion: 1;
  exceptions: {
    /** Names the exception in logs and stats. */
    name: string;
    /** Rule ids or globs (`vigil.runtime.*`). */
    rules: string[];
    /** Field → globs. Every field must match (an empty object matches everything of the rules). */
    when: Record<string, string[]>;
    /** Why it is safe; shown in docs and reviews. */
    reason?: string | undefined;
  }[];
}

/**
 * Validates an exceptions document (already parsed from JSON or YAML); errors
 * name the file and the path of each problem.
 *
 * @example
 * ```ts
 * const doc = parseExceptionsDocument(JSON.parse(text), 'exceptions.json');
 * ```
 */
export function parseExceptionsDocument(raw: unknown, file?: string): ExceptionsDocument {
  const r = safeParseDocument(ExceptionsDocumentSchema, raw);
  if (!r.success)
    throw fromZodError(
      r.error,
      'exceptions document',
      file === undefined ? undefined : { file },
      'INPUT_INVALID',
    );
  return r.data;
}

/**
 * A compiled exception.
 *
 * @example
 * ```ts
 * const [ex] = compileExceptions([{ name: 'x', rules: ['acme.*'], when: { comm: ['make'] } }]);
 * ex!.appliesTo('acme.build'); // true
 * ```
 */
export interface CompiledException {
  readonly name: string;
  appliesTo(ruleId: string): boolean;
  matches(event: VigilEvent): boolean;
}

/** A field an exception names, read only from the event itself (`constructor` is no field). */
function own(o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

function fieldValue(event: VigilEvent, field: string): string | undefined {
  let v: unknown;
  if (field.startsWith('workload.')) {
    const rest = field.slice('workload.'.length);
    if (rest.startsWith('labels.')) v = own(event.workload.labels, rest.slice('labels.'.length));
    else v = own(event.workload, rest);
  } else {
    v = own(event, field);
  }
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => String(x)).join(' ');
  if (typeof v === 'object') return undefined;
  return String(v);
}

/**
 * Compiles exceptions once so matching is cheap.
 *
 * @example
 * ```ts
 * const [ex] = compileExceptions([{ name: 'x', rules: ['acme.*'], when: { comm: ['make'] } }]);
 * if (ex!.appliesTo(ruleId) && ex!.matches(event)) return; // excepted
 * ```
 */
export function compileExceptions(exceptions: readonly RuleException[]): CompiledException[] {
  return exceptions.map((raw) => {
    const ex = RuleExceptionSchema.parse(raw);
    const rule = globListMatcher(ex.rules);
    const conds = Object.entries(ex.when).map(([field, globs]) => ({ field, test: globListMatcher(globs) }));
    return {
      name: ex.name,
      appliesTo: rule,
      matches(event) {
        for (const c of conds) {
          const v = fieldValue(event, c.field);
          if (v === undefined || !c.test(v)) return false;
        }
        return true;
      },
    };
  });
}
