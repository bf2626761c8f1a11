/**
 * The inputs of the check benchmark, made from real recordings:
 *
 * - six runs of the lab's `openai-agents` agent (`examples/lab`: the OpenAI Agents SDK with three MCP
 *   servers, a shell tool and, when PostgreSQL starts, a search tool over it; seeds 1–6, each a
 *   different benign task) under `vigil record`,
 * - six runs of a busy mixed workload (`busy-workload.py`: file reads, accepted and refused
 *   connects, temp-file writes, short subprocesses), the last one with a compromised tail,
 * - a core baseline learned with `vigil learn` from four runs of each (both stable),
 * - the checked capture: the other runs (two lab runs, one benign busy run, the compromised one)
 *   repeated until it holds the requested number of events, each copy re-timed to follow the
 *   previous one, its pids moved to a range of their own and its cgroup made a run of its own.
 *
 * Recording needs root (live capture); everything is kept in DIR and reused by later runs.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../../examples/lab/src/lab.js';
import { recordRun } from '../../examples/lab/src/vigil.js';
import type * as Core from '../../packages/core/src/index.js';
import type { VigilEvent, WorkloadRef } from '../../packages/core/src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `vigil` command as users run it: the built CLI. */
export const VIGIL_BIN = join(ROOT, 'packages/cli/bin/vigil.js');
/** The built packages (imported by path: the benchmark measures what users run). */
export const CORE_DIST = join(ROOT, 'packages/core/dist/index.js');
export const RULES_DIST = join(ROOT, 'packages/rules/dist/index.js');
/** The lab's agent whose runs are recorded (its runs are named after it, so a change of agent re-records). */
const LAB_AGENT = 'openai-agents';
const BUSY = fileURLToPath(new URL('./busy-workload.py', import.meta.url));

/**
 * The runs each input is made of. The lab's are seeds, learned in this order: seed 2's task is the
 * one that uses the shell tool, so the three after it add nothing new and the lab's baseline is
 * stable (quiet runs), as the busy workload's is.
 */
const LEARN_LAB = [2, 1, 3, 4];
const LEARN_BUSY = [1, 2, 3, 4];
const CHECK_LAB = [5, 6];
const CHECK_BUSY = [5];
/** Each copy of the checked runs gets pids from a range of its own (below the kernel's pid_max of 4,194,304). */
const PID_STRIDE = 400_000;

export interface CheckInputs {
  readonly baseline: string;
  readonly capture: string;
  readonly events: number;
  /** Events in one copy of the checked runs, and what they are. */
  readonly perCopy: number;
  readonly parts: readonly string[];
}

/** Exits with a message when the packages are not built (the benchmark runs the build, as users do). */
/** `taskset -c 0` where the machine has it: the check benchmarks run on one CPU. */
export const TASKSET = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];

/**
 * Re-runs this script pinned to CPU 0 and without the `@vigil/source` condition `bench/run.ts`
 * passes (each build's rules package must resolve `@vigil/core` to that build's own built package),
 * unless it already is; exits with the re-run's status.
 */
export function rerunPinned(): void {
  const source = (a: string) => a.includes('@vigil/source');
  if (process.env['VIGIL_BENCH_PINNED'] === '1') return;
  if (TASKSET.length === 0 && !process.execArgv.some(source)) return;
  const cmd = [
    ...TASKSET,
    process.execPath,
    ...process.execArgv.filter((a) => !source(a)),
    ...process.argv.slice(1),
  ];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, VIGIL_BENCH_PINNED: '1' },
  });
  process.exit(r.status ?? 1);
}

export function builtOrExit(): void {
  for (const pkg of ['core', 'rules', 'cli']) {
    const p = join(ROOT, `packages/${pkg}/dist/index.js`);
    if (!existsSync(p)) {
      console.error(`${p} is missing: run \`bash scripts/setup.sh\` (or \`pnpm build\`) first`);
      process.exit(2);
    }
  }
}

function run(cmd: string, args: readonly string[], cwd = ROOT): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
}

function record(out: string, name: string, cmd: readonly string[], cwd: string): void {
  if (existsSync(out)) return;
  const tmp = `${out}.part`;
  run(process.execPath, [VIGIL_BIN, 'record', '--name', name, '--out', tmp, '--', ...cmd], cwd);
  renameSync(tmp, out);
}

/**
 * Records what is missing, learns the baseline and writes a checked capture of `events` events.
 * Returns undefined (with the reason printed) when live capture is not available.
 */
export async function prepareCheckInputs(
  dir: string,
  events: number,
  busySteps: number,
): Promise<CheckInputs | undefined> {
  mkdirSync(dir, { recursive: true });
  const lab = (i: number) => join(dir, `lab-${LAB_AGENT}-${i}.vcap`);
  const busy = (i: number) => join(dir, `busy-${busySteps}-${i}.vcap`);
  const drift = join(dir, `busy-${busySteps}-drift.vcap`);
  const needed = [
    ...[...LEARN_LAB, ...CHECK_LAB].map(lab),
    ...[...LEARN_BUSY, ...CHECK_BUSY].map(busy),
    drift,
  ];
  if (needed.some((p) => !existsSync(p)) && process.getuid?.() !== 0) {
    console.log(
      `check benchmark skipped: recording its inputs needs root (live capture); none found in ${dir}`,
    );
    return undefined;
  }
  await recordLab(
    [...LEARN_LAB, ...CHECK_LAB].filter((i) => !existsSync(lab(i))),
    lab,
  );
  for (const i of [...LEARN_BUSY, ...CHECK_BUSY])
    record(busy(i), 'busy', ['/usr/bin/python3', BUSY, String(i), String(busySteps)], dir);
  record(drift, 'busy', ['/usr/bin/python3', BUSY, '100', String(busySteps), '--drift'], dir);

  const baseline = join(dir, `baseline-${LAB_AGENT}-${busySteps}.json`);
  if (!existsSync(baseline))
    run(process.execPath, [
      VIGIL_BIN,
      'learn',
      '--out',
      baseline,
      ...LEARN_LAB.map(lab),
      ...LEARN_BUSY.map(busy),
    ]);

  const parts = [...CHECK_LAB.map(lab), ...CHECK_BUSY.map(busy), drift];
  const capture = join(dir, `check-${LAB_AGENT}-${busySteps}-${events}.vcap`);
  const core: typeof Core = await import(CORE_DIST);
  const runs = await Promise.all(parts.map(async (p) => (await core.readCapture(p)).events));
  const perCopy = runs.reduce((n, r) => n + r.length, 0);
  if (!existsSync(capture) || statSync(capture).size === 0) writeMix(core, capture, runs, events);
  return { baseline, capture, events, perCopy, parts };
}

/**
 * Records the lab runs of `seeds` (the lab's services run in this process while they do, so the
 * recordings are spawned asynchronously).
 */
async function recordLab(seeds: readonly number[], out: (seed: number) => string): Promise<void> {
  if (seeds.length === 0) return;
  const lab = await Lab.start();
  try {
    for (const seed of seeds) {
      const tmp = `${out(seed)}.part`;
      await recordRun(lab.prepare(LAB_AGENT, seed), tmp);
      renameSync(tmp, out(seed));
    }
  } finally {
    await lab.close();
  }
}

/** Writes `total` events: copies of the runs, each run starting with its copy, interleaved by time. */
function writeMix(core: typeof Core, path: string, runs: readonly VigilEvent[][], total: number): void {
  const spans = runs.map((r) => (r.length === 0 ? 0 : r[r.length - 1]!.ts - r[0]!.ts));
  const gap = Math.max(...spans) + 1e9;
  const start = Math.min(...runs.map((r) => r[0]?.ts ?? Number.POSITIVE_INFINITY));
  const tmp = `${path}.part`;
  const writer = core.CaptureWriter.create(tmp, { header: { source: 'ebpf' }, flushIntervalMs: 0 });
  let written = 0;
  for (let copy = 0; written < total; copy++) {
    const pidShift = (copy % 10) * PID_STRIDE;
    const workloads = new Map<WorkloadRef, WorkloadRef>();
    const moved = (w: WorkloadRef): WorkloadRef => {
      let m = workloads.get(w);
      if (m === undefined) {
        m =
          copy === 0 || w.cgroupPath === undefined ? w : { ...w, cgroupPath: `${w.cgroupPath}-copy${copy}` };
        workloads.set(w, m);
      }
      return m;
    };
    const batch: VigilEvent[] = [];
    for (const r of runs) {
      const first = r[0]?.ts ?? 0;
      for (const e of r) {
        const m = { ...e, ts: start + copy * gap + (e.ts - first), workload: moved(e.workload) } as Record<
          string,
          unknown
        >;
        for (const k of ['pid', 'ppid', 'childPid', 'targetPid'])
          if (typeof m[k] === 'number' && (m[k] as number) > 1) m[k] = (m[k] as number) + pidShift;
        batch.push(m as unknown as VigilEvent);
      }
    }
    batch.sort((a, b) => a.ts - b.ts);
    for (const e of batch) {
      if (written === total) break;
      writer.write(e);
      written++;
    }
  }
  writer.close({ exitCode: 0 });
  renameSync(tmp, path);
}

/**
 * The checked capture as `core`'s writer writes it: `capture` itself when that build writes the
 * capture's format version, else a copy rewritten event for event — read by this checkout's reader
 * (which reads every version) and written by that build's writer — kept next to it as
 * `NAME.vN.vcap`. Each build of an A/B then reads a file in the format it writes: a build that
 * writes the string table reads its own table, and a build from before it a file it can read.
 */
export async function captureFor(core: typeof Core, capture: string): Promise<string> {
  const pre = Buffer.alloc(6);
  const fd = openSync(capture, 'r');
  try {
    readSync(fd, pre, 0, 6, 0);
  } finally {
    closeSync(fd);
  }
  const version = pre.readUInt16LE(4);
  const own = core.CAPTURE_FORMAT_VERSION;
  if (version === own) return capture;
  const out = capture.replace(/\.vcap$/, `.v${own}.vcap`);
  if (existsSync(out) && statSync(out).size > 0) return out;
  const here: typeof Core = await import(CORE_DIST);
  const reader = await here.CaptureReader.open(capture, { onTruncatedTail: 'stop' });
  const { layouts: _layouts, formatVersion: _version, ...header } = reader.header;
  const tmp = `${out}.part`;
  const writer = core.CaptureWriter.create(tmp, { header, flushIntervalMs: 0 });
  for await (const batch of reader.batches()) writer.writeAll(batch);
  const { events: _events, ...trailer } = reader.trailer ?? { events: 0 };
  writer.close(trailer);
  renameSync(tmp, out);
  return out;
}
