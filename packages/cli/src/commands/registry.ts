import type { Command } from '../command.js';
import { inspectCommand } from './inspect.js';

/** Every `vigil` subcommand, in the order `vigil --help` lists them. */
export const COMMANDS: readonly Command[] = [inspectCommand];
