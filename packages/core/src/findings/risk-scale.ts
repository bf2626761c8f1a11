import type { Severity } from './finding.js';

/**
 * The one severity → risk scale (0–100) every producer starts a finding's
 * risk score from: drift, rules, incidents, AI-BOM, gap analysis and the risk
 * ranking.
 *
 * @example
 * ```ts
 * SEVERITY_RISK.high; // 70
 * ```
 */
export const SEVERITY_RISK: Readonly<Record<Severity, number>> = Object.freeze({
  info: 10,
  low: 25,
  medium: 45,
  high: 70,
  critical: 90,
});

/**
 * The base risk score of a severity, plus `bonus` points, capped at 100.
 *
 * @example
 * ```ts
 * riskScore('medium'); // 45
 * riskScore('critical', 15); // 100
 * ```
 */
export function riskScore(severity: Severity, bonus = 0): number {
  return Math.max(0, Math.min(100, SEVERITY_RISK[severity] + bonus));
}
