import { open } from 'node:fs/promises';
import {
  type BaselineSet,
  type Consumer,
  DnsEnricher,
  DriftDetector,
  type Finding,
  ProcessTreeEnricher,
  ReplaySource,
  readBaselineFile,
  SEVERITIES,
  type Severity,
  SqliteBaselineStore,
  severityRank,
  Vigil,
  VigilError,
} from '@vigil/core';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn } from '../fail-on.js';

/**
 * Something that reads the checked stream and produces findings: the drift
 * detector today; the rules engine plugs in the same way.
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
  readonly baselines: BaselineSet;
  readonly allowLearning: boolean;
}

/** Builds one detector for a `check` run. */
export type CheckDetectorFactory = (ctx: CheckDetectorContext) => CheckDetector;

/** Drift against the loaded baselines. */
export const driftDetectorFactory: CheckDetectorFactory = ({ baselines, allowLearning }) => {
  const drift = new DriftDetector({ baselines: baselines.baselines(), allowLearning, report: 'finish' });
  return { name: 'drift', consumer: drift, findings: () => drift.findings() };
};

/** The detectors `vigil check` runs over the same stream, in order. */
export const CHECK_DETECTORS: CheckDetectorFactory[] = [driftDetectorFactory];

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** Loads baselines from a baseline file (JSON or msgpack) or a SQLite baseline store. */
export async function loadBaselines(path: string): Promise<BaselineSet> {
  let head = '';
  try {
    const fh = await open(path, 'r');
    try {
      const b = Buffer.alloc(16);
      const { bytesRead } = await fh.read(b, 0, 16, 0);
      head = b.subarray(0, bytesRead).toString('latin1');
    } finally {
      await fh.close();
    }
  } catch (cause) {
    throw new VigilError('IO', `cannot read baseline: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  if (head === SQLITE_MAGIC) {
    await using store = await SqliteBaselineStore.open(path, { readonly: true });
    return store.loadSet();
  }
  return readBaselineFile(path);
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
): string {
  const out: string[] = [];
  out.push(`${captures.join(', ')}: ${events} events checked against ${baselines.size} baseline(s)`);
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
  const counts = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  out.push('');
  out.push(
    findings.length === 0
      ? 'no drift: every observation is covered by its baseline'
      : `${findings.length} finding(s): ${counts.join(', ')}${shown.length < findings.length ? ` (${findings.length - shown.length} below ${minSeverity} not shown)` : ''}`,
  );
  out.push('');
  return out.join('\n');
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check captures against baselines and report drift findings',
  usage: '--baseline BASELINE CAPTURE… [--fail-on SEVERITY] [--format text|json]',
  description: [
    'Every observation a stable baseline does not cover becomes a drift finding, rated by what drifted',
    'and how far it is from known behaviour (a new file in a known folder is low, a new egress domain',
    'high, a new shell or a credential read critical). Repeats aggregate into one finding.',
    'BASELINE is a file written by `vigil learn` (JSON or msgpack) or a SQLite baseline store.',
    'Baselines still learning are skipped with an info finding unless --allow-learning is given.',
    '--min-severity hides findings below a severity in text output (json always has every finding).',
  ].join('\n'),
  options: {
    baseline: { type: 'string', short: 'b' },
    'fail-on': { type: 'string' },
    'allow-learning': { type: 'boolean' },
    'min-severity': { type: 'string' },
    'no-dns': { type: 'boolean' },
  },
  formats: ['text', 'json'],
  async run(ctx) {
    const baselinePath = ctx.args.values['baseline'];
    if (typeof baselinePath !== 'string') throw new VigilError('USAGE', 'check needs --baseline BASELINE');
    const captures = ctx.args.positionals;
    if (captures.length === 0) throw new VigilError('USAGE', 'check needs at least one capture file');
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    const minSeverity = parseFailOn(ctx.args.values['min-severity']) ?? 'info';
    const baselines = await loadBaselines(baselinePath);
    const detectors = CHECK_DETECTORS.map((make) =>
      make({ baselines, allowLearning: ctx.args.values['allow-learning'] === true }),
    );
    const source = new ReplaySource(captures, { signal: ctx.signal });
    const enrichers =
      ctx.args.values['no-dns'] === true
        ? [new ProcessTreeEnricher()]
        : [new DnsEnricher(), new ProcessTreeEnricher()];
    const vigil = new Vigil({ source, enrichers, consumers: detectors.map((d) => d.consumer) });
    const errors: VigilError[] = [];
    vigil.on('error', (e) => errors.push(e));
    const summary = await vigil.run({ signal: ctx.signal });
    if (errors.length > 0) throw errors[0]!;
    if (ctx.signal.aborted) throw new VigilError('ABORTED', 'interrupted; nothing written');
    const findings = detectors
      .flatMap((d) => d.findings())
      .sort(
        (a, b) =>
          severityRank(b.severity) - severityRank(a.severity) || a.ts - b.ts || (a.id < b.id ? -1 : 1),
      );
    if (ctx.format === 'json') {
      await ctx.emit(
        `${JSON.stringify(
          {
            captures,
            baseline: baselinePath,
            baselines: baselines.baselines().map((b) => ({
              subject: b.subject,
              versionKey: b.versionKey,
              version: b.version,
              status: b.status,
              entries: b.size(),
            })),
            events: summary.events,
            drops: summary.source.drops,
            findings,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      await ctx.emit(renderCheckText(captures, baselines, findings, summary.events, minSeverity));
    }
    return exitCodeFor(findings, failOn);
  },
};
