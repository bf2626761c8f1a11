import type { Command } from '../command.js';
import { aibomCommand } from './aibom.js';
import { baselineCommand } from './baseline.js';
import { checkCommand } from './check.js';
import { daemonCommand } from './daemon.js';
import { demoCommand } from './demo.js';
import { enforceCommand } from './enforce.js';
import { fleetCommand } from './fleet.js';
import { gapCommand } from './gap.js';
import { hubCommand } from './hub.js';
import { inspectCommand } from './inspect.js';
import { learnCommand } from './learn.js';
import { policyCommand } from './policy.js';
import { postureCommand } from './posture.js';
import { probeCommand } from './probe.js';
import { recordCommand } from './record.js';
import { scanCommand } from './scan.js';

/** Every `vigil` subcommand, in the order `vigil --help` lists them. */
export const COMMANDS: readonly Command[] = [
  probeCommand,
  recordCommand,
  inspectCommand,
  learnCommand,
  checkCommand,
  baselineCommand,
  aibomCommand,
  gapCommand,
  scanCommand,
  policyCommand,
  enforceCommand,
  daemonCommand,
  postureCommand,
  demoCommand,
  hubCommand,
  fleetCommand,
];
