import {
  ARGS_MARK,
  type BaselineDomain,
  basename,
  describePattern,
  isSystemServiceSocket,
} from '@vigil/core';
import { defineRule } from '../../api/rule.js';
import { DRIFT_NOTES } from './notes.js';

/**
 * Behaviour the workload knows, under a shell that never did it: the shell
 * of an agent's tool running a program the agent itself runs, reading a file
 * only the agent read, reaching a peer only the agent reached.
 */
export const newUnderShell = defineRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.shell.new-activity',
    title: 'Known behaviour, new under this shell',
    description:
      'Baselines learn what runs under a shell per the program that started it (its executable and argument shape): programs and their arguments, files, peers and DNS names. This rule reports behaviour the workload knows elsewhere but that never happened under a shell started this way: low for a program the shell ran with new arguments, a new file in a folder the shell used, a DNS name or a system name-service or logging socket (`SYSTEM_SERVICE_SOCKETS`: nscd, systemd-resolved, sssd, syslog, the journal), medium otherwise. Behaviour the workload never showed at all is reported by the other drift rules (a new program is high, a credential read critical, a new egress peer high).',
    severity: 'medium',
    version: '1.0.0',
    role: 'drift',
    areas: ['behaviour-drift', 'agent-tool-misuse'],
    tags: { owaspAgentic: ['ASI02', 'ASI05'] },
    falsePositives: 'A shell tool doing, for a new task, what the agent already did itself.',
    tuning: 'Learn over more runs whose tasks use the shell tool.',
  },
  kinds: ['process.exec', 'file.open', 'net.connect', 'net.accept', 'net.bind', 'net.listen', 'dns.query'],
  onEvent(ev, ctx) {
    const drift = ctx.drift;
    if (drift === undefined) return;
    const shells = drift.unclaimed('shells');
    if (shells.length === 0) return;
    // When the workload-wide behaviour is new too, its own finding speaks for the event; under a shell
    // started from a new place, the new-shell finding does.
    const elsewhere =
      drift.shell?.known === false ||
      drift.check?.uncovered.some((u) => u.observation.domain !== 'shells') === true;
    const sc = drift.shell?.context;
    const under = sc
      ? `under the shell ${basename(sc.shell)} started by ${sc.parent ? basename(sc.parent) : 'an unknown program'}${sc.parentArgs ? ` ${sc.parentArgs}` : ''}`
      : 'under a shell';
    for (const u of shells) {
      const segs = u.observation.segments;
      // Three segments of context (parent, its arguments, `>shell`), then `@domain` and its pattern.
      const at = 3;
      if (segs.length <= at || elsewhere) {
        drift.claim(u);
        continue;
      }
      const domain = segs[at]!.slice(1) as BaselineDomain;
      const inner = segs.slice(at + 1);
      const depth = (u.coverage.depth ?? 0) - at - 1;
      const argsAt = inner.indexOf(ARGS_MARK);
      const near =
        (domain === 'processes' && argsAt >= 0 && depth > argsAt) ||
        (domain === 'files' && depth >= inner.length - 2) ||
        domain === 'dns' ||
        (ev.kind === 'net.connect' && ev.family === 'unix' && isSystemServiceSocket(ev.daddr));
      const what = `${describePattern(domain, inner)} ${under}, which never happened under that shell while learning (the workload did it elsewhere)`;
      ctx.report({
        subject: u.observation.concrete,
        summary: what,
        severity: near ? 'low' : 'medium',
        drift: { observation: u, what: `did ${what}` },
      });
    }
  },
});
