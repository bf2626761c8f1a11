/**
 * The `vigil` command as a library: run it in-process with {@link main}, or
 * reuse its pieces.
 *
 * @packageDocumentation
 */

export type { Command, CommandArgs, CommandContext, OptionSpec } from './command.js';
export type { CommandEntry } from './commands/registry.js';
export { COMMAND_LIST, loadCommand, loadCommands } from './commands/registry.js';
export type { EnforceRunOptions, EnforceRunResult } from './enforce-run.js';
export { enforceRun } from './enforce-run.js';
export { exitCodeFor, parseFailOn } from './fail-on.js';
export type { CliIo } from './main.js';
export { main } from './main.js';
export type { RecordRunOptions, RecordRunResult } from './record-run.js';
export { DEFAULT_KILL_AFTER_MS, recordRun } from './record-run.js';
export { EXIT_BROKEN_PIPE, runVigilProcess } from './run-process.js';
export { VERSION } from './version.js';
