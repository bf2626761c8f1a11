import {
  ARGS_MARK,
  basename,
  type DriftCheck,
  describePattern,
  isOrdinaryUtility,
  isShellExec,
  pathSegments,
  type VigilEvent,
} from '@vigil/core';
import { defineDriftRule } from '../../api/drift-rule.js';
import { defineRule, type ProcessLookup } from '../../api/rule.js';
import { DRIFT_NOTES } from './notes.js';

const VERSION = '1.0.0';

/**
 * The program that started `ev`'s shell when that program is itself new under a shell tool the
 * baseline knows: the shell is nested in the known shell (not the shell itself), its parent is not a
 * shell (now), and the parent's program never ran under that known shell while learning. Undefined otherwise.
 */
function newProgramUnderKnownShell(
  ev: VigilEvent & { kind: 'process.exec' },
  check: DriftCheck | undefined,
  processes: ProcessLookup,
): string | undefined {
  const shell = check?.shell;
  if (check === undefined || shell === undefined || !shell.known || ev.pid === shell.context.shellPid)
    return undefined;
  // The parent may be the known shell's own process after it exec'd its last command (`bash -c 'tar …'`).
  const parent = processes.get(ev.ppid);
  if (parent === undefined || isShellExec(parent.exe, [parent.exe])) return undefined;
  // Under the known shell, has the parent's program run at all (with any arguments)?
  const program = pathSegments(parent.exe);
  const segments = [...shell.context.segments, '@processes', ...program, ARGS_MARK, ''];
  const c = check.baseline.coversObservation({ domain: 'shells', segments, concrete: parent.exe });
  const programAt = shell.context.segments.length + 1 + program.length;
  if (c.covered || (c.depth ?? 0) >= programAt) return undefined;
  return parent.exe;
}

/** A shell the workload never started, or never started from this program. */
export const newShell = defineRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.process.new-shell',
    title: 'New shell',
    description:
      'The workload started a shell it never ran while learning, or started a shell from a program (and argument shape) that never started one while learning. What runs under a known shell is checked by the other drift rules; this rule is about the shell itself. A shell started by a program that is itself new under a known shell tool (`tar czf` under the reviewed shell tool runs `sh -c gzip`) is part of that new program and rated as it is: high.',
    severity: 'critical',
    version: '1.1.0',
    role: 'drift',
    areas: ['behaviour-drift'],
    tags: { attack: ['T1059.004'], owaspAgentic: ['ASI05'] },
    rationale:
      'An agent that gains a shell it never needed can run anything; a shell started from a new place is how tool misuse and injected instructions turn into code execution.',
    falsePositives:
      'A shell tool the learning runs never exercised. Learn over runs whose tasks use it, then admit the quarantined shell once (`vigil learn --admit ID --by WHO --reason WHY`).',
    tuning: 'Admit the quarantined shell after review; what it runs is then learned per starting program.',
  },
  kinds: ['process.exec'],
  onEvent(ev, ctx) {
    const drift = ctx.drift;
    if (drift === undefined || !isShellExec(ev.filename, ev.argv)) return;
    const procs = drift.unclaimed('processes');
    // The context itself is the three-segment pattern (parent, its arguments, `>shell`).
    const context = drift.unclaimed('shells').find((u) => u.observation.segments.length === 3);
    for (const u of procs) {
      const argsAt = u.observation.segments.indexOf(ARGS_MARK);
      if ((u.coverage.depth ?? 0) > argsAt) continue;
      const starter = newProgramUnderKnownShell(ev, drift.check, ctx.processes);
      if (starter !== undefined) {
        const known = drift.shell!.context;
        const what = `started the shell ${ev.filename} from ${starter}, a program new under the known shell ${basename(known.shell)} started by ${known.parent ? basename(known.parent) : 'an unknown program'}; rated with that program`;
        ctx.report({
          subject: u.observation.concrete,
          summary: what,
          severity: 'high',
          drift: { observation: u, what, title: 'New shell under a program new under a known shell' },
        });
        if (context) drift.claim(context);
        return;
      }
      const what = `started the shell ${ev.filename}, which it never ran while learning`;
      ctx.report({ subject: u.observation.concrete, summary: what, drift: { observation: u, what } });
      if (context) drift.claim(context);
      return;
    }
    if (context === undefined) return;
    const sc = drift.shell?.context;
    const parent = sc?.parent
      ? `${basename(sc.parent)}${sc.parentArgs ? ` ${sc.parentArgs}` : ''}`
      : 'an unknown program';
    const what = `started the shell ${ev.filename} from ${parent}, which never started a shell while learning`;
    ctx.report({
      subject: context.observation.concrete,
      summary: what,
      drift: { observation: context, what, title: 'New shell under a program that never started one' },
    });
    // The shell's own arguments are part of this finding.
    for (const u of procs) drift.claim(u);
  },
});

/** A known program run with arguments of a new shape. */
export const newArguments = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.process.new-arguments',
    title: 'Known program, new arguments',
    description:
      'The workload ran a program it ran while learning, with arguments of a shape it never used (arguments are generalised: numbers, identifiers, temp names and free text become placeholders).',
    severity: 'low',
    version: VERSION,
    areas: ['behaviour-drift'],
    falsePositives: 'New options of a known tool; a learning window that missed a code path.',
  },
  domain: 'processes',
  kinds: ['process.exec'],
  assess(u) {
    const segs = u.observation.segments;
    const argsAt = segs.indexOf(ARGS_MARK);
    if ((u.coverage.depth ?? 0) <= argsAt) return undefined;
    const near = u.coverage.nearest?.display;
    return {
      what: `ran ${describePattern('processes', segs.slice(0, argsAt))} with new arguments (${segs[argsAt + 1] ?? ''})${near ? `; it was seen as ${near}` : ''}`,
    };
  },
});

/** A program the workload never ran. */
export const newBinary = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.process.new-binary',
    title: 'New program',
    description:
      'The workload ran a program it never ran while learning. Under a shell the baseline knows (a reviewed shell tool started the same way), an ordinary read-only utility (`tail` where learning saw `ls` and `cat`; the vocabulary lists them) is low: a new program, not a new capability. Any other new program is high wherever it runs.',
    severity: 'high',
    version: '1.1.0',
    areas: ['behaviour-drift'],
    tags: { attack: ['T1059'], owaspAgentic: ['ASI05'] },
    equivalents: ['Kubescape: R0001 Unexpected process launched'],
  },
  domain: 'processes',
  kinds: ['process.exec'],
  assess(u, ev, ctx) {
    const segs = u.observation.segments;
    const argsAt = segs.indexOf(ARGS_MARK);
    const program = describePattern('processes', segs.slice(0, argsAt));
    const shell = ctx.drift?.shell;
    if (shell?.known === true && isOrdinaryUtility(ev.filename)) {
      return {
        severity: 'low',
        title: 'New ordinary utility under a known shell',
        what: `ran ${program}, an ordinary read-only utility it never ran while learning, under the known shell ${basename(shell.context.shell)} started by ${shell.context.parent ? basename(shell.context.parent) : 'an unknown program'}`,
      };
    }
    return { what: `ran ${program}, a program it never ran while learning` };
  },
});
