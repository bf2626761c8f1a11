import { constants as osConstants } from 'node:os';
import { parseArgs } from 'node:util';
import type { OutputTarget, VigilError as VigilErrorType } from '@vigil/core';
import { type Command, type CommandArgs, type CommandContext, GLOBAL_OPTIONS } from './command.js';
import { COMMAND_LIST, loadCommand } from './commands/registry.js';
import { loadCore } from './sdk.js';
import { holdSignals } from './signal-hold.js';
import { VERSION } from './version.js';

/**
 * Output formats read by people rather than programs: what they print is
 * escaped with `escapeTerminalText`, so input cannot drive the terminal.
 * Every other format (json, sarif, cyclonedx, ocsf, html, msgpack, vcap) is
 * written exactly.
 */
export const TERMINAL_FORMATS: ReadonlySet<string> = new Set(['text', 'markdown']);

/** Where `main` writes. Replaceable for embedding and tests. */
export interface CliIo {
  stdout(chunk: string | Uint8Array): void;
  stderr(line: string): void;
}

const processIo: CliIo = {
  stdout: (c) => void process.stdout.write(c),
  stderr: (l) => void process.stderr.write(l.endsWith('\n') ? l : `${l}\n`),
};

/** The options every command takes, as both help pages show them. */
const GLOBAL_HELP = [
  '  -f, --format FORMAT  output format (each command lists its own; json everywhere)',
  '  -o, --out FILE       write the result to FILE instead of stdout: a file is replaced',
  '                       atomically (mode and owner kept); devices and FIFOs are written to; - is stdout',
  '      --json           same as --format json',
  '  -h, --help           help for vigil or for a command',
];

function globalHelp(): string {
  const width = Math.max(...COMMAND_LIST.map((c) => c.name.length));
  const lines = COMMAND_LIST.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `vigil ${VERSION}: runtime-informed AI security posture management`,
    '',
    'Usage: vigil COMMAND [options] [args]',
    '',
    'Commands:',
    ...lines,
    '',
    'Global options:',
    ...GLOBAL_HELP,
    '      --version        print the version',
    '',
    'Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or input error,',
    '141 output pipe closed early (as a tool killed by SIGPIPE).',
    "Run 'vigil COMMAND --help' for a command's options.",
    '',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  const flags = Object.entries(cmd.options).map(([name, spec]) => {
    // An option with a bare value (`--payloads`) takes another only after `=`.
    const value = spec.type !== 'string' ? '' : cmd.bareValues?.[name] !== undefined ? '[=VALUE]' : ' VALUE';
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${value}`;
    return [flag, `${cmd.optionHelp?.[name] ?? ''}${spec.multiple ? ' (repeatable)' : ''}`.trim()] as const;
  });
  const width = Math.max(0, ...flags.map(([f]) => f.length));
  const opts = flags.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`.trimEnd());
  return [
    `Usage: vigil ${cmd.name} ${cmd.usage}`,
    '',
    cmd.summary,
    ...(cmd.description ? ['', cmd.description] : []),
    '',
    `Formats: ${cmd.formats.join(', ')} (default ${cmd.formats[0]})`,
    ...(opts.length > 0 ? ['', 'Options:', ...opts] : []),
    '',
    'Global options:',
    ...GLOBAL_HELP,
    '',
  ].join('\n');
}

/** The signals that ask a running command to stop. */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs the `vigil` command line and resolves with the exit code: 0 ok, 1
 * findings at or above `--fail-on`, 2 usage or input error. Errors are one
 * line on stderr; nothing is half-written to `--out`.
 *
 * @example
 * ```ts
 * import { main } from '@vigil/cli';
 *
 * const code = await main(['inspect', 'run.vcap', '--json']);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    // Only `vigil help COMMAND` loads a command (for its options); the list needs none.
    const topic = name === 'help' && rest[0] !== undefined ? await loadCommand(rest[0]) : undefined;
    io.stdout(topic ? commandHelp(topic) : globalHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  // A signal that comes while the command loads is held and handled as soon as its handler exists.
  const held = holdSignals(SIGNALS);
  // The SDK and the command's module (with what it imports) are loaded now, for this command only.
  let core: Awaited<ReturnType<typeof loadCore>>;
  let cmd: Awaited<ReturnType<typeof loadCommand>>;
  try {
    core = await loadCore();
    cmd = await loadCommand(name);
  } catch (err) {
    held.release();
    throw err;
  }
  const { escapeTerminalText, VigilError } = core;
  if (!cmd) {
    held.release();
    io.stderr(escapeTerminalText(`vigil: unknown command '${name}' (run 'vigil --help' for the list)`));
    return 2;
  }

  const controller = new AbortController();
  // The first signal asks the command to stop (nothing is half-written). A second one
  // while it winds down (a write stuck in fsync on a slow disk) ends the process at
  // once, removing temporary output files first — unless something else in the process
  // (a command such as record, or the host embedding main) listens for it too.
  const onSignal = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      controller.abort(new VigilError('ABORTED', 'interrupted'));
      return;
    }
    if (process.listenerCount(sig) > 1) return;
    core.discardPendingOutputs();
    process.exit(128 + osConstants.signals[sig]);
  };
  // SIGINT, SIGTERM and (a closed terminal or a daemon manager's reload) SIGHUP: stop cleanly.
  held.handOver(onSignal);
  try {
    const args = parseCommandArgs(cmd, rest, VigilError);
    if (args.values['help'] === true) {
      io.stdout(commandHelp(cmd));
      return 0;
    }
    const format = chooseFormat(cmd, args, VigilError);
    if (cmd.maxPositionals !== undefined && args.positionals.length > cmd.maxPositionals) {
      const stray = args.positionals.slice(cmd.maxPositionals).map((p) => `'${p}'`);
      // `--payloads content`: an option with a bare value takes another only after `=`.
      const at = rest.indexOf(args.positionals[cmd.maxPositionals]!);
      const bare = at > 0 && rest[at - 1]!.startsWith('--') ? rest[at - 1]!.slice(2) : undefined;
      const hint =
        bare !== undefined && cmd.bareValues?.[bare] !== undefined
          ? `; --${bare} takes its value after '=': --${bare}=${rest[at]}`
          : '';
      throw new VigilError(
        'USAGE',
        `${cmd.name} takes ${cmd.maxPositionals === 0 ? 'no arguments' : `at most ${cmd.maxPositionals} argument${cmd.maxPositionals === 1 ? '' : 's'}`} (got ${stray.join(' ')}${hint}; see 'vigil ${cmd.name} --help')`,
      );
    }
    const out = args.values['out'] as string | undefined;
    // A bad --out is found now, not after the work.
    const target: OutputTarget | undefined =
      out !== undefined && cmd.outKind !== 'folder' ? await core.checkOutputTarget(out) : undefined;
    const terminal = TERMINAL_FORMATS.has(format);
    const ctx: CommandContext = {
      args,
      format,
      out,
      signal: controller.signal,
      log: (line) => io.stderr(escapeTerminalText(line)),
      emit: async (content) => {
        const text =
          terminal && typeof content === 'string'
            ? escapeTerminalText(content, { multiline: true })
            : content;
        if (target === undefined || target.kind === 'stdout') io.stdout(text);
        else await core.writeOutput(target, text, { signal: controller.signal });
      },
    };
    return await cmd.run(ctx);
  } catch (err) {
    io.stderr(escapeTerminalText(`vigil ${cmd.name}: ${oneLine(err, core.isVigilError)}`));
    if (process.env['VIGIL_DEBUG'] && err instanceof Error && err.stack)
      io.stderr(escapeTerminalText(err.stack, { multiline: true }));
    return 2;
  } finally {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }
}

type VigilErrorClass = typeof VigilErrorType;

function chooseFormat(cmd: Command, args: CommandArgs, VigilError: VigilErrorClass): string {
  const given = args.values['format'] as string | undefined;
  if (args.values['json'] === true && given !== undefined && given !== 'json')
    throw new VigilError('USAGE', `--json and --format ${given} contradict each other; give one of them`);
  const format = args.values['json'] === true ? 'json' : (given ?? cmd.formats[0]!);
  if (!cmd.formats.includes(format)) {
    throw new VigilError(
      'USAGE',
      `${cmd.name} does not support --format ${format} (choose ${cmd.formats.join(', ')})`,
    );
  }
  return format;
}

function parseCommandArgs(cmd: Command, argv: readonly string[], VigilError: VigilErrorClass): CommandArgs {
  const dashdash = argv.indexOf('--');
  const bare = cmd.bareValues ?? {};
  const before = (dashdash >= 0 ? argv.slice(0, dashdash) : [...argv]).map((a) => {
    const v = a.startsWith('--') ? bare[a.slice(2)] : undefined;
    return v === undefined ? a : `${a}=${v}`;
  });
  const after = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  if (after.length > 0 && !cmd.takesCommand)
    throw new VigilError('USAGE', `${cmd.name} takes no command after '--'`);
  try {
    const { values, positionals } = parseArgs({
      args: before,
      options: { ...GLOBAL_OPTIONS, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals, rest: after };
  } catch (cause) {
    throw new VigilError(
      'USAGE',
      `${(cause as Error).message.replace(/\. To specify.*$/s, '')} (see 'vigil ${cmd.name} --help')`,
      { cause },
    );
  }
}

function oneLine(err: unknown, isVigilError: (e: unknown) => e is VigilErrorType): string {
  const msg = isVigilError(err) || err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ');
}
