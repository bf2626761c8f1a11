import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { CaptureWriter, commandWorkloadName, type UndecodedPayloads, VigilError } from '@vigil/core';
import {
  DEFAULT_PAYLOAD_BYTES,
  Sensor,
  type SensorOptions,
  WorkloadCgroup,
  type WorkloadProcess,
} from '@vigil/ebpf-native';
import { VERSION } from './version.js';

/**
 * How long a command has to exit after it was asked to stop before it is killed, by default
 * (milliseconds).
 *
 * @example
 * ```ts
 * import { DEFAULT_KILL_AFTER_MS, recordRun } from '@vigil/cli';
 *
 * await recordRun(['my-agent'], { out: 'run.vcap', killAfterMs: DEFAULT_KILL_AFTER_MS * 3 });
 * ```
 */
export const DEFAULT_KILL_AFTER_MS = 10_000;

/**
 * Options for {@link recordRun}.
 *
 * @example
 * ```ts
 * const options: RecordRunOptions = { out: 'run.vcap', name: 'agent', waitDescendants: true };
 * ```
 */
export interface RecordRunOptions {
  /**
   * The capture file to write. It is written in place as the recording goes (flushed every
   * `flushIntervalMs`), so a recorder that is killed leaves every event up to its last flush,
   * in a file without a trailer that readers report as incomplete.
   */
  readonly out: string;
  /** Sensor options besides the cgroup, e.g. `dedup`, `ringBufferBytes`, `dnsPorts`. */
  readonly sensor?: Omit<SensorOptions, 'cgroups'>;
  /** How the command is spawned (stdio, cwd, env). Default: inherit stdio. */
  readonly spawn?: SpawnOptions;
  /**
   * Ends the recording gracefully: the command gets SIGINT when the abort reason is
   * `'SIGINT'`, SIGTERM otherwise; whatever of the workload is still running
   * `killAfterMs` later is killed (SIGKILL). The capture is complete. A reason that is a
   * signal name (`'SIGHUP'`) is recorded as the trailer's `stopSignal`.
   */
  readonly signal?: AbortSignal;
  /**
   * Cuts the recording short: the workload is killed at once and what was captured is
   * written with `interrupted: true` in the trailer.
   */
  readonly interrupt?: AbortSignal;
  /** Milliseconds between asking the command to stop and killing it. Default {@link DEFAULT_KILL_AFTER_MS}. */
  readonly killAfterMs?: number;
  /**
   * When the command exits while processes it started still run (a daemon it forked):
   * wait for them too (true), or kill them and list them in the trailer's
   * `killedDescendants` (false, the default).
   */
  readonly waitDescendants?: boolean;
  /** How often the capture is flushed to disk, in milliseconds. Default 250. */
  readonly flushIntervalMs?: number;
  /** Extra header metadata. */
  readonly meta?: Readonly<Record<string, string>>;
  /**
   * The workload name (runs go in cgroups under `vigil-NAME`), so that runs of the same workload share
   * a workload id and hence a baseline. Default: derived from the command by
   * {@link commandWorkloadName} (program basename and a hash of the normalised
   * command line), so repeated runs of one command share it.
   */
  readonly name?: string;
  /** Called with a line for each thing the user should know (a reclaimed cgroup, a kill). */
  readonly onNotice?: (line: string) => void;
}

/**
 * What {@link recordRun} reports.
 *
 * @example
 * ```ts
 * const r: RecordRunResult = await recordRun(['my-agent'], { out: 'run.vcap' });
 * if (r.killedDescendants.length > 0) console.warn('left running:', r.killedDescendants);
 * ```
 */
export interface RecordRunResult {
  readonly out: string;
  readonly events: number;
  readonly drops: Readonly<Record<string, number>>;
  /** Streams the payload decoder could not read, and what they began with (`--payloads`; `undefined` when none). */
  readonly undecodedPayloads: UndecodedPayloads | undefined;
  /** The command's exit code, or 128 + N when it died of signal N. */
  readonly exitCode: number;
  readonly cgroupPath: string;
  /** The workload name used (`--name`, or the one derived from the command); the id is `cgroup:/vigil-NAME`. */
  readonly name: string;
  /** Whether {@link name} was derived from the command rather than given. */
  readonly derivedName: boolean;
  /** True when `interrupt` cut the recording short. */
  readonly interrupted: boolean;
  /** The signal name that stopped the recording, when one did. */
  readonly stopSignal: string | undefined;
  /** Processes left running when the command exited, which were killed. */
  readonly killedDescendants: readonly WorkloadProcess[];
}

const signalName = (reason: unknown): string | undefined =>
  typeof reason === 'string' && /^SIG[A-Z0-9]+$/.test(reason) ? reason : undefined;

/**
 * Runs `command` in a fresh cgroup, captures everything it and its children
 * do until it exits, writes the capture (drop counts in the trailer) and
 * removes the cgroup. Needs the privileges live capture needs. A watchdog
 * process kills and removes the cgroup if the recorder itself dies.
 *
 * @example
 * ```ts
 * import { recordRun } from '@vigil/cli';
 *
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort('SIGTERM'));
 * const r = await recordRun(['bash', '-c', 'cat /etc/hostname'], { out: 'run.vcap', signal: stop.signal });
 * console.log(r.events, r.exitCode);
 * ```
 */
export async function recordRun(
  command: readonly string[],
  options: RecordRunOptions,
): Promise<RecordRunResult> {
  const [cmd, ...args] = command;
  if (cmd === undefined) throw new TypeError('recordRun needs a command');
  if (options.name !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(options.name)) {
    throw new VigilError(
      'USAGE',
      `a workload name is 1-64 letters, digits, '.', '_' or '-' (got '${options.name}')`,
    );
  }
  const killAfterMs = options.killAfterMs ?? DEFAULT_KILL_AFTER_MS;
  if (!Number.isFinite(killAfterMs) || killAfterMs < 0)
    throw new VigilError('USAGE', `the kill-after grace period must be 0 or more (got ${killAfterMs})`);
  const notice = options.onNotice ?? (() => undefined);
  const derivedName = options.name === undefined;
  const name = options.name ?? commandWorkloadName(command).name;
  const cg = createRunCgroup(name);
  if (cg.reclaimed)
    notice(`removed the empty cgroup ${cg.dir} left by an earlier recorder that did not finish`);
  let sensor: Sensor | undefined;
  let writer: CaptureWriter | undefined;
  let started = false;
  const cleanups: (() => void)[] = [];
  const payloads = options.sensor?.payloads ?? 'off';
  try {
    // The program about to run gets its TLS uprobes before it starts (a client may
    // send its first request before its exec could be seen and handled).
    const program = payloads !== 'off' ? resolveProgram(cmd, options.spawn?.env ?? process.env) : undefined;
    sensor = await Sensor.open({
      dnsPorts: [53],
      // Cgroups the command creates below its own (containers, systemd-run) are part of it.
      descendants: true,
      ...options.sensor,
      ...(program !== undefined ? { tlsBinaries: [...(options.sensor?.tlsBinaries ?? []), program] } : {}),
      cgroups: [cg.dir],
    });
    if (options.signal?.aborted || options.interrupt?.aborted)
      throw new VigilError('ABORTED', 'interrupted before the command started; nothing recorded');
    writer = CaptureWriter.create(options.out, {
      header: {
        source: 'ebpf',
        createdBy: `vigil ${VERSION}`,
        command: [...command],
        meta: { cgroup: cg.path, cgroupId: cg.id, ...options.meta },
        ...(payloads !== 'off'
          ? { payloads: { mode: payloads, maxBytes: options.sensor?.payloadBytes ?? DEFAULT_PAYLOAD_BYTES } }
          : {}),
      },
      ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
    });
    const w = writer;
    const s = sensor;
    const drain = (async () => {
      for await (const batch of s) w.writeAll(batch);
    })();
    drain.catch(() => undefined); // awaited below, where a write error is rethrown
    const child = cg.spawn(cmd, args, { stdio: 'inherit', ...options.spawn });
    started = true;
    const childExit = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, signal) => resolve([c, signal]));
    });

    let stopSignal: string | undefined;
    let interrupted = false;
    let commandDone = false;
    let escalation: NodeJS.Timeout | undefined;
    // Wakes the descendants wait below.
    let wake: () => void = () => undefined;
    const onStop = () => {
      const reason = options.signal?.reason;
      stopSignal ??= signalName(reason);
      const forward: NodeJS.Signals = reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
      if (commandDone) cg.kill(forward);
      else signalChild(child, forward);
      escalation ??= setTimeout(() => {
        if (!cg.populated()) return;
        notice(`${cmd} did not exit within ${killAfterMs / 1000}s of ${forward}; killing the workload`);
        cg.kill('SIGKILL');
      }, killAfterMs);
      wake();
    };
    const onInterrupt = () => {
      interrupted = true;
      stopSignal ??= signalName(options.interrupt?.reason);
      cg.kill('SIGKILL');
      wake();
    };
    listen(options.signal, onStop, cleanups);
    listen(options.interrupt, onInterrupt, cleanups);
    cleanups.push(() => clearTimeout(escalation));

    const [code, sig] = await childExit;
    commandDone = true;
    const exitCode = code ?? 128 + (sig ? constants.signals[sig] : 0);

    let killedDescendants: WorkloadProcess[] = [];
    if (options.waitDescendants === true) {
      while (!interrupted && cg.populated()) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, 50);
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    } else if (!interrupted) {
      killedDescendants = cg.processes();
      if (killedDescendants.length > 0) {
        cg.kill('SIGKILL');
        notice(
          `${cmd} exited while ${killedDescendants.length} process(es) it started still ran; killed them (listed in the capture's trailer): ${killedDescendants
            .slice(0, 10)
            .map((p) => `${p.comm}[${p.pid}]`)
            .join(', ')}${killedDescendants.length > 10 ? ', …' : ''}`,
        );
      }
    }
    await s.flush();
    await s.close();
    await drain;
    await cg.remove();
    const { drops, undecodedPayloads } = s.stats();
    const undecoded = undecodedPayloads && undecodedPayloads.total > 0 ? undecodedPayloads : undefined;
    w.close({
      exitCode,
      drops,
      ...(undecoded ? { undecodedPayloads: undecoded } : {}),
      ...(interrupted ? { interrupted: true } : {}),
      ...(stopSignal !== undefined ? { stopSignal } : {}),
      ...(killedDescendants.length > 0 ? { killedDescendants } : {}),
    });
    return {
      out: options.out,
      events: w.eventCount,
      drops,
      undecodedPayloads: undecoded,
      exitCode,
      cgroupPath: cg.path,
      name,
      derivedName,
      interrupted,
      stopSignal,
      killedDescendants,
    };
  } catch (e) {
    // Once the command ran, what was captured stays (without a trailer, so it reads as
    // incomplete); before that, there is nothing worth keeping.
    try {
      writer?.abandon();
    } catch {
      // the original error matters more
    }
    if (!started && writer !== undefined) rmSync(options.out, { force: true });
    throw e;
  } finally {
    for (const c of cleanups) c();
    await sensor?.close();
    await cg.remove().catch(() => undefined);
  }
}

/**
 * Each run gets its own cgroup `vigil-NAME/run-PID-RANDOM` under the
 * workload's `vigil-NAME`; {@link workloadFromCgroupPath} gives every run in
 * it the workload id `cgroup:/vigil-NAME`, so runs of one workload share a
 * baseline and may overlap. `vigil enforce` runs its workloads the same way.
 *
 * @example
 * ```ts
 * const cg = createRunCgroup('agent'); // /sys/fs/cgroup/…/vigil-agent/run-4242-k3j2x9q1
 * ```
 */
export function createRunCgroup(name: string): WorkloadCgroup {
  return WorkloadCgroup.create({
    parent: `vigil-${name}`,
    name: `run-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
  });
}

/** The file `cmd` runs, looked up on PATH like a shell would; undefined when not found. */
function resolveProgram(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = cmd.includes('/')
    ? [cmd]
    : (env['PATH'] ?? '').split(delimiter).map((d) => join(d || '.', cmd));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return isAbsolute(c) ? c : join(process.cwd(), c);
    } catch {
      // next
    }
  }
  return undefined;
}

function listen(signal: AbortSignal | undefined, fn: () => void, cleanups: (() => void)[]): void {
  if (signal === undefined) return;
  if (signal.aborted) {
    fn();
    return;
  }
  signal.addEventListener('abort', fn, { once: true });
  cleanups.push(() => signal.removeEventListener('abort', fn));
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}
