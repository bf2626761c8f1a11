import { countOf, escapeTerminalText, SEVERITIES, type Severity } from '@vigil/core';
import type { FindingsReport } from './findings-report.js';

const COLOUR: Record<Severity, string> = {
  critical: '\u001b[1;97;41m',
  high: '\u001b[1;31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  info: '\u001b[2m',
};
const RESET = '\u001b[0m';

/** Options for {@link renderConsole}. */
export interface ConsoleOptions {
  /** ANSI colours; default off. */
  readonly color?: boolean;
  /** Most findings listed; default all. */
  readonly limit?: number;
}

/**
 * Renders a findings report for a terminal: one line per finding, most
 * important first, and a summary line.
 *
 * @example
 * ```ts
 * import { buildFindingsReport, renderConsole } from '@vigil/reporters';
 *
 * process.stdout.write(renderConsole(buildFindingsReport(findings), { color: process.stdout.isTTY }));
 * ```
 */
export function renderConsole(report: FindingsReport, options: ConsoleOptions = {}): string {
  const paint = (s: Severity, text: string) => (options.color ? `${COLOUR[s]}${text}${RESET}` : text);
  const lines: string[] = [];
  const shown = report.findings.slice(0, options.limit ?? report.findings.length);
  for (const f of shown) {
    const sev = paint(f.severity, f.severity.toUpperCase().padEnd(8));
    // Colours are ours; every field from input is escaped, so it cannot drive the terminal.
    const safe = escapeTerminalText;
    lines.push(
      `${sev} ${String(f.risk.score).padStart(3)}  ${safe(f.title)}  [${safe(f.ruleId)}] ${safe(f.workload.name ?? f.workload.id)}`,
    );
    lines.push(`             ${safe(f.summary)}`);
  }
  if (shown.length < report.findings.length) lines.push(`… ${report.findings.length - shown.length} more`);
  const counts = [...SEVERITIES]
    .reverse()
    .filter((s) => (report.summary.bySeverity[s] ?? 0) > 0)
    .map((s) => `${report.summary.bySeverity[s]} ${s}`);
  lines.push('');
  lines.push(
    `${countOf(report.summary.total, 'finding')}${counts.length > 0 ? ` (${counts.join(', ')})` : ''} across ${countOf(report.summary.workloads, 'workload')}`,
  );
  lines.push('');
  return lines.join('\n');
}
