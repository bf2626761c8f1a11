import { type Finding, type Severity, SeveritySchema, severityRank, VigilError } from '@vigil/core';

/**
 * The severities a severity option takes, lowest first, for option help: `info, low, medium, high, critical`.
 *
 * @example
 * ```ts
 * const help = `exit 1 when a finding is at or above this severity (${SEVERITY_CHOICES})`;
 * ```
 */
export const SEVERITY_CHOICES = SeveritySchema.options.join(', ');

/**
 * Reads a severity option such as `--fail-on` (the default name in messages) or `--min-severity`.
 *
 * @example
 * ```ts
 * parseFailOn('high'); // 'high'
 * parseFailOn('info', '--min-severity'); // 'info'
 * ```
 */
export function parseFailOn(value: unknown, option = '--fail-on'): Severity | undefined {
  if (value === undefined) return undefined;
  const r = SeveritySchema.safeParse(value);
  if (!r.success)
    throw new VigilError('USAGE', `${option} takes one of ${SEVERITY_CHOICES} (got '${String(value)}')`);
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
