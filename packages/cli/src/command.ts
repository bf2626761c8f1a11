import type { ParseArgsConfig } from 'node:util';

/** Option definitions in `node:util` `parseArgs` form. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed arguments handed to a command. */
export interface CommandArgs {
  /** Option values by name (strings, booleans, or arrays for `multiple` options). */
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  /** Positional arguments before `--`. */
  readonly positionals: readonly string[];
  /** Arguments after `--` (the command to run, for `record` and `enforce`). */
  readonly rest: readonly string[];
}

/** What a command gets to do its work. */
export interface CommandContext {
  readonly args: CommandArgs;
  /** The output format chosen with `--format` / `--json` (validated against the command's formats). */
  readonly format: string;
  /** The `--out` path, if given. */
  readonly out: string | undefined;
  /**
   * Writes the command's result to `--out` (checked before the command ran) or
   * stdout; text formats are escaped for the terminal, machine formats kept exact.
   */
  emit(content: string | Uint8Array): Promise<void>;
  /** Prints a progress or diagnostic line to stderr, escaped for the terminal. */
  log(line: string): void;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

/** One `vigil` subcommand. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line(s) after `vigil NAME`. */
  readonly usage: string;
  /** Longer help text. */
  readonly description?: string;
  /** Command-specific options. */
  readonly options: OptionSpec;
  /** One line of help per option, by option name. */
  readonly optionHelp?: Readonly<Record<string, string>>;
  /**
   * String options that may also be given bare (`--payloads` for `--payloads=meta`), by
   * option name, with the value they then take. Their value must follow `=`.
   */
  readonly bareValues?: Readonly<Record<string, string>>;
  /** Output formats; the first is the default. */
  readonly formats: readonly string[];
  /** Whether `--` followed by a command line is accepted. */
  readonly takesCommand?: boolean;
  /** How many positional arguments the command takes at most (default: any number). */
  readonly maxPositionals?: number;
  /**
   * What `--out` names: a `file` (default; checked before the work and written as
   * `writeOutput` does) or a `folder` the command fills itself.
   */
  readonly outKind?: 'file' | 'folder';
  /** Runs the command; resolves with the exit code (0 ok, 1 findings at or above --fail-on). */
  run(ctx: CommandContext): Promise<number>;
}

/** The global options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpec = {
  format: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
