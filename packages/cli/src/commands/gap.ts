import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  analyzeGaps,
  type CaptureIntegrity,
  CloudTrailSource,
  DnsEnricher,
  describeCaptureIntegrity,
  describeGrant,
  describeUse,
  type EventSource,
  type Finding,
  FindingSchema,
  fromZodError,
  type GapReport,
  gapFindings,
  generateLeastPrivilege,
  KubernetesAuditSource,
  type LeastPrivilege,
  loadDeclaredPermissions,
  mergeObservedUse,
  ObservedUseAccumulator,
  type ObservedUseDocument,
  OtelSpanSource,
  observedUseFromBaseline,
  type PermissionDomain,
  PermissionDomainSchema,
  prepareArtifactFolder,
  type RiskRanking,
  rankRisk,
  readBaselineFile,
  readJsonFile,
  renderLeastPrivilegeArtifact,
  type SkippedRecords,
  Vigil,
  VigilError,
  writeOutput,
} from '@vigil/core';
import { captureSource, STRICT_HELP, STRICT_OPTION, warnIncomplete } from '../captures.js';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn } from '../fail-on.js';

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

// Only a regular file can be a capture (captures are read with seeks); anything else (a FIFO,
// a pipe) is read as a baseline. The look never blocks: O_NONBLOCK for a FIFO swapped in late.
async function isCapture(path: string): Promise<boolean> {
  const cannotOpen = (cause: unknown) =>
    new VigilError('IO', `cannot open: ${(cause as Error).message}`, { cause, location: { file: path } });
  try {
    if (!(await stat(path)).isFile()) return false;
  } catch (cause) {
    throw cannotOpen(cause);
  }
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw cannotOpen(cause);
  }
  try {
    if (!(await fh.stat()).isFile()) return false;
    const b = Buffer.alloc(4);
    await fh.read(b, 0, 4, 0);
    return b.toString('latin1') === 'VCAP';
  } finally {
    await fh.close();
  }
}

async function observe(source: EventSource, signal: AbortSignal, dns: boolean): Promise<ObservedUseDocument> {
  const acc = new ObservedUseAccumulator();
  await new Vigil({ source, enrichers: dns ? [new DnsEnricher()] : [], consumers: [acc] }).run({ signal });
  return acc.result();
}

/** The invalid records a line-based source skipped, by reason (from its drop counts). */
function skippedOf(file: string, source: EventSource): SkippedRecords | undefined {
  const reasons: SkippedRecords['reasons'] = {};
  let total = 0;
  for (const reason of ['invalid-json', 'invalid-shape', 'over-limit'] as const) {
    const n = source.stats().drops[reason] ?? 0;
    if (n > 0) {
      reasons[reason] = n;
      total += n;
    }
  }
  return total > 0 ? { file, reasons } : undefined;
}

function describeSkipped(s: SkippedRecords): string {
  const parts = Object.entries(s.reasons).map(([reason, n]) => `${n} ${reason}`);
  const total = Object.values(s.reasons).reduce((a, b) => a + (b ?? 0), 0);
  return `${s.file}: skipped ${total} invalid record${total === 1 ? '' : 's'} (${parts.join(', ')})`;
}

const pct = (r: number) => `${Math.round(r * 100)}%`;

/** Reads findings from another producer (`vigil check --json`, a scanner): an array or `{ findings: [...] }`. */
async function readFindings(path: string, signal: AbortSignal): Promise<Finding[]> {
  const raw = await readJsonFile(path, 'findings', { what: 'findings', signal });
  const inObject = !Array.isArray(raw) && typeof raw === 'object' && raw !== null && 'findings' in raw;
  const list = Array.isArray(raw) ? raw : inObject ? (raw as { findings: unknown }).findings : undefined;
  if (!Array.isArray(list))
    throw new VigilError(
      'INPUT_INVALID',
      'expected an array of findings or an object with a "findings" array',
      {
        location: { file: path },
      },
    );
  return list.map((f, i) => {
    const r = FindingSchema.safeParse(f);
    if (!r.success)
      throw fromZodError(r.error, 'finding', { file: path, path: inObject ? ['findings', i] : [i] });
    return r.data;
  });
}

/** Renders a gap report, its ranking and artifacts as text for a terminal. */
export function renderGapText(
  report: GapReport,
  ranking: RiskRanking,
  lp: LeastPrivilege | undefined,
  integrity?: CaptureIntegrity,
): string {
  const out: string[] = [];
  const c = report.coverage;
  out.push(
    `Declared vs observed: ${report.totals.used} of ${report.totals.granted} grants used (${pct(report.totals.ratio)}) across ${report.workloads.length} workloads`,
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
    if (w.observedAs.length > 0)
      out.push(`  observed as ${w.observedAs.map((r) => r.pod ?? r.name ?? r.id).join(', ')}`);
    for (const d of w.domains) {
      const seen = d.observed ? '' : '  (not observed: no input could show use)';
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
  const s = ranking.summary;
  out.push(
    '',
    `Risk: ${s.total} findings; ${s.shortListBefore} at or above ${s.threshold} by severity, ${s.shortList} after runtime weighting (${s.promoted} promoted, ${s.demoted} demoted, ${s.unchanged} unchanged)`,
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

export const gapCommand: Command = {
  name: 'gap',
  summary:
    'Compare declared permissions with observed use, rank the gaps, and write least-privilege policies',
  usage:
    '--declared PATH… CAPTURE|BASELINE… [--audit-log F…] [--cloudtrail F…] [--otel SPANS…] [--emit-policy DIR] [--on-invalid fail|skip] [--bind CAPTURED=SUBJECT…] [--fail-on SEVERITY] [--strict] [--format text|json]',
  description: [
    'Declared: Kubernetes manifests (RBAC, workloads, NetworkPolicy; multi-document YAML and List objects),',
    'AWS IAM policies (documents or get-account-authorization-details) and MCP client configurations.',
    'Observed: captures (.vcap), baselines (vigil learn), Kubernetes audit logs and CloudTrail logs (gzip accepted),',
    'and OpenTelemetry GenAI/MCP spans (OTLP/JSON) for the tools agents called.',
    '--bind maps a captured workload id (or *) to the declared subject it runs as, e.g.',
    '  --bind "*=k8s:workload:ai/Deployment/agent" or --bind "host=mcp:claude_desktop_config".',
    '--findings adds findings from other producers (vigil check --json, scanners) to the risk ranking.',
    '--on-invalid skip passes over invalid lines of audit logs and CloudTrail records, counts them by reason',
    '(invalid-json, invalid-shape, over-limit) and reports them; the default, fail, stops at the first with its line.',
    '--emit-policy writes a tightened Role/ClusterRole, IAM policy, NetworkPolicy, workload security context',
    'and MCP tool allowlist per workload, each validated against its consumer schema.',
  ].join('\n'),
  options: {
    declared: { type: 'string', short: 'd', multiple: true },
    'audit-log': { type: 'string', multiple: true },
    cloudtrail: { type: 'string', multiple: true },
    otel: { type: 'string', multiple: true },
    findings: { type: 'string', multiple: true },
    'emit-policy': { type: 'string' },
    'on-invalid': { type: 'string' },
    bind: { type: 'string', multiple: true },
    'aws-subject': { type: 'string' },
    'mcp-client': { type: 'string' },
    'observed-domain': { type: 'string', multiple: true },
    'min-rank': { type: 'string' },
    'fail-on': { type: 'string' },
    ...STRICT_OPTION,
  },
  optionHelp: { strict: STRICT_HELP },
  formats: ['text', 'json'],
  async run(ctx) {
    const declaredPaths = strings(ctx.args.values['declared']);
    if (declaredPaths.length === 0)
      throw new VigilError('USAGE', 'gap needs --declared PATH (manifests, IAM policies, MCP configs)');
    const audit = strings(ctx.args.values['audit-log']);
    const trails = strings(ctx.args.values['cloudtrail']);
    const spans = strings(ctx.args.values['otel']);
    const inputs = [...ctx.args.positionals];
    if (inputs.length + audit.length + trails.length + spans.length === 0)
      throw new VigilError(
        'USAGE',
        'gap needs observed use: a capture, a baseline, --audit-log, --cloudtrail or --otel',
      );
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    const minRankText = ctx.args.values['min-rank'];
    const minRank = minRankText === undefined ? 30 : Number(minRankText);
    if (!Number.isFinite(minRank) || minRank < 0 || minRank > 100)
      throw new VigilError('USAGE', `--min-rank takes a number from 0 to 100 (got '${String(minRankText)}')`);
    const bindings: Record<string, string> = {};
    for (const b of strings(ctx.args.values['bind'])) {
      const i = b.indexOf('=');
      if (i <= 0 || i === b.length - 1)
        throw new VigilError('USAGE', `--bind takes CAPTURED_WORKLOAD_ID=DECLARED_SUBJECT (got '${b}')`);
      bindings[b.slice(0, i)] = b.slice(i + 1);
    }
    const onInvalidText = ctx.args.values['on-invalid'] ?? 'fail';
    if (onInvalidText !== 'fail' && onInvalidText !== 'skip')
      throw new VigilError('USAGE', `--on-invalid takes fail or skip (got '${String(onInvalidText)}')`);
    const onInvalid = onInvalidText === 'skip' ? 'skip' : 'error';
    const dir = ctx.args.values['emit-policy'];
    // Before any input is read: an output folder that cannot be written is a usage error now, not after the run.
    if (typeof dir === 'string') await prepareArtifactFolder(dir);
    const observedDomains: PermissionDomain[] = [];
    for (const d of strings(ctx.args.values['observed-domain'])) {
      const r = PermissionDomainSchema.safeParse(d);
      if (!r.success)
        throw new VigilError(
          'USAGE',
          `--observed-domain takes one of ${PermissionDomainSchema.options.join(', ')} (got '${d}')`,
        );
      observedDomains.push(r.data);
    }

    const docs: ObservedUseDocument[] = [];
    const captures: string[] = [];
    for (const p of inputs) {
      if (await isCapture(p)) captures.push(p);
      else
        docs.push(observedUseFromBaseline((await readBaselineFile(p, { signal: ctx.signal })).toDocument()));
    }
    let integrity: CaptureIntegrity | undefined;
    if (captures.length > 0) {
      const source = captureSource(ctx, captures);
      docs.push(await observe(source, ctx.signal, true));
      integrity = warnIncomplete(ctx, source);
    }
    const skipped: SkippedRecords[] = [];
    const logs: [string, EventSource][] = [
      ...audit.map((f): [string, EventSource] => [
        f,
        new KubernetesAuditSource(f, { signal: ctx.signal, onInvalid }),
      ]),
      ...trails.map((f): [string, EventSource] => [
        f,
        new CloudTrailSource(f, { signal: ctx.signal, onInvalid }),
      ]),
    ];
    for (const [f, source] of logs) {
      docs.push(await observe(source, ctx.signal, false));
      const s = skippedOf(f, source);
      if (s) {
        skipped.push(s);
        ctx.log(`warning: ${describeSkipped(s)}`);
      }
    }
    if (spans.length > 0)
      docs.push(await observe(new OtelSpanSource(spans, { signal: ctx.signal }), ctx.signal, false));
    const observed = mergeObservedUse(docs);

    const awsSubject = ctx.args.values['aws-subject'];
    const mcpClient = ctx.args.values['mcp-client'];
    const declared = await loadDeclaredPermissions(declaredPaths, {
      toolLists: observed.toolLists,
      signal: ctx.signal,
      ...(typeof awsSubject === 'string' ? { awsSubject } : {}),
      ...(typeof mcpClient === 'string' ? { mcpClient } : {}),
    });
    for (const w of declared.warnings.slice(0, 20))
      ctx.log(`warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);

    const report = analyzeGaps(declared, observed, { bindings, observedDomains, skipped });
    const findings = gapFindings(report, { minRank });
    for (const f of strings(ctx.args.values['findings']))
      for (const x of await readFindings(f, ctx.signal)) findings.push(x);
    const ranking = rankRisk(findings, { observed, gapReport: report, declared });

    let lp: LeastPrivilege | undefined;
    if (typeof dir === 'string') {
      lp = generateLeastPrivilege(declared, report, observed);
      for (const a of lp.artifacts) {
        if (a.issues.length > 0) {
          ctx.log(
            `not written: ${a.fileName}: ${a.issues
              .slice(0, 3)
              .map((i) => `${i.path.join('.')}: ${i.message}`)
              .join('; ')}`,
          );
          continue;
        }
        await writeOutput(join(dir, a.fileName), renderLeastPrivilegeArtifact(a), { signal: ctx.signal });
      }
    }

    if (ctx.format === 'json') {
      await ctx.emit(
        `${JSON.stringify(
          {
            schemaVersion: 1,
            kind: 'vigil.gap',
            ...(integrity ? { integrity } : {}),
            report,
            risk: ranking.summary,
            findings: ranking.findings,
            ...(lp ? { leastPrivilege: lp } : {}),
          },
          null,
          2,
        )}\n`,
      );
    } else await ctx.emit(renderGapText(report, ranking, lp, integrity));
    return exitCodeFor(ranking.findings, failOn);
  },
};
