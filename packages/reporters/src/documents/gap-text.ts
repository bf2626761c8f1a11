import {
  type CaptureIntegrity,
  countOf,
  describeCaptureIntegrity,
  describeGrant,
  describeSkipped,
  describeSubject,
  describeUse,
  type GapReport,
  gapUseSources,
  type LeastPrivilege,
  type RiskRanking,
} from '@vigil/core';

const pct = (r: number) => `${Math.round(r * 100)}%`;

/**
 * Renders a gap report, its risk ranking and least-privilege artifacts as text for a terminal
 * (`analyseGap`, `vigil gap`).
 *
 * @example
 * ```ts
 * import { analyseGap } from '@vigil/core';
 * import { renderGapText } from '@vigil/reporters';
 *
 * const gap = await analyseGap({ declared: ['rbac.yaml'], observed: ['run.vcap'] });
 * process.stdout.write(renderGapText(gap.report, gap.ranking, gap.leastPrivilege, gap.integrity));
 * ```
 */
export function renderGapText(
  report: GapReport,
  ranking: RiskRanking,
  lp: LeastPrivilege | undefined,
  integrity?: CaptureIntegrity,
): string {
  const out: string[] = [];
  const c = report.coverage;
  // Captured workloads that no declared subject took in, and declared workloads nothing was seen
  // for: most often one workload under two names, which --bind joins.
  const capturedAlone = report.unmatched.filter((u) => u.subject.startsWith('workload:'));
  // A declared workload credited with uses by MCP server name is not "nothing seen".
  const declaredAlone = report.workloads.filter(
    (w) => w.observedAs.length === 0 && gapUseSources(w).length === 0,
  );
  const unbound = capturedAlone.length > 0 && declaredAlone.length > 0;
  out.push(
    `Declared vs observed: ${report.totals.used} of ${report.totals.granted} grants used (${pct(report.totals.ratio)}) across ${countOf(report.workloads.length, 'workload')}`,
    `Window: ${c.confidence} confidence: ${c.note}`,
  );
  if (integrity !== undefined && !integrity.complete)
    for (const line of describeCaptureIntegrity(integrity)) out.push(`INCOMPLETE: ${line}`);
  for (const s of report.inputs.skipped ?? []) out.push(`Input: ${describeSkipped(s)}`);
  for (const w of report.workloads) {
    out.push(
      '',
      `${w.name}${w.namespace ? ` (namespace ${w.namespace})` : ''}: ${w.used}/${w.granted} grants used`,
    );
    const what = describeSubject(w.id);
    if (what) out.push(`  ${w.name}: ${what}`);
    if (w.observedAs.length > 0)
      out.push(`  observed as ${w.observedAs.map((r) => r.pod ?? r.name ?? r.id).join(', ')}`);
    // Uses credited without a bound workload: say whose they are and how they were matched.
    for (const src of gapUseSources(w))
      out.push(
        `  uses from ${src.subject}${src.servers.length > 0 ? `: its calls to the MCP servers ${src.servers.join(', ')}, matched by server name` : ''}${w.observedAs.length === 0 && src.subject.startsWith('workload:') ? `; it is not bound to ${w.id} (--bind '${src.subject.slice('workload:'.length)}=${w.id}' binds it)` : ''}`,
      );
    for (const d of w.domains) {
      const seen = d.observed
        ? ''
        : unbound && w.observedAs.length === 0
          ? '  (not observed: no captured workload is bound to this one; see --bind below)'
          : '  (not observed: no input could show use)';
      out.push(
        `  ${d.domain.padEnd(15)} granted ${String(d.granted).padStart(4)}  used ${String(d.used).padStart(4)}  ${pct(d.ratio).padStart(4)}  uses ${d.distinctUses}${d.denied.length > 0 ? `  denied ${d.denied.length}` : ''}${d.ungranted.length > 0 ? `  ungranted ${d.ungranted.length}` : ''}${d.implicit > 0 ? `  platform defaults ${d.implicit}` : ''}${seen}`,
      );
      const hiddenUnobservable = d.unused.filter((x) => !x.observable).length;
      if (hiddenUnobservable > 0 && d.observed)
        out.push(
          `      ${hiddenUnobservable} unused but not observable (their use leaves no event); verify by hand`,
        );
      for (const u of d.unused.filter((x) => x.observable).slice(0, 5))
        out.push(`      unused  rank ${String(u.rank).padStart(3)}  ${describeGrant(u.grant)}`);
      const hidden = d.unused.filter((x) => x.observable).length - 5;
      if (hidden > 0) out.push(`      … ${hidden} more unused`);
      for (const u of d.denied.slice(0, 5)) out.push(`      denied  ${describeUse(u)} (${u.denied}x)`);
      for (const u of d.ungranted.slice(0, 5)) out.push(`      ungranted  ${describeUse(u)} (${u.count}x)`);
    }
  }
  if (report.unmatched.length > 0)
    out.push(
      '',
      `Observed subjects with no declared grants: ${report.unmatched.map((u) => `${u.subject} (${u.uses})`).join(', ')}`,
    );
  if (unbound) {
    const declared = declaredAlone.find((w) => w.id.startsWith('k8s:workload:')) ?? declaredAlone[0]!;
    out.push(
      `  if a captured workload runs as a declared one, bind them: --bind CAPTURED=SUBJECT, e.g. --bind '${capturedAlone[0]!.subject.slice('workload:'.length)}=${declared.id}' (declared subjects with no captured workload: ${declaredAlone.map((w) => w.id).join(', ')})`,
    );
  }
  const s = ranking.summary;
  out.push(
    '',
    `Risk: ${countOf(s.total, 'finding')}; ${s.shortListBefore} at or above ${s.threshold} by severity, ${s.shortList} after runtime weighting (${s.promoted} promoted, ${s.demoted} demoted, ${s.unchanged} unchanged)`,
  );
  const why = Object.entries(s.byAdjustment).sort((a, b) => b[1] - a[1]);
  if (why.length > 0) out.push(`  why: ${why.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const f of ranking.findings.slice(0, 10))
    out.push(`  ${String(f.risk.score).padStart(3)}  ${f.severity.padEnd(8)} ${f.title}`);
  if (lp) {
    out.push('', 'Least-privilege artifacts:');
    for (const a of lp.artifacts)
      out.push(
        `  ${a.fileName}  ${a.issues.length === 0 ? 'valid' : `${a.issues.length} validation issues`}: ${a.notes[0] ?? ''}`,
      );
  }
  out.push('');
  return out.join('\n');
}
