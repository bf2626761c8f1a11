import type { Command } from '../command.js';

/**
 * One `vigil` subcommand as `vigil --help` lists it, and how to load it: each command's module (and
 * what it imports: the SDK, the rule packs, the reporters, the capture addon) is loaded only when
 * that command runs, so `vigil --help` loads none of them. The summary is the command's own
 * (a test keeps them equal).
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/** Every `vigil` subcommand, in the order `vigil --help` lists them. */
export const COMMAND_LIST: readonly CommandEntry[] = [
  {
    name: 'probe',
    summary:
      'Report what live capture and enforcement can use on this machine: BTF, ring buffer, tracepoints, cgroup programs, send_signal, kprobe, fentry, LSM, uprobe',
    load: async () => (await import('./probe.js')).probeCommand,
  },
  {
    name: 'record',
    summary:
      'Run a command in a fresh cgroup and capture everything it and its children do into a capture file',
    load: async () => (await import('./record.js')).recordCommand,
  },
  {
    name: 'inspect',
    summary: 'Summarise captures per workload: events by kind, processes, peers, files, DNS',
    load: async () => (await import('./inspect.js')).inspectCommand,
  },
  {
    name: 'learn',
    summary: 'Learn behavioural baselines per workload and image/model version from captures',
    load: async () => (await import('./learn.js')).learnCommand,
  },
  {
    name: 'check',
    summary: 'Check captures against baselines and rule packs; report drift and detections',
    load: async () => (await import('./check.js')).checkCommand,
  },
  {
    name: 'baseline',
    summary: 'Review quarantined baseline behaviour and admit it, recording who and why',
    load: async () => (await import('./baseline.js')).baselineCommand,
  },
  {
    name: 'aibom',
    summary:
      'Build the AI bill of materials from what ran (captures, OTel GenAI spans) and what was declared',
    load: async () => (await import('./aibom.js')).aibomCommand,
  },
  {
    name: 'gap',
    summary:
      'Compare declared permissions with observed use, rank the gaps, and write least-privilege policies',
    load: async () => (await import('./gap.js')).gapCommand,
  },
  {
    name: 'scan',
    summary:
      'Scan MCP configurations, agent rules and skills, model files, inference server configurations and lockfiles for supply-chain risks',
    load: async () => (await import('./scan.js')).scanCommand,
  },
  {
    name: 'policy',
    summary:
      'Synthesise an enforcement policy (egress and exec allowlists) from a stable baseline or a gap analysis, with a diff',
    load: async () => (await import('./policy.js')).policyCommand,
  },
  {
    name: 'enforce',
    summary: 'Run a command under an in-kernel enforcement policy: monitor (report) or enforce (block)',
    load: async () => (await import('./enforce.js')).enforceCommand,
  },
  {
    name: 'daemon',
    summary: 'Watch every workload on this node: learn and check continuously, send findings and baselines',
    load: async () => (await import('./daemon.js')).daemonCommand,
  },
  {
    name: 'posture',
    summary:
      'The maturity level (0 Blind – 4 Adaptive) of each workload and of the environment, with the steps to the next',
    load: async () => (await import('./posture.js')).postureCommand,
  },
  {
    name: 'demo',
    summary: 'Watch a real AI agent learn a baseline, get prompt-injected, and be caught; write every report',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  {
    name: 'hub',
    summary: 'Run a fleet hub: merge every node’s findings and baselines from NATS JetStream until stopped',
    load: async () => (await import('./hub.js')).hubCommand,
  },
  {
    name: 'fleet',
    summary:
      'The fleet’s findings, incidents, baselines, AI-BOM and posture, as a vigil hub keeps them in NATS JetStream',
    load: async () => (await import('./fleet.js')).fleetCommand,
  },
];

/**
 * Loads one command by name; `undefined` for a name that is none.
 *
 * @example
 * ```ts
 * import { loadCommand } from '@vigil/cli';
 *
 * const check = await loadCommand('check');
 * console.log(check?.formats);
 * ```
 */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return COMMAND_LIST.find((c) => c.name === name)?.load();
}

/**
 * Loads every command, in the order `vigil --help` lists them (for documentation and tools that
 * need every command's options).
 *
 * @example
 * ```ts
 * import { loadCommands } from '@vigil/cli';
 *
 * for (const c of await loadCommands()) console.log(c.name, c.formats.join(', '));
 * ```
 */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_LIST.map((c) => c.load()));
}
