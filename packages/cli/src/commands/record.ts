import { VigilError } from '@vigil/core';
import { assertCapturePrerequisites } from '@vigil/ebpf-native';
import type { Command } from '../command.js';
import { recordRun } from '../record-run.js';

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
  usage: '--out FILE [--name NAME] [--dedup] [--ring-buffer BYTES] [--dns-port PORT…] -- CMD [ARG…]',
  description: [
    'Creates a cgroup, starts CMD inside it, records its process, file, network, DNS, privilege, namespace,',
    'ptrace, module, BPF and memfd events until CMD exits, writes the capture (with drop counts in the',
    "trailer), removes the cgroup and exits with CMD's exit code (128+N when CMD died of signal N).",
    'Needs root (or CAP_BPF + CAP_PERFMON and a writable cgroup v2 tree).',
    '--name NAME gives the cgroup a fixed name (vigil-NAME), so repeated recordings of one workload share',
    'a workload id, and hence a baseline.',
  ].join('\n'),
  options: {
    dedup: { type: 'boolean' },
    'ring-buffer': { type: 'string' },
    'dns-port': { type: 'string', multiple: true },
    name: { type: 'string' },
  },
  optionHelp: {
    out: 'the capture file to write (atomically)',
    name: 'a fixed cgroup name, so runs of one workload share a workload id',
    dedup: 'drop repeats of identical behaviour in the kernel (per workload, LRU)',
    'ring-buffer': 'ring buffer size in bytes (a power of two; default 8 MiB)',
    'dns-port': 'another UDP port to parse DNS queries on (53 always)',
  },
  formats: ['vcap'],
  takesCommand: true,
  maxPositionals: 0,
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

    const name = ctx.args.values['name'];
    const r = await recordRun(command, {
      out: ctx.out,
      signal: ctx.signal,
      ...(typeof name === 'string' ? { name } : {}),
      sensor: {
        dedup: ctx.args.values['dedup'] === true,
        ...(ringBufferBytes !== undefined ? { ringBufferBytes } : {}),
        dnsPorts: dnsPorts.length > 0 ? [53, ...dnsPorts] : [53],
      },
    });
    const dropped = Object.values(r.drops).reduce((a, b) => a + b, 0);
    ctx.log(
      `vigil record: ${r.events} events to ${r.out}${dropped > 0 ? ` (${dropped} dropped: ${JSON.stringify(r.drops)})` : ', none dropped'}; ${command[0]} exited with ${r.exitCode}`,
    );
    return r.exitCode;
  },
};
