import {
  BaselineSet,
  type CaptureIntegrity,
  type Consumer,
  correlateIncidents,
  DnsEnricher,
  describeCaptureIntegrity,
  type Finding,
  type Incident,
  incidentFinding,
  MergedSource,
  OtelSpanSource,
  ProcessTreeEnricher,
  readBaselines,
  SEVERITIES,
  type Severity,
  severityRank,
  Vigil,
  VigilError,
  type VigilEvent,
} from '@vigil/core';
import {
  buildFindingsReport,
  OtlpHttpExporter,
  renderHtml,
  renderMarkdown,
  toOcsf,
  toSarif,
} from '@vigil/reporters';
import { builtinPacks, loadExceptions, loadRulePacks, type RulePack, rulesCheckDetector } from '@vigil/rules';
import { captureSource, STRICT_HELP, STRICT_OPTION, warnIncomplete } from '../captures.js';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn } from '../fail-on.js';
import { VERSION } from '../version.js';

/**
 * Something that reads the checked stream and produces findings: the rule
 * engine with its drift detector; others plug in the same way.
 */
export interface CheckDetector {
  /** Short name for messages. */
  readonly name: string;
  /** The pipeline consumer that sees every enriched batch. */
  readonly consumer: Consumer;
  /** Every finding once the stream has ended (aggregated, final counts). */
  findings(): readonly Finding[];
}

/** What detectors get to build themselves. */
export interface CheckDetectorContext {
  /** The baselines of `--baseline`; empty when none was given. */
  readonly baselines: BaselineSet;
  readonly allowLearning: boolean;
  /** Rule packs to run: the built-in ones (unless `--no-builtin-rules`) and every `--rules PACK`. */
  readonly packs: readonly RulePack[];
  /** Exceptions from `--exceptions FILE`, applied on top of the packs' defaults. */
  readonly exceptions: Awaited<ReturnType<typeof loadExceptions>>['exceptions'];
  /** Findings are wanted as they appear (a live stream that is answered), not once the stream ends. */
  readonly live?: boolean;
}

/** Builds one detector for a `check` run. */
export type CheckDetectorFactory = (ctx: CheckDetectorContext) => CheckDetector;

/**
 * The rule packs over one engine: with baselines, drift (uncovered behaviour assessed by the drift
 * and critical rules) and the baseline-aware rules and chains too; without, the rest. Live, drift
 * is reported as it first appears rather than once the stream ends.
 */
export const rulesDetectorFactory: CheckDetectorFactory = ({
  baselines,
  packs,
  exceptions,
  allowLearning,
  live,
}) =>
  rulesCheckDetector({
    packs: [...packs],
    baselines,
    engine: { exceptions },
    drift: { allowLearning, report: live === true ? 'first' : 'finish' },
  });

/** The detectors `vigil check` runs over the same stream, in order. */
export const CHECK_DETECTORS: CheckDetectorFactory[] = [rulesDetectorFactory];

/**
 * Loads baselines from a baseline file (JSON or msgpack) or a SQLite baseline store
 * (`readBaselines`: only regular files are sniffed, so a FIFO never blocks the look).
 */
export function loadBaselines(path: string, signal?: AbortSignal): Promise<BaselineSet> {
  return readBaselines(path, signal ? { signal } : {});
}

/** Applies `--use-baseline SUBJECT`: workloads without a baseline of their own use that one. */
function withUseBaseline(set: BaselineSet, subject: unknown): BaselineSet {
  if (typeof subject !== 'string') return set;
  const found = set.bySubject(subject);
  if (found.length === 1) return set.withFallback(found[0]!);
  const known = set
    .baselines()
    .map((b) => b.subject)
    .slice(0, 8)
    .join(', ');
  throw new VigilError(
    'USAGE',
    found.length === 0
      ? `--use-baseline: no baseline has the subject '${subject}'${set.size > 0 ? ` (there are: ${known}${set.size > 8 ? ', …' : ''})` : ' (give --baseline first)'}`
      : `--use-baseline: '${subject}' has ${found.length} baselines (versions ${found.map((b) => b.versionKey).join(', ')}); keep one version in the baseline file`,
  );
}

function iso(ns: number): string {
  return new Date(ns / 1e6).toISOString();
}

/** Renders check results for a terminal. */
export function renderCheckText(
  captures: readonly string[],
  baselines: BaselineSet,
  findings: readonly Finding[],
  events: number,
  minSeverity: Severity,
  integrity?: CaptureIntegrity,
  incidents: readonly Incident[] = [],
): string {
  const out: string[] = [];
  out.push(
    `${captures.join(', ')}: ${events} events checked${baselines.size > 0 ? ` against ${baselines.size} baseline(s)` : ' (no baseline: rules only)'}`,
  );
  if (integrity !== undefined && !integrity.complete)
    for (const line of describeCaptureIntegrity(integrity)) out.push(`  INCOMPLETE: ${line}`);
  for (const b of baselines.baselines())
    out.push(`  ${b.subject} @ ${b.versionKey}  version ${b.version}  ${b.status}`);
  const shown = findings.filter((f) => severityRank(f.severity) >= severityRank(minSeverity));
  for (const f of shown) {
    out.push('');
    out.push(
      `${f.severity.toUpperCase().padEnd(8)} ${f.title}  [${f.ruleId}]${(f.count ?? 1) > 1 ? `  ×${f.count}` : ''}`,
    );
    out.push(`  ${f.summary}`);
    const base = f.evidence.find((e) => e.type === 'baseline');
    if (base) out.push(`  ${base.description}`);
    out.push(
      `  first ${iso(f.ts)}${f.lastSeen !== undefined && f.lastSeen !== f.ts ? `, last ${iso(f.lastSeen)}` : ''}  id ${f.id}`,
    );
  }
  if (incidents.length > 0) {
    out.push('', `${incidents.length} incident(s): findings about one process tree, joined`);
    for (const i of incidents) {
      out.push('');
      out.push(`${i.severity.toUpperCase().padEnd(8)} ${i.title}  [incident]  id ${i.id}`);
      out.push(`  ${i.summary}`);
      for (const [n, step] of i.chain.entries()) out.push(`  ${n + 1}. ${iso(step.ts)}  ${step.description}`);
    }
  }
  const counts = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  out.push('');
  out.push(
    findings.length === 0
      ? baselines.size > 0
        ? 'no findings: every observation is covered by its baseline and no rule fired'
        : 'no findings: no rule fired'
      : `${findings.length} finding(s): ${counts.join(', ')}${shown.length < findings.length ? ` (${findings.length - shown.length} below ${minSeverity} not shown)` : ''}`,
  );
  out.push('');
  return out.join('\n');
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check captures against baselines and rule packs; report drift and detections',
  usage:
    'CAPTURE… [--baseline BASELINE] [--otel SPANS…] [--rules PACK…] [--exceptions FILE] [--fail-on SEVERITY] [--otlp URL] [--format text|json|sarif|markdown|html|ocsf]',
  description: [
    'Runs the built-in rule packs (runtime behaviours and AI attack chains) and every --rules PACK (a',
    'module path or package name) over the captures; with --baseline, the drift detector and the',
    'baseline-aware rules and chains too.',
    'Every observation a stable baseline does not cover becomes a drift finding, rated by what drifted',
    'and how far it is from known behaviour (a new file in a known folder is low, a new egress domain',
    'high, a new shell or a credential read critical). Repeats aggregate into one finding.',
    'BASELINE is a file written by `vigil learn` (JSON or msgpack) or a SQLite baseline store.',
    'Against a baseline still learning, drift is reported as provisional (labelled, capped at medium) after',
    'an info finding saying why the baseline is not stable and what makes it so; --allow-learning checks it as stable.',
    'Findings about one process tree (the root ancestor within the workload) within ten minutes are joined',
    'into incidents with their chain of events and the severity the chain earns (json: `incidents`; other',
    'formats: one finding per incident, rule vigil.incident.process-tree).',
    '--min-severity hides findings below a severity in text output (json always has every finding).',
    '--exceptions FILE adds allowlist entries (JSON, per rule and workload); --no-builtin-rules runs only --rules packs.',
    'A workload with no baseline of its own gets an info finding naming the nearest baselines (same program,',
    'alike name) and why; --use-baseline SUBJECT checks every such workload against that baseline.',
    '--otel SPANS merges OTel GenAI spans (OTLP/JSON, one export per line or a whole file) into the captures’',
    'stream in time order. --otlp URL also sends the findings as OTLP log records and the model and tool',
    'calls as GenAI spans to an OpenTelemetry collector (OTLP/HTTP, JSON; /v1/logs and /v1/traces under URL).',
  ].join('\n'),
  options: {
    baseline: { type: 'string', short: 'b' },
    'fail-on': { type: 'string' },
    'allow-learning': { type: 'boolean' },
    'min-severity': { type: 'string' },
    'no-dns': { type: 'boolean' },
    rules: { type: 'string', multiple: true },
    exceptions: { type: 'string' },
    'no-builtin-rules': { type: 'boolean' },
    'use-baseline': { type: 'string' },
    otel: { type: 'string', multiple: true },
    otlp: { type: 'string' },
    ...STRICT_OPTION,
  },
  optionHelp: {
    baseline: 'a baseline file from vigil learn (JSON or msgpack) or a SQLite baseline store',
    'fail-on': 'exit 1 when a finding is at or above this severity',
    'allow-learning': 'check against baselines still learning as if stable (no provisional cap)',
    'min-severity': 'hide findings below this severity in text output',
    'no-dns': 'do not name peers by the DNS answers seen in the capture',
    rules: 'a rule pack to add: a module path or an installed package name',
    exceptions: 'a JSON exceptions document (allowlist entries per rule and workload)',
    'no-builtin-rules': 'run only the packs given with --rules',
    'use-baseline': 'check workloads that have no baseline of their own against the baseline of this subject',
    otel: 'OTel GenAI spans (OTLP/JSON) to merge into the captures in time order',
    otlp: 'an OTLP/HTTP collector URL: findings go to /v1/logs, model and tool calls to /v1/traces',
    strict: STRICT_HELP,
  },
  formats: ['text', 'json', 'sarif', 'markdown', 'html', 'ocsf'],
  async run(ctx) {
    const baselinePath = ctx.args.values['baseline'];
    const captures = ctx.args.positionals;
    if (captures.length === 0) throw new VigilError('USAGE', 'check needs at least one capture file');
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    const minSeverity = parseFailOn(ctx.args.values['min-severity'], '--min-severity') ?? 'info';
    const loaded =
      typeof baselinePath === 'string' ? await loadBaselines(baselinePath, ctx.signal) : new BaselineSet();
    const baselines = withUseBaseline(loaded, ctx.args.values['use-baseline']);
    const packs = [
      ...(ctx.args.values['no-builtin-rules'] === true ? [] : builtinPacks()),
      ...(await loadRulePacks((ctx.args.values['rules'] as string[] | undefined) ?? [])),
    ];
    const exceptionsPath = ctx.args.values['exceptions'];
    const exceptions =
      typeof exceptionsPath === 'string' ? (await loadExceptions(exceptionsPath)).exceptions : [];
    const detectors = CHECK_DETECTORS.map((make) =>
      make({ baselines, allowLearning: ctx.args.values['allow-learning'] === true, packs, exceptions }),
    );
    const otlpUrl = ctx.args.values['otlp'];
    const exporter =
      typeof otlpUrl === 'string'
        ? new OtlpHttpExporter({ url: otlpUrl, toolVersion: VERSION, signal: ctx.signal })
        : undefined;
    const spanFiles = (ctx.args.values['otel'] as string[] | undefined) ?? [];
    const source = captureSource(ctx, captures);
    const input =
      spanFiles.length > 0
        ? new MergedSource([source, new OtelSpanSource(spanFiles, { signal: ctx.signal })])
        : source;
    const enrichers =
      ctx.args.values['no-dns'] === true
        ? [new ProcessTreeEnricher()]
        : [new DnsEnricher(), new ProcessTreeEnricher()];
    // The model and tool calls, for the OTLP export (attributed, with the tool calls derived from responses).
    const calls: VigilEvent[] = [];
    const callCollector: Consumer = {
      name: 'otlp-calls',
      onBatch(batch) {
        for (const ev of batch)
          if ((ev.kind === 'model.call' || ev.kind === 'tool.call') && calls.length < 1_000_000)
            calls.push(ev);
      },
    };
    const vigil = new Vigil({
      source: input,
      enrichers,
      consumers: [...detectors.map((d) => d.consumer), ...(exporter ? [callCollector] : [])],
    });
    const errors: VigilError[] = [];
    vigil.on('error', (e) => errors.push(e));
    const summary = await vigil.run({ signal: ctx.signal });
    if (errors.length > 0) throw errors[0]!;
    if (ctx.signal.aborted) throw new VigilError('ABORTED', 'interrupted; nothing written');
    const integrity = warnIncomplete(ctx, source);
    const findings = detectors
      .flatMap((d) => d.findings())
      .sort(
        (a, b) =>
          severityRank(b.severity) - severityRank(a.severity) || a.ts - b.ts || (a.id < b.id ? -1 : 1),
      );
    const incidents = correlateIncidents(findings, { processes: vigil.processes });
    // Formats that carry findings only get each incident as one finding whose evidence is its chain.
    const withIncidents = [...incidents.map(incidentFinding), ...findings];
    const report = () =>
      buildFindingsReport(withIncidents, { inputs: captures, toolVersion: VERSION, integrity });
    if (ctx.format === 'sarif') {
      await ctx.emit(
        `${JSON.stringify(toSarif(withIncidents, { toolVersion: VERSION, integrity }), null, 2)}\n`,
      );
    } else if (ctx.format === 'markdown') {
      await ctx.emit(renderMarkdown(report()));
    } else if (ctx.format === 'html') {
      await ctx.emit(renderHtml({ title: 'Vigil check', findings: report() }));
    } else if (ctx.format === 'ocsf') {
      await ctx.emit(
        toOcsf(withIncidents, { toolVersion: VERSION, integrity })
          .map((e) => `${JSON.stringify(e)}\n`)
          .join(''),
      );
    } else if (ctx.format === 'json') {
      await ctx.emit(
        `${JSON.stringify(
          {
            captures,
            baseline: baselinePath ?? null,
            packs: packs.map((p) => ({ name: p.name, version: p.version, rules: p.rules.length })),
            baselines: baselines.baselines().map((b) => ({
              subject: b.subject,
              versionKey: b.versionKey,
              version: b.version,
              status: b.status,
              entries: b.size(),
            })),
            events: summary.events,
            integrity,
            drops: summary.source.drops,
            findings,
            incidents,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      await ctx.emit(
        renderCheckText(captures, baselines, findings, summary.events, minSeverity, integrity, incidents),
      );
    }
    if (exporter) {
      const sent = await exporter.export({ findings: withIncidents, events: calls });
      ctx.log(
        `exported ${sent.logRecords} finding(s) as log records and ${sent.spans} model/tool call(s) as spans to ${otlpUrl}${sent.rejected > 0 ? ` (${sent.rejected} rejected by the collector)` : ''}`,
      );
    }
    return exitCodeFor(withIncidents, failOn);
  },
};
