import { createHash } from 'node:crypto';
import { generaliseArg } from '../vocabulary/generalise.js';

/** What {@link commandWorkloadName} derived a name from, so a caller can explain it. */
export interface CommandWorkloadName {
  /** The name: `PROGRAM-HASH`, 1–64 characters of `[A-Za-z0-9_.-]`. */
  readonly name: string;
  /** The program's basename as it appears in the name. */
  readonly program: string;
  /** The normalised command line the hash covers (argv[0] as its basename). */
  readonly normalised: readonly string[];
}

const DIGITS = /\d+/g;
const PLACEHOLDER_DIGITS = /<num>/g;

/**
 * One argument with its run-specific parts replaced: the baseline
 * generaliser's placeholders (temp paths, UUIDs, hashes, ports in URLs,
 * numbers) and, beyond it, every remaining digit run, because an argument's
 * digits (a seed, a port, `spans-3.jsonl`, `--run=7`) name the run far more
 * often than the workload. Free text is normalised word by word rather than
 * collapsed, so `bash -c 'python agent.py'` and `bash -c 'curl …'` stay apart.
 */
function normaliseArg(arg: string): string {
  if (/\s/.test(arg)) {
    return arg
      .trim()
      .split(/\s+/)
      .map((w) => normaliseArg(w))
      .join(' ');
  }
  const g = arg.length > 64 ? arg : generaliseArg(arg);
  return g.replace(PLACEHOLDER_DIGITS, '#').replace(DIGITS, '#');
}

function programOf(argv0: string): string {
  const base = argv0.slice(argv0.lastIndexOf('/') + 1);
  const safe = base.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[.]+/, '');
  return (safe.length > 0 ? safe : 'cmd').slice(0, 40);
}

/**
 * The default workload name of a command line, so that every run of "the same
 * workload" shares one workload id and hence one baseline: the program's
 * basename plus the first 8 hex digits of a SHA-256 over the normalised
 * command line. Normalisation keeps what names the workload (the program, the
 * script, subcommands, flags, fixed paths) and drops what names the run: the
 * directory the program was found in, temp folders and files under them,
 * UUIDs, long hex identifiers, and every digit run in an argument (seeds,
 * ports, counters, numbered output files). Two command lines that differ only
 * there get one name; a different program, script, subcommand or flag gets
 * another.
 *
 * @example
 * ```ts
 * import { commandWorkloadName } from '@vigil/core';
 *
 * commandWorkloadName(['node', 'agent.js', '--seed', '7', '--out', '/tmp/tmpa1b2c3/spans.jsonl']).name;
 * // 'node-…' — the same for --seed 8 and another temp folder
 * ```
 */
export function commandWorkloadName(argv: readonly string[]): CommandWorkloadName {
  const [argv0, ...args] = argv;
  if (argv0 === undefined || argv0.length === 0)
    throw new TypeError('commandWorkloadName needs a command line with a program');
  const program = programOf(argv0);
  const normalised = [program, ...args.map(normaliseArg)];
  const hash = createHash('sha256').update(JSON.stringify(normalised)).digest('hex').slice(0, 8);
  return { name: `${program}-${hash}`, program, normalised };
}
