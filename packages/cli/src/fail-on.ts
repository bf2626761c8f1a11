import { type Finding, type Severity, SeveritySchema, severityRank, VigilError } from '@vigil/core';

/**
 * Reads a `--fail-on` value.
 *
 * @example
 * ```ts
 * parseFailOn('high'); // 'high'
 * ```
 */
export function parseFailOn(value: unknown): Severity | undefined {
  if (value === undefined) return undefined;
  const r = SeveritySchema.safeParse(value);
  if (!r.success)
    throw new VigilError(
      'USAGE',
      `--fail-on takes one of ${SeveritySchema.options.join(', ')} (got '${String(value)}')`,
    );
  return r.data;
}

/** 1 when any finding is at or above `failOn`, else 0. */
export function exitCodeFor(
  findings: readonly Pick<Finding, 'severity'>[],
  failOn: Severity | undefined,
): number {
  if (failOn === undefined) return 0;
  const min = severityRank(failOn);
  return findings.some((f) => severityRank(f.severity) >= min) ? 1 : 0;
}
