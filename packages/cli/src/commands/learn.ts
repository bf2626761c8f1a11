import {
  countOf,
  DEFAULT_STABILITY,
  describeCaptureIntegrity,
  describeCoverage,
  explainLearning,
  type GeneralisationConfig,
  learnBaselines,
  quarantineId,
  readBaselineFile,
  readGeneralisationFile,
  SqliteBaselineStore,
  type StabilityPolicy,
  VigilError,
} from '@vigil/core';
import { renderReport, reportFormats } from '@vigil/reporters';
import { builtinPacks, criticalBehaviours } from '@vigil/rules';
import { STRICT_HELP, STRICT_OPTION } from '../captures.js';
import type { Command } from '../command.js';
import { exitCodeFor, parseFailOn, SEVERITY_CHOICES } from '../fail-on.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Reads a duration such as `900`, `15m`, `1.5h` or `2d` into seconds.
 *
 * @example
 * ```ts
 * parseDurationSec('15m', '--min-duration'); // 900
 * ```
 */
export function parseDurationSec(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value.trim());
  if (!m) throw new VigilError('USAGE', `${flag} takes a duration like 900, 15m, 2h or 1d (got '${value}')`);
  return Number(m[1]) * (UNITS[m[2] || 's'] ?? 1);
}

function num(
  value: unknown,
  flag: string,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (opts.integer && !Number.isInteger(n)) ||
    (opts.min !== undefined && n < opts.min) ||
    (opts.max !== undefined && n > opts.max)
  ) {
    const range = `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}`;
    throw new VigilError('USAGE', `${flag} takes ${range} (got '${String(value)}')`);
  }
  return n;
}

/** The flags of the stability policy, shared by `learn` and `daemon` (read by {@link stabilityFromFlags}). */
export const STABILITY_OPTIONS = {
  'min-observations': { type: 'string' },
  'min-duration': { type: 'string' },
  'max-duration': { type: 'string' },
  'novelty-rate': { type: 'string' },
  window: { type: 'string' },
  'min-runs': { type: 'string' },
  'quiet-runs': { type: 'string' },
} as const;

const D = DEFAULT_STABILITY;
/** Help for the flags of {@link STABILITY_OPTIONS}, with the defaults of `DEFAULT_STABILITY`. */
export const STABILITY_HELP: Readonly<Record<keyof typeof STABILITY_OPTIONS, string>> = {
  'min-observations': `observations a baseline needs before it can be stable (default ${D.minObservations})`,
  'min-duration': `time of observation a baseline needs before it can be stable (e.g. 900, 15m; default ${D.minDurationSec / 60}m)`,
  'max-duration': `stable after this long regardless of novelty (default ${D.maxDurationSec / 3600}h)`,
  'novelty-rate': `the share of new behaviour, 0 to 1, at or below which learning is quiet (default ${D.maxNoveltyRate})`,
  window: `observations the novelty rate is measured over (default ${D.windowObservations})`,
  'min-runs': `runs after which a short-lived workload can be stable by quiet runs (default ${D.minRuns})`,
  'quiet-runs': `how many of the last runs must each be quiet for that (default ${D.quietRuns})`,
};

/** The stability policy the `learn` flags describe. */
export function stabilityFromFlags(values: Readonly<Record<string, unknown>>): StabilityPolicy {
  const p: { -readonly [K in keyof StabilityPolicy]: StabilityPolicy[K] } = { ...DEFAULT_STABILITY };
  const minObs = num(values['min-observations'], '--min-observations', { min: 0, integer: true });
  if (minObs !== undefined) p.minObservations = minObs;
  const minRuns = num(values['min-runs'], '--min-runs', { min: 1, integer: true });
  if (minRuns !== undefined) p.minRuns = minRuns;
  const quietRuns = num(values['quiet-runs'], '--quiet-runs', { min: 1, integer: true });
  if (quietRuns !== undefined) p.quietRuns = quietRuns;
  if (p.minRuns !== undefined && p.quietRuns !== undefined && p.quietRuns > p.minRuns)
    throw new VigilError('USAGE', `--quiet-runs (${p.quietRuns}) is more than --min-runs (${p.minRuns})`);
  const window = num(values['window'], '--window', { min: 1, max: 1_000_000, integer: true });
  if (window !== undefined) p.windowObservations = window;
  const rate = num(values['novelty-rate'], '--novelty-rate', { min: 0, max: 1 });
  if (rate !== undefined) p.maxNoveltyRate = rate;
  if (typeof values['min-duration'] === 'string')
    p.minDurationSec = parseDurationSec(values['min-duration'], '--min-duration');
  if (typeof values['max-duration'] === 'string')
    p.maxDurationSec = parseDurationSec(values['max-duration'], '--max-duration');
  if (p.maxDurationSec <= 0) throw new VigilError('USAGE', '--max-duration must be above zero');
  if (p.maxDurationSec < p.minDurationSec)
    throw new VigilError(
      'USAGE',
      `--max-duration (${p.maxDurationSec}s) is shorter than --min-duration (${p.minDurationSec}s)`,
    );
  return p;
}

/** Reads a generalisation configuration (JSON, bounded by `INPUT_LIMITS.generalisation`). */
export function readGeneralisation(path: string, signal?: AbortSignal): Promise<GeneralisationConfig> {
  return readGeneralisationFile(path, signal ? { signal } : {});
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export const learnCommand: Command = {
  name: 'learn',
  summary: 'Learn behavioural baselines per workload and image/model version from captures',
  usage: `--out BASELINE CAPTURE… [--format ${reportFormats('baselines').join('|')}] [--origin NAME] [--merge BASELINE] [--store DB] [--admit ID… --by WHO --reason WHY]`,
  description: [
    'Generalises what each workload did (processes and argument patterns, files, peers, DNS names,',
    'capabilities and notable syscalls, tools, models, Kubernetes and cloud calls), measures how fast',
    'new behaviour still appears and calls a baseline stable once that rate falls below --novelty-rate',
    'after --min-observations and --min-duration (15 min); or, for short runs, after --min-runs runs (4)',
    'of which the last --quiet-runs (3) each added at most --novelty-rate new behaviour; or after',
    '--max-duration regardless. A run is one cgroup of the workload: each `vigil record` run, container',
    'or pod replica. For each baseline still learning, the summary says what it lacks. Critical',
    'behaviour seen while learning (a shell started by an agent, a credential read, exec from /tmp or',
    'memory, …; the critical rules of the built-in drift pack) is quarantined for review and listed on',
    'stderr with its id; it stays drift until a reviewer admits it.',
    '--admit ID (repeatable) admits quarantined items of the result by id after review, recording who (--by)',
    'and why (--reason) in the baseline, as `vigil baseline admit` does; an unknown id is an error and nothing',
    'is written. A shell an agent starts is such an item: once admitted, what runs under it is learned per',
    'starting program (programs and arguments, files, peers), so a new program, credential read or peer under',
    'that shell is still drift.',
    '',
    'Each baseline records its coverage: the event families its captures carried and their payload modes',
    '(from the capture headers; merged across captures). Model and tool calls are judged only by a baseline',
    'learned from captures recorded with `vigil record --payloads`; against one learned without, check reports',
    'them in one info finding (vigil.drift.not-covered) instead of as new behaviour.',
    'A summary goes to stderr; the baseline (JSON or msgpack) to --out or stdout. When several captures',
    'each made a workload of one run, a warning says so: runs of one workload need one workload id',
    '(vigil record derives it from the command; --name sets it).',
    '--merge joins the result with an existing baseline file; --store also merges it into a SQLite store.',
    'With --store, the store and the output change together or not at all: every baseline is merged in',
    'one transaction that is committed only once the output is in place, and rolled back when writing',
    'the output fails or the command is interrupted. The store is integrity-checked when opened.',
    '--mark-stable marks every baseline stable at the end (after review).',
    '--generalisation FILE sets collapse thresholds per path prefix (JSON; see docs/baselines.md).',
    '--fail-on SEVERITY exits 1 when quarantined behaviour is at or above SEVERITY.',
  ].join('\n'),
  options: {
    origin: { type: 'string' },
    merge: { type: 'string' },
    generalisation: { type: 'string' },
    store: { type: 'string' },
    ...STABILITY_OPTIONS,
    'mark-stable': { type: 'boolean' },
    'no-dns': { type: 'boolean' },
    'fail-on': { type: 'string' },
    admit: { type: 'string', multiple: true },
    by: { type: 'string' },
    reason: { type: 'string' },
    ...STRICT_OPTION,
  },
  optionHelp: {
    strict: STRICT_HELP,
    origin: 'the name of this learner in the baselines’ per-origin counts (default: the host name)',
    merge: 'a baseline file (vigil learn) to merge the result with',
    generalisation: 'collapse thresholds per path prefix (JSON; docs/baselines.md)',
    store: 'a SQLite baseline store to merge the result into as well (created when missing)',
    ...STABILITY_HELP,
    'mark-stable': 'mark every baseline stable at the end (after review)',
    'no-dns': 'do not name peers by the DNS answers seen in the captures',
    'fail-on': `exit 1 when quarantined behaviour is at or above this severity (${SEVERITY_CHOICES})`,
    admit: 'admit the quarantined item with this id after review (needs --by and --reason)',
    by: 'who reviewed and admits the items (recorded in the baseline)',
    reason: 'why they are admitted (recorded in the baseline)',
  },
  formats: reportFormats('baselines'),
  async run(ctx) {
    const paths = ctx.args.positionals;
    if (paths.length === 0) throw new VigilError('USAGE', 'learn needs at least one capture file');
    const failOn = parseFailOn(ctx.args.values['fail-on']);
    const admit = (ctx.args.values['admit'] as string[] | undefined) ?? [];
    const by = ctx.args.values['by'];
    const reason = ctx.args.values['reason'];
    if (admit.length === 0 && (by !== undefined || reason !== undefined))
      throw new VigilError('USAGE', '--by and --reason go with --admit ID (the quarantined items to admit)');
    const stability = stabilityFromFlags(ctx.args.values);
    const origin = typeof ctx.args.values['origin'] === 'string' ? ctx.args.values['origin'] : undefined;
    const mergePath = ctx.args.values['merge'];
    const resume =
      typeof mergePath === 'string' ? await readBaselineFile(mergePath, { signal: ctx.signal }) : undefined;
    const genPath = ctx.args.values['generalisation'];
    const generalisation =
      typeof genPath === 'string' ? await readGeneralisation(genPath, ctx.signal) : undefined;
    const storePath = ctx.args.values['store'];
    // Opened (and integrity-checked) before the work, so a bad store fails fast.
    await using store = typeof storePath === 'string' ? await SqliteBaselineStore.open(storePath) : undefined;
    const learned = await learnBaselines({
      captures: paths,
      critical: criticalBehaviours(builtinPacks()),
      stability,
      ...(origin !== undefined ? { origin } : {}),
      ...(generalisation ? { generalisation } : {}),
      ...(resume ? { merge: resume } : {}),
      ...(admit.length > 0
        ? {
            admit: {
              ids: admit,
              by: typeof by === 'string' ? by : '',
              reason: typeof reason === 'string' ? reason : '',
            },
          }
        : {}),
      markStable: ctx.args.values['mark-stable'] === true,
      dns: ctx.args.values['no-dns'] !== true,
      strict: ctx.args.values['strict'] === true,
      signal: ctx.signal,
      onNotice(n) {
        if (n.type === 'stable')
          ctx.log(
            `stable: ${n.baseline.subject} @ ${n.baseline.versionKey} at ${new Date(n.ts / 1e6).toISOString()}`,
          );
        else if (n.type === 'reopened')
          ctx.log(
            `learning again: ${n.baseline.subject} @ ${n.baseline.versionKey}: run ${n.reopened.run} added ${countOf(n.reopened.entries, 'new entry', 'new entries')} after it looked stable (${n.reopened.after})`,
          );
        else if (n.type === 'full')
          ctx.log(
            `full: ${n.baseline.subject} @ ${n.baseline.versionKey} holds the most ${n.domain} entries allowed; more are not admitted`,
          );
      },
    });
    const { set, integrity } = learned;
    for (const line of describeCaptureIntegrity(integrity)) ctx.log(`warning: ${line}`);
    for (const r of learned.admitted) ctx.log(`admitted ${r.item} (${r.behaviour}) by ${r.by}: ${r.reason}`);
    ctx.log(
      `learned from ${countOf(learned.events, 'event')} in ${countOf(paths.length, 'capture')}${integrity.complete ? '' : ` (INCOMPLETE: ${countOf(integrity.incomplete.length + integrity.interrupted.length, 'capture')} cut short)`}: ${countOf(set.size, 'baseline')}`,
    );
    for (const b of set.baselines()) {
      const states = Object.entries(b.learning());
      const mine = states.find(([o]) => o === learned.origin)?.[1] ?? states[0]?.[1];
      // Why it is stable: this learner's reason, or that of the origin that made it so (--mark-stable).
      const reason =
        b.status === 'stable'
          ? (mine?.stableReason ?? states.find(([, s]) => s.status === 'stable')?.[1].stableReason)
          : undefined;
      const why = reason !== undefined ? ` (${reason})` : '';
      ctx.log(
        `  ${b.subject} @ ${b.versionKey}: ${b.status}${why}, ${countOf(b.size(), 'entry')}, version ${b.version}` +
          (mine ? `, ${mine.observations} observations, novelty ${pct(mine.noveltyRate)}` : ''),
      );
      ctx.log(`    coverage: ${describeCoverage(b.coverage())}`);
      if (b.status !== 'stable')
        ctx.log(`    ${explainLearning(b, learned.origin, learned.captureOfRun).text}`);
      for (const q of b.quarantined())
        ctx.log(`    quarantined ${quarantineId(q)} [${q.severity}] ${q.title}: ${q.reason}`);
    }
    if (learned.held.length > 0) {
      const file = ctx.out !== undefined && ctx.out !== '-' ? ctx.out : 'BASELINE';
      ctx.log(
        `${countOf(learned.held.length, 'item')} quarantined: each stays drift until a reviewer admits it. After review: vigil baseline admit ${file} ID… --by WHO --reason WHY (vigil baseline review ${file} lists them; learn --admit does the same while learning)`,
      );
    }
    const lone = learned.oneRun;
    if (lone.length > 1) {
      const names = lone.map((b) => b.subject);
      ctx.log(
        `warning: ${paths.length} captures made ${lone.length} workloads of one run each (${names.slice(0, 4).join(', ')}${names.length > 4 ? `, … ${names.length - 4} more` : ''}), so each has a baseline of its own that one run cannot make stable. If they are runs of one workload, record them under one workload name: vigil record derives one from the command, and --name NAME sets it when the commands differ.`,
      );
    }
    const output = renderReport('baselines', ctx.format, set);
    if (store !== undefined) {
      // The output is put in place inside the store's transaction: a failed write, or an
      // interrupt before the commit, leaves the store as it was.
      await store.mergeAll(set.baselines(), {
        beforeCommit: async () => {
          if (ctx.signal.aborted)
            throw new VigilError('ABORTED', 'interrupted; nothing written, the baseline store is unchanged');
          await ctx.emit(output);
        },
      });
    } else {
      await ctx.emit(output);
    }
    // What is still held for review counts (admitted items no longer do).
    return exitCodeFor(learned.held, failOn);
  },
};
