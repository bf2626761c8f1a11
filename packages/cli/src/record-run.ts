import type { SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import { CaptureWriter, commandWorkloadName, OutputFile, VigilError } from '@vigil/core';
import { Sensor, type SensorOptions, WorkloadCgroup } from '@vigil/ebpf-native';
import { VERSION } from './version.js';

/** Options for {@link recordRun}. */
export interface RecordRunOptions {
  /**
   * The capture file to write: a regular file is replaced atomically when the
   * capture is complete; a device, FIFO or socket gets the bytes then; `-` is stdout.
   */
  readonly out: string;
  /** Sensor options besides the cgroup, e.g. `dedup`, `ringBufferBytes`, `dnsPorts`. */
  readonly sensor?: Omit<SensorOptions, 'cgroups'>;
  /** How the command is spawned (stdio, cwd, env). Default: inherit stdio. */
  readonly spawn?: SpawnOptions;
  /** Kills the command (SIGTERM) when aborted; the capture is still written. */
  readonly signal?: AbortSignal;
  /** Extra header metadata. */
  readonly meta?: Readonly<Record<string, string>>;
  /**
   * The workload name (runs go in cgroups under `vigil-NAME`), so that runs of the same workload share
   * a workload id and hence a baseline. Default: derived from the command by
   * {@link commandWorkloadName} (program basename and a hash of the normalised
   * command line), so repeated runs of one command share it.
   */
  readonly name?: string;
}

/** What {@link recordRun} reports. */
export interface RecordRunResult {
  readonly out: string;
  readonly events: number;
  readonly drops: Readonly<Record<string, number>>;
  /** The command's exit code, or 128 + N when it died of signal N. */
  readonly exitCode: number;
  readonly cgroupPath: string;
  /** The workload name used (`--name`, or the one derived from the command); the id is `cgroup:/vigil-NAME`. */
  readonly name: string;
  /** Whether {@link name} was derived from the command rather than given. */
  readonly derivedName: boolean;
}

/**
 * Runs `command` in a fresh cgroup, captures everything it and its children
 * do until it exits, writes the capture (drop counts in the trailer) and
 * removes the cgroup. Needs the privileges live capture needs.
 *
 * @example
 * ```ts
 * import { recordRun } from '@vigil/cli';
 *
 * const r = await recordRun(['bash', '-c', 'cat /etc/hostname'], { out: 'run.vcap' });
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
  const derivedName = options.name === undefined;
  const name = options.name ?? commandWorkloadName(command).name;
  const output = await OutputFile.open(options.out);
  const partial = output.path;
  let cg: WorkloadCgroup;
  try {
    cg = createRunCgroup(name);
  } catch (e) {
    output.discard();
    throw e;
  }
  let sensor: Sensor | undefined;
  let writer: CaptureWriter | undefined;
  try {
    sensor = await Sensor.open({
      dnsPorts: [53],
      // Cgroups the command creates below its own (containers, systemd-run) are part of it.
      descendants: true,
      ...options.sensor,
      cgroups: [cg.dir],
    });
    writer = CaptureWriter.create(partial, {
      header: {
        source: 'ebpf',
        createdBy: `vigil ${VERSION}`,
        command: [...command],
        meta: { cgroup: cg.path, cgroupId: cg.id, ...options.meta },
      },
    });
    const w = writer;
    const s = sensor;
    const drain = (async () => {
      for await (const batch of s) w.writeAll(batch);
    })();
    drain.catch(() => undefined); // awaited below, where a write error is rethrown
    const child = cg.spawn(cmd, args, { stdio: 'inherit', ...options.spawn });
    const onAbort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // An interrupt that came while the programs loaded still ends the command.
    if (options.signal?.aborted) onAbort();
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, signal) => resolve([c, signal]));
    });
    options.signal?.removeEventListener('abort', onAbort);
    const exitCode = code ?? 128 + (sig ? constants.signals[sig] : 0);
    await s.flush();
    await s.close();
    await drain;
    await cg.remove();
    const drops = s.stats().drops;
    w.close({ exitCode, drops });
    await output.commit();
    return {
      out: options.out,
      events: w.eventCount,
      drops,
      exitCode,
      cgroupPath: cg.path,
      name,
      derivedName,
    };
  } catch (e) {
    writer?.abandon();
    output.discard();
    throw e;
  } finally {
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
