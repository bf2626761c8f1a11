import { constants } from 'node:os';
import {
  countOf,
  DEFAULT_CAPTURE_FLUSH_INTERVAL_MS,
  describeCaptureDrops,
  describeUndecodedPayloads,
  PayloadModeSchema,
  summariseCaptureDrops,
  VigilError,
} from '@vigil/core';
import { assertCapturePrerequisites, DEFAULT_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES } from '@vigil/ebpf-native';
import type { Command } from '../command.js';
import { DEFAULT_KILL_AFTER_MS, recordRun } from '../record-run.js';
import { parseDurationSec } from './learn.js';

/** Signals that stop a recording: the first one gracefully, a second one at once. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

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
  usage:
    '--out FILE [--name NAME] [--kill-after DURATION] [--wait-descendants] [--flush-interval MS] [--dedup] [--ring-buffer BYTES] [--dns-port PORT…] [--payloads[=meta|content]] [--payload-bytes N] -- CMD [ARG…]',
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
    '',
    'Signals: the first SIGINT, SIGTERM or SIGHUP asks CMD to stop (SIGINT is passed on as SIGINT,',
    `the others as SIGTERM); whatever of the workload still runs --kill-after later (default ${DEFAULT_KILL_AFTER_MS / 1000}s) is`,
    'killed with SIGKILL, and the capture is complete. A second signal kills the workload at once, writes',
    'what was captured with the trailer marked interrupted, and exits 128+N for that signal (130 for a',
    'second Ctrl-C). If the recorder itself is killed (SIGKILL, a crash), a watchdog process kills the',
    'workload and removes its cgroup; the capture then has every event up to the last flush (every',
    `--flush-interval ms, default ${DEFAULT_CAPTURE_FLUSH_INTERVAL_MS}) and no trailer, and readers report it as incomplete.`,
    'Processes CMD leaves running when it exits (a daemon it forked) are killed, listed on stderr and in',
    "the capture's trailer; with --wait-descendants the recording waits for them to exit instead.",
    '',
    'With --payloads, what the workload sends and receives as TLS plaintext (uprobes on SSL_write, SSL_read,',
    'SSL_write_ex and SSL_read_ex in libssl and in executables exporting them, such as node), on plaintext',
    'TCP and named unix sockets, and on the stdio of MCP servers is decoded into model.call, tool.call and',
    'tool.list events (docs/payloads.md). --payloads (meta) keeps names, keys, hashes and sizes;',
    '--payloads=content also keeps prompt, completion and argument text with secrets redacted. Raw bytes',
    'are never written; the header records the mode and the cap. Without --payloads, `vigil check` cannot',
    'run the injection chains, which start from a tool call, and `vigil aibom` names no model or endpoint.',
    'Pipes between local processes that carry program output rather than a protocol are counted in the',
    'trailer (`vigil inspect` lists them), not reported here.',
  ].join('\n'),
  options: {
    dedup: { type: 'boolean' },
    'ring-buffer': { type: 'string' },
    'dns-port': { type: 'string', multiple: true },
    name: { type: 'string' },
    'kill-after': { type: 'string' },
    'wait-descendants': { type: 'boolean' },
    'flush-interval': { type: 'string' },
    payloads: { type: 'string' },
    'payload-bytes': { type: 'string' },
  },
  bareValues: { payloads: 'meta' },
  optionHelp: {
    out: 'the capture file to write (atomically)',
    name: 'the workload name (id cgroup:/vigil-NAME); default derived from the command',
    dedup: 'drop repeats of identical behaviour in the kernel (per workload, LRU)',
    'ring-buffer': 'ring buffer size in bytes (a power of two; default 8 MiB)',
    'dns-port': 'another UDP port to parse DNS queries on (53 always)',
    'kill-after': `how long CMD has to exit after a stop signal before it is killed (e.g. 2.5, 30s, 1m; default ${DEFAULT_KILL_AFTER_MS / 1000}s)`,
    'wait-descendants': 'when CMD exits, wait for the processes it left running instead of killing them',
    'flush-interval': `milliseconds between flushes of the capture to disk (default ${DEFAULT_CAPTURE_FLUSH_INTERVAL_MS}; 0 only when the buffer is full)`,
    payloads:
      'decode model and tool calls from TLS, TCP, unix-socket and stdio payloads: meta (--payloads alone), content (--payloads=content), or off (the default)',
    'payload-bytes': `bytes kept of one read or write, 1 to ${MAX_PAYLOAD_BYTES} (default ${DEFAULT_PAYLOAD_BYTES}); longer ones are cut and marked`,
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
    const killAfter = ctx.args.values['kill-after'];
    const killAfterMs =
      typeof killAfter === 'string' ? parseDurationSec(killAfter, '--kill-after') * 1000 : undefined;
    const flush = ctx.args.values['flush-interval'];
    let flushIntervalMs: number | undefined;
    if (typeof flush === 'string') {
      flushIntervalMs = Number(flush);
      if (flush.trim() === '' || !Number.isInteger(flushIntervalMs) || flushIntervalMs < 0)
        throw new VigilError('USAGE', `--flush-interval takes milliseconds, 0 or more (got '${flush}')`);
    }
    const modeArg = ctx.args.values['payloads'];
    const mode = modeArg === undefined ? 'off' : PayloadModeSchema.safeParse(modeArg).data;
    if (mode === undefined)
      throw new VigilError('USAGE', `--payloads takes meta, content or off (got '${String(modeArg)}')`);
    const payloadBytes = positiveInt(ctx.args.values['payload-bytes'], 'payload-bytes');
    if (payloadBytes !== undefined && payloadBytes > MAX_PAYLOAD_BYTES)
      throw new VigilError('USAGE', `--payload-bytes takes 1 to ${MAX_PAYLOAD_BYTES} (got ${payloadBytes})`);
    if (payloadBytes !== undefined && mode === 'off')
      throw new VigilError('USAGE', '--payload-bytes needs --payloads');
    assertCapturePrerequisites();

    // The recorder owns its signals: the first stops the command gracefully, the second
    // cuts the recording short. (Listening also keeps the default action, death, away.)
    const stop = new AbortController();
    const interrupt = new AbortController();
    let interruptedBy: NodeJS.Signals | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
      if (!stop.signal.aborted) {
        ctx.log(`vigil record: ${sig}: stopping ${command[0]} (again to cut the recording short at once)`);
        stop.abort(sig);
      } else if (!interrupt.signal.aborted) {
        interruptedBy = sig;
        interrupt.abort(sig);
      }
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    // A signal that came before these listeners (while the command line was read) counts.
    if (ctx.signal.aborted) stop.abort();
    const name = ctx.args.values['name'];
    try {
      const r = await recordRun(command, {
        out: ctx.out,
        signal: stop.signal,
        interrupt: interrupt.signal,
        ...(typeof name === 'string' ? { name } : {}),
        ...(killAfterMs !== undefined ? { killAfterMs } : {}),
        ...(flushIntervalMs !== undefined ? { flushIntervalMs } : {}),
        waitDescendants: ctx.args.values['wait-descendants'] === true,
        onNotice: (line) => ctx.log(`vigil record: ${line}`),
        sensor: {
          dedup: ctx.args.values['dedup'] === true,
          ...(ringBufferBytes !== undefined ? { ringBufferBytes } : {}),
          dnsPorts: dnsPorts.length > 0 ? [53, ...dnsPorts] : [53],
          payloads: mode,
          ...(payloadBytes !== undefined ? { payloadBytes } : {}),
        },
      });
      // Lost events first (or "none dropped"), then payload input the decoder skipped.
      // Program output on local pipes (an agent printing JSON, esbuild's IPC under tsx) is in the
      // capture's trailer and `vigil inspect`; here it would be a line on every run.
      const drops = describeCaptureDrops(r.drops, { localOutput: false });
      const [dropped, ...more] = summariseCaptureDrops(r.drops).lost > 0 ? drops : ['none dropped', ...drops];
      ctx.log(
        `vigil record: ${countOf(r.events, 'event')} to ${r.out}, ${dropped}; ${command[0]} exited with ${r.exitCode}${r.interrupted ? `; INTERRUPTED by a second ${interruptedBy}: the capture ends early` : ''}`,
      );
      for (const line of more) ctx.log(`vigil record: ${line}`);
      // Which streams were not decoded and why, the busiest few.
      for (const line of describeUndecodedPayloads(r.undecodedPayloads, 3, { localOutput: false }))
        ctx.log(`vigil record: ${line}`);
      ctx.log(
        `workload cgroup:/vigil-${r.name}${r.derivedName ? ' (name derived from the command; --name to choose one)' : ''}`,
      );
      return r.interrupted && interruptedBy !== undefined
        ? 128 + constants.signals[interruptedBy]
        : r.exitCode;
    } finally {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    }
  },
};
