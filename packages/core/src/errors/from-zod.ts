import type { VigilSchemaError } from '../schemas/vigil-schema.js';
import {
  type ErrorLocation,
  formatPath,
  type ValidationIssue,
  VigilError,
  type VigilErrorCode,
} from './vigil-error.js';

/**
 * Converts a zod error (what a schema's `safeParse` returns on failure) into a
 * {@link VigilError} whose message lists every issue with its path.
 *
 * @example
 * ```ts
 * const r = EventSchema.safeParse(raw);
 * if (!r.success) throw fromZodError(r.error, 'event', { file: 'x.vcap', offset: 128 });
 * ```
 */
export function fromZodError(
  error: VigilSchemaError,
  what: string,
  location?: ErrorLocation,
  code: VigilErrorCode = 'SCHEMA_INVALID',
): VigilError {
  const base = location?.path ?? [];
  const issues: ValidationIssue[] = error.issues.map((i) => ({
    path: [...base, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: i.message,
  }));
  const shown = issues
    .slice(0, 5)
    .map((i) => `${formatPath(i.path)}: ${i.message}`)
    .join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  const { path: _ignored, ...rest } = location ?? {};
  return new VigilError(code, `invalid ${what}: ${shown}${more}`, { location: rest, issues, cause: error });
}
