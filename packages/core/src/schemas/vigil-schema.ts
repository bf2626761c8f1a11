// What the package indexes say about their schemas: the part of a zod schema that users call,
// written out, so that declarations which mention a schema need not load zod's types.

/**
 * One problem a schema found in its input: where (`path`, as zod reports it) and what.
 *
 * @example
 * ```ts
 * const r = FindingSchema.safeParse({});
 * if (!r.success) for (const i of r.error.issues) console.log(i.path.join('.'), i.message);
 * ```
 */
export interface VigilSchemaIssue {
  /** What kind of problem, e.g. `invalid_type`, `too_small`. */
  readonly code: string;
  /** Where in the input, from the root: property names and array indices. */
  readonly path: readonly PropertyKey[];
  /** What was expected, in words. */
  readonly message: string;
}

/**
 * Why an input does not match a schema: every issue found (a zod `ZodError`).
 *
 * @example
 * ```ts
 * const r = FindingSchema.safeParse({});
 * if (!r.success) throw fromZodError(r.error, 'finding');
 * ```
 */
export interface VigilSchemaError {
  /** Every problem found, in input order. */
  readonly issues: readonly VigilSchemaIssue[];
  /** The issues as one message. */
  readonly message: string;
}

/**
 * The result of {@link VigilSchema.safeParse}: the parsed value or the error, never both.
 *
 * @example
 * ```ts
 * const r: VigilSafeParseResult<Finding> = FindingSchema.safeParse(input);
 * const finding = r.success ? r.data : undefined;
 * ```
 */
export type VigilSafeParseResult<T> =
  | { readonly success: true; readonly data: T; readonly error?: undefined }
  | { readonly success: false; readonly data?: undefined; readonly error: VigilSchemaError };

/**
 * A schema as the package indexes export it: the zod schema object itself, typed by what a
 * program calls on it, so that the main entries' declarations do not load zod's types.
 * `T` is what parsing returns (defaults filled in). For the zod
 * types (to compose schemas with `.extend()`, `.pick()` or inside `z.object`), import the
 * same schema from the package's `/schemas` subpath, e.g. `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { FindingSchema, type VigilSchema, type Finding } from '@vigil/core';
 *
 * const schema: VigilSchema<Finding> = FindingSchema;
 * const finding = schema.parse(JSON.parse(text)); // throws on invalid input
 * const r = schema.safeParse(JSON.parse(text)); // never throws
 * ```
 */
export interface VigilSchema<T> {
  /**
   * Validates `data` and returns it parsed (defaults filled in); throws a zod error listing
   * every issue when it does not match.
   */
  parse(data: unknown): T;
  /** Validates `data` without throwing: the parsed value, or the error with every issue. */
  safeParse(data: unknown): VigilSafeParseResult<T>;
  /** Like {@link VigilSchema.parse}, for schemas with asynchronous refinements. */
  parseAsync(data: unknown): Promise<T>;
  /** Like {@link VigilSchema.safeParse}, for schemas with asynchronous refinements. */
  safeParseAsync(data: unknown): Promise<VigilSafeParseResult<T>>;
}

/**
 * A schema of a closed set of strings (a zod enum), with its values in order.
 *
 * @example
 * ```ts
 * import { SeveritySchema } from '@vigil/core';
 *
 * SeveritySchema.options; // ['info', 'low', 'medium', 'high', 'critical']
 * ```
 */
export interface VigilEnumSchema<T extends string> extends VigilSchema<T> {
  /** The allowed values, in the order the schema lists them. */
  readonly options: readonly T[];
}
