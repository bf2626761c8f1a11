import {
  BaselineSet,
  type CheckDetector,
  type Consumer,
  checkCaptures,
  checkPayloadHintFacts,
  countOf,
  describeCaptureIntegrity,
  describePayloadHint,
  loadDataStores,
  readBaselines,
  readRagConfig,
  VigilError,
  type VigilEvent,
} from '@vigil/core';
import { OtlpHttpExporter, renderReport, reportFormats } from '@vigil/reporters';
import {
  builtinPacks,
  chainsStartingFromCalls,
  loadExceptions,
  loadRuleOverrides,
  loadRulePacks,
  parseRuleSettings,
  type RuleDeclarations,
  type RulePack,
  type RuleSettings,
  rulesCheckDetector,
} from '@vigil/rules';
import { STRICT_HELP, STRICT_OPTION } from '../captures.js';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn, SEVERITY_CHOICES } from '../fail-on.js';
import { VERSION } from '../version.js';

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
  /** Severity overrides and rules turned off, from `--overrides FILE` and `--rule-override ID=severity|off`. */
  readonly settings?: RuleSettings;
  /** What the deployment declares, from `--store-config`. */
  readonly declared?: RuleDeclarations;
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
  settings,
  declared,
}) =>
  rulesCheckDetector({
    packs: [...packs],
    baselines,
    engine: {
      exceptions,
      overrides: settings?.overrides ?? [],
      disable: settings?.disable ?? [],
      ...(declared ? { declared } : {}),
    },
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

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check captures against baselines and rule packs; report drift and detections',
  usage: `CAPTURE… [--baseline BASELINE] [--otel SPANS…] [--rules PACK…] [--exceptions FILE] [--overrides FILE] [--rag FILE] [--store-config PATH…] [--rule-override ID=SEVERITY|off…] [--fail-on SEVERITY] [--otlp URL] [--format ${reportFormats('check').join('|')}]`,
  description: [
    'Runs the built-in rule packs (runtime behaviours and AI attack chains) and every --rules PACK (a',
    'module path or package name) over the captures; with --baseline, the drift detector and the',
    'baseline-aware rules and chains too. The injection chains start from a tool call: they need captures',
    'recorded with `vigil record --payloads` (or --otel spans), and a hint on stderr says when none had one.',
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
    '--rule-override ID=SEVERITY sets the severity a rule reports at, ID=off turns it off (ID a rule id or a glob',
    'such as vigil.drift.file.*; repeat the option for more; an ID that names no rule of the packs is an error).',
    '--overrides FILE reads the same settings from a document (YAML, or JSON when FILE ends in .json):',
    '`schemaVersion: 1` and `overrides:`, a list of `{ rule: ID, severity: SEVERITY|off, reason?, by? }`.',
    'Settings apply in order and the last one naming a rule wins: --rule-override flags come after the file,',
    'so a flag wins over the file (even over a file entry that turns a glob of rules off).',
    'A critical behaviour (vigil.critical.*) lifts the drift findings of its event to its own severity: to lower',
    'such a finding, override the critical rule as well.',
    'A workload with no baseline of its own gets an info finding naming the nearest baselines (same program,',
    'alike name) and why; --use-baseline SUBJECT checks every such workload against that baseline.',
    '--otel SPANS merges OTel GenAI spans (OTLP/JSON, one export per line or a whole file) into the captures’',
    'stream in time order. --otlp URL also sends the findings as OTLP log records and the model and tool',
    'calls as GenAI spans to an OpenTelemetry collector (OTLP/HTTP, JSON; /v1/logs and /v1/traces under URL).',
    '--rag FILE gives the RAG pack its configuration (YAML or JSON, docs/rag.md): the ingest path allowed to',
    'write the retrieval corpus, labels of sensitive tables and collections, and the labels each agent needs.',
  ].join('\n'),
  options: {
    baseline: { type: 'string', short: 'b' },
    'fail-on': { type: 'string' },
    'allow-learning': { type: 'boolean' },
    'min-severity': { type: 'string' },
    'no-dns': { type: 'boolean' },
    rules: { type: 'string', multiple: true },
    exceptions: { type: 'string' },
    overrides: { type: 'string' },
    'rule-override': { type: 'string', multiple: true },
    'no-builtin-rules': { type: 'boolean' },
    'store-config': { type: 'string', multiple: true },
    'use-baseline': { type: 'string' },
    otel: { type: 'string', multiple: true },
    otlp: { type: 'string' },
    rag: { type: 'string' },
    ...STRICT_OPTION,
  },
  optionHelp: {
    baseline: 'a baseline file from vigil learn (JSON or msgpack) or a SQLite baseline store',
    'fail-on': `exit 1 when a finding is at or above this severity (${SEVERITY_CHOICES})`,
    'allow-learning': 'check against baselines still learning as if stable (no provisional cap)',
    'min-severity': `hide findings below this severity in text output (${SEVERITY_CHOICES})`,
    'no-dns': 'do not name peers by the DNS answers seen in the capture',
    rules: 'a rule pack to add: a module path or an installed package name',
    exceptions: 'a JSON exceptions document (allowlist entries per rule and workload)',
    overrides:
      'a rule-overrides document (YAML or JSON): rule id or glob → severity or off, with reason and by; flags win',
    'rule-override':
      'ID=SEVERITY or ID=off: another severity for a rule (or glob of rules), or turn it off; wins over --overrides',
    'no-builtin-rules': 'run only the packs given with --rules',
    'use-baseline': 'check workloads that have no baseline of their own against the baseline of this subject',
    otel: 'OTel GenAI spans (OTLP/JSON) to merge into the captures in time order',
    'store-config':
      'data-store configurations, manifests or Compose files (see gap --store-config): agents reaching a store without authentication are reported',
    otlp: 'an OTLP/HTTP collector URL: findings go to /v1/logs, model and tool calls to /v1/traces',
    rag: 'a RAG configuration (YAML or JSON): ingest path, sensitive collections, agents’ purposes',
    strict: STRICT_HELP,
  },
  formats: reportFormats('check'),
  async run(ctx) {
    const baselinePath = ctx.args.values['baseline'];
    const captures = ctx.args.positionals;
    if (captures.length === 0) throw new VigilError('USAGE', 'check needs at least one capture file');
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    const minSeverity = parseFailOn(ctx.args.values['min-severity'], '--min-severity') ?? 'info';
    const loaded =
      typeof baselinePath === 'string' ? await loadBaselines(baselinePath, ctx.signal) : new BaselineSet();
    const baselines = withUseBaseline(loaded, ctx.args.values['use-baseline']);
    const ragPath = ctx.args.values['rag'];
    const rag =
      typeof ragPath === 'string' ? await readRagConfig(ragPath, { signal: ctx.signal }) : undefined;
    const packs = [
      ...(ctx.args.values['no-builtin-rules'] === true ? [] : builtinPacks(rag ? { rag } : {})),
      ...(await loadRulePacks((ctx.args.values['rules'] as string[] | undefined) ?? [])),
    ];
    const exceptionsPath = ctx.args.values['exceptions'];
    const exceptions =
      typeof exceptionsPath === 'string' ? (await loadExceptions(exceptionsPath)).exceptions : [];
    const overridesPath = ctx.args.values['overrides'];
    const settings = parseRuleSettings(
      (ctx.args.values['rule-override'] as string[] | undefined) ?? [],
      packs,
      typeof overridesPath === 'string'
        ? {
            document: await loadRuleOverrides(overridesPath, ctx.signal ? { signal: ctx.signal } : {}),
            file: overridesPath,
          }
        : {},
    );
    const storeConfigs = (ctx.args.values['store-config'] as string[] | undefined) ?? [];
    const dataStores =
      storeConfigs.length > 0 ? await loadDataStores(storeConfigs, { signal: ctx.signal }) : undefined;
    const detectors = CHECK_DETECTORS.map((make) =>
      make({
        baselines,
        allowLearning: ctx.args.values['allow-learning'] === true,
        packs,
        exceptions,
        settings,
        ...(dataStores ? { declared: { dataStores } } : {}),
      }),
    );
    const otlpUrl = ctx.args.values['otlp'];
    const exporter =
      typeof otlpUrl === 'string'
        ? new OtlpHttpExporter({ url: otlpUrl, toolVersion: VERSION, signal: ctx.signal })
        : undefined;
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
    const result = await checkCaptures({
      captures,
      baselines,
      detectors,
      otel: (ctx.args.values['otel'] as string[] | undefined) ?? [],
      consumers: exporter ? [callCollector] : [],
      dns: ctx.args.values['no-dns'] !== true,
      strict: ctx.args.values['strict'] === true,
      signal: ctx.signal,
    });
    for (const line of describeCaptureIntegrity(result.integrity)) ctx.log(`warning: ${line}`);
    await ctx.emit(
      renderReport('check', ctx.format, result, {
        toolVersion: VERSION,
        minSeverity,
        ...(typeof baselinePath === 'string' ? { baseline: baselinePath } : {}),
        packs: packs.map((p) => ({ name: p.name, version: p.version, rules: p.rules.length })),
      }),
    );
    const hint = describePayloadHint(checkPayloadHintFacts(result, chainsStartingFromCalls(packs)));
    if (hint) ctx.log(hint);
    if (exporter) {
      const sent = await exporter.export({ findings: result.reported, events: calls });
      ctx.log(
        `exported ${countOf(sent.logRecords, 'finding')} as log records and ${countOf(sent.spans, 'model/tool call')} as spans to ${otlpUrl}${sent.rejected > 0 ? ` (${sent.rejected} rejected by the collector)` : ''}`,
      );
    }
    return exitCodeFor(result.reported, failOn);
  },
};
