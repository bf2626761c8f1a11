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
    '',
    'Each run gets its own cgroup under vigil-NAME; the workload id is cgroup:/vigil-NAME, and recordings',
    'that share it learn one baseline (and may run at the same time).',
    "By default NAME is derived from the command: the program's basename and 8 hex digits of a SHA-256",
    'over the normalised command line (e.g. node-3f2a9c1e). Normalising keeps the program, script,',
    'subcommands, flags and fixed paths, and drops what differs from run to run: the folder the program',
    'was found in, temp folders and files under them, UUIDs, long hex ids and every digit run in an',
    'argument (seeds, ports, counters, numbered output files). So `node agent.js --seed 7 --out',
    '/tmp/tmpa1b2c3/spans.jsonl` and the same with --seed 8 and another temp folder share a workload.',
    '--name NAME chooses the name instead: for runs whose commands differ but are one workload, or to',
    'tell apart runs the derived name would join.',
  ].join('\n'),
  options: {
    dedup: { type: 'boolean' },
    'ring-buffer': { type: 'string' },
    'dns-port': { type: 'string', multiple: true },
    name: { type: 'string' },
  },
  optionHelp: {
    out: 'the capture file to write (atomically)',
    name: 'the workload name (id cgroup:/vigil-NAME); default derived from the command',
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
    ctx.log(
      `workload cgroup:/vigil-${r.name}${r.derivedName ? ' (name derived from the command; --name to choose one)' : ''}`,
    );
    return r.exitCode;
  },
};
