import { diffPolicies, VigilError } from '@vigil/core';
import type { Command } from '../command.js';
import { loadOrSynthesizePolicy, readPolicyFile } from './enforce-support.js';

export const policyCommand: Command = {
  name: 'policy',
  summary:
    'Synthesise an enforcement policy (egress and exec allowlists) from a stable baseline, with a diff',
  usage:
    '--baseline FILE [--name NAME | --workload SUBJECT] [--previous POLICY] [--allow-learning] --out POLICY',
  description: [
    'Turns what a stable baseline saw into an enforcement policy: an egress allowlist (addresses, blocks and',
    'DNS names with ports) and an exec allowlist (program paths). What cannot be enforced here (generalised',
    "names, unix sockets, file rules without BPF-LSM) is listed in the policy's notes. With --previous, rules",
    'keep their ids, the version goes up when anything changed, and the diff is printed to stderr.',
    'A baseline still learning is refused unless --allow-learning. Review the policy, then run the workload',
    'with `vigil enforce --policy POLICY`.',
  ].join('\n'),
  options: {
    baseline: { type: 'string' },
    name: { type: 'string' },
    workload: { type: 'string' },
    previous: { type: 'string' },
    'allow-learning': { type: 'boolean' },
    'no-loopback': { type: 'boolean' },
  },
  optionHelp: {
    baseline: 'the baseline file or store to synthesise from',
    name: 'the workload name the runs were recorded with (vigil record --name)',
    workload: 'the baseline subject, when the file holds several',
    previous: 'the policy this one replaces: keeps rule ids, bumps the version, prints the diff',
    'allow-learning': 'accept a baseline that is still learning',
    'no-loopback': 'restrict loopback peers too (by default 127.0.0.0/8 and ::1 are always allowed)',
    out: 'where to write the policy (JSON)',
  },
  maxPositionals: 0,
  formats: ['json'],
  async run(ctx) {
    const v = ctx.args.values;
    if (typeof v['baseline'] !== 'string') throw new VigilError('USAGE', 'policy needs --baseline FILE');
    const previous = typeof v['previous'] === 'string' ? await readPolicyFile(v['previous']) : undefined;
    const { policy } = await loadOrSynthesizePolicy({
      baselineFile: v['baseline'],
      ...(typeof v['name'] === 'string' ? { name: v['name'] } : {}),
      ...(typeof v['workload'] === 'string' ? { workload: v['workload'] } : {}),
      ...(v['allow-learning'] === true ? { allowLearning: true } : {}),
      ...(v['no-loopback'] === true ? { allowLoopback: false } : {}),
      ...(previous ? { previous } : {}),
    });
    await ctx.emit(`${JSON.stringify(policy, null, 2)}\n`);
    ctx.log(
      `vigil policy: ${policy.id}@${policy.version}: ${policy.egress.rules.length} egress rules, ${policy.exec.rules.length} exec rules${policy.notes.length > 0 ? `, ${policy.notes.length} notes` : ''}`,
    );
    for (const n of policy.notes) ctx.log(`  note: ${n}`);
    if (previous) {
      const d = diffPolicies(previous, policy);
      ctx.log(
        d.unchanged
          ? `  no change from ${previous.id}@${previous.version}`
          : `  changes from version ${previous.version}:`,
      );
      if (!d.unchanged) for (const line of d.summary.split('\n')) ctx.log(`    ${line}`);
    }
    return 0;
  },
};
