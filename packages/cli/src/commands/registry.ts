import type { Command } from '../command.js';
import { aibomCommand } from './aibom.js';
import { gapCommand } from './gap.js';
import { inspectCommand } from './inspect.js';
import { probeCommand } from './probe.js';
import { recordCommand } from './record.js';

/** Every `vigil` subcommand, in the order `vigil --help` lists them. */
export const COMMANDS: readonly Command[] = [
  probeCommand,
  recordCommand,
  inspectCommand,
  aibomCommand,
  gapCommand,
];
