import { renameSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CaptureWriter, VigilError } from '@vigil/core';
import { assertCapturePrerequisites, Sensor, WorkloadCgroup } from '@vigil/ebpf-native';
import type { Command } from '../command.js';
import { VERSION } from '../version.js';

function positiveInt(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new VigilError('USAGE', `--${option} takes a positive integer (got '${String(value)}')`);
  return n;
}

export const recordCommand: Command = {
  name: 'record',
  summary:
    'Run a command in a fresh cgroup and capture everything it and its children do into a capture file',
  usage: '--out FILE [--dedup] [--ring-buffer BYTES] [--dns-port PORT…] -- CMD [ARG…]',
  description: [
    'Creates a cgroup, starts CMD inside it, records its process, file, network, DNS, privilege, namespace,',
    'ptrace, module, BPF and memfd events until CMD exits, writes the capture (with drop counts in the',
    "trailer), removes the cgroup and exits with CMD's exit code (128+N when CMD died of signal N).",
    'Needs root (or CAP_BPF + CAP_PERFMON and a writable cgroup v2 tree).',
  ].join('\n'),
  options: {
    dedup: { type: 'boolean' },
    'ring-buffer': { type: 'string' },
    'dns-port': { type: 'string', multiple: true },
  },
  formats: ['vcap'],
  takesCommand: true,
  async run(ctx) {
    const command = ctx.args.rest;
    if (command.length === 0) throw new VigilError('USAGE', "record needs a command after '--'");
    if (ctx.out === undefined) throw new VigilError('USAGE', 'record needs --out FILE for the capture');
    const ringBufferBytes = positiveInt(ctx.args.values['ring-buffer'], 'ring-buffer');
    const dnsPorts = ((ctx.args.values['dns-port'] as string[] | undefined) ?? []).map((p) => {
      const n = positiveInt(p, 'dns-port');
      if (n === undefined || n > 65535)
        throw new VigilError('USAGE', `--dns-port takes a port number (got '${p}')`);
      return n;
    });
    assertCapturePrerequisites();

    const out = ctx.out;
    const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
    const cg = WorkloadCgroup.create();
    let sensor: Sensor | undefined;
    let writer: CaptureWriter | undefined;
    try {
      sensor = await Sensor.open({
        cgroups: [cg.dir],
        // Cgroups the command creates below its own (containers, systemd-run) are part of it.
        descendants: true,
        dedup: ctx.args.values['dedup'] === true,
        ...(ringBufferBytes !== undefined ? { ringBufferBytes } : {}),
        dnsPorts: dnsPorts.length > 0 ? [53, ...dnsPorts] : [53],
      });
      writer = CaptureWriter.create(partial, {
        header: {
          source: 'ebpf',
          createdBy: `vigil ${VERSION}`,
          command: [...command],
          meta: { cgroup: cg.path, cgroupId: cg.id },
        },
      });
      const w = writer;
      const s = sensor;
      const drain = (async () => {
        for await (const batch of s) w.writeAll(batch);
      })();
      drain.catch(() => undefined); // awaited below, where a write error is rethrown

      const [cmd, ...args] = command as [string, ...string[]];
      const child = cg.spawn(cmd, args, { stdio: 'inherit' });
      const onAbort = () => child.kill('SIGTERM');
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      if (ctx.signal.aborted) onAbort();
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (c, sig) => resolve([c, sig]));
      });
      ctx.signal.removeEventListener('abort', onAbort);
      const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);

      await s.flush();
      await s.close();
      await drain;
      await cg.remove();
      const stats = s.stats();
      w.close({ exitCode, drops: stats.drops });
      renameSync(partial, out);
      const dropped = Object.values(stats.drops).reduce((a, b) => a + b, 0);
      ctx.log(
        `vigil record: ${w.eventCount} events to ${out}${dropped > 0 ? ` (${dropped} dropped: ${JSON.stringify(stats.drops)})` : ', none dropped'}; ${cmd} exited with ${exitCode}`,
      );
      return exitCode;
    } catch (e) {
      writer?.abandon();
      rmSync(partial, { force: true });
      throw e;
    } finally {
      await sensor?.close();
      await cg.remove().catch(() => undefined);
    }
  },
};
