import {
  diffPolicies,
  leastPrivilegeOf,
  policyFromLeastPrivilege,
  readJsonFile,
  VigilError,
} from '@vigil/core';
import { renderReport, reportFormats } from '@vigil/reporters';
import type { Command } from '../command.js';
import { loadOrSynthesizePolicy, readPolicyFile } from './enforce-support.js';

export const policyCommand: Command = {
  name: 'policy',
  summary:
    'Synthesise an enforcement policy (egress and exec allowlists) from a stable baseline or a gap analysis, with a diff',
  usage:
    '(--baseline FILE [--name NAME] | --from-gap GAP.json) [--workload SUBJECT] [--previous POLICY] [--allow-learning] --out POLICY',
  description: [
    'Turns what a stable baseline saw into an enforcement policy: an egress allowlist (addresses, blocks and',
    'DNS names with ports) and an exec allowlist (program paths). What cannot be enforced here (generalised',
    "names, unix sockets, file rules without BPF-LSM) is listed in the policy's notes. With --previous, rules",
    'keep their ids, the version goes up when anything changed, and the diff is printed to stderr.',
    'A baseline still learning is refused unless --allow-learning. Review the policy, then run the workload',
    'with `vigil enforce --policy POLICY`.',
    '--from-gap reads the least-privilege output of `vigil gap --emit-policy DIR --format json` instead: the',
    "egress of the workload's generated NetworkPolicy (ipBlock peers and ports) becomes the egress allowlist;",
    'selector peers cannot be addresses and are listed in the notes; exec is not restricted (the gap analysis',
    'observes no executions). --workload picks the workload when the gap covers several.',
    'File rules are never in a policy: enforcing file access needs BPF-LSM (file_open), which the enforcer does',
    'not use; the policy says so in its notes and file behaviour stays with drift and the rule packs.',
  ].join('\n'),
  options: {
    baseline: { type: 'string' },
    'from-gap': { type: 'string' },
    name: { type: 'string' },
    workload: { type: 'string' },
    previous: { type: 'string' },
    'allow-learning': { type: 'boolean' },
    'no-loopback': { type: 'boolean' },
  },
  optionHelp: {
    baseline: 'the baseline file or store to synthesise from',
    'from-gap': 'a gap document with least-privilege artifacts (vigil gap --emit-policy DIR --format json)',
    name: 'the workload name the runs were recorded with (vigil record --name)',
    workload: 'the baseline subject (or, with --from-gap, the gap workload), when the file holds several',
    previous: 'the policy this one replaces: keeps rule ids, bumps the version, prints the diff',
    'allow-learning': 'accept a baseline that is still learning',
    'no-loopback': 'restrict loopback peers too (by default 127.0.0.0/8 and ::1 are always allowed)',
    out: 'where to write the policy (JSON)',
  },
  maxPositionals: 0,
  formats: reportFormats('policy'),
  async run(ctx) {
    const v = ctx.args.values;
    const gapFile = typeof v['from-gap'] === 'string' ? v['from-gap'] : undefined;
    if ((typeof v['baseline'] === 'string') === (gapFile !== undefined))
      throw new VigilError('USAGE', 'policy needs exactly one of --baseline FILE and --from-gap GAP.json');
    if (gapFile !== undefined && (v['name'] !== undefined || v['allow-learning'] !== undefined))
      throw new VigilError('USAGE', '--name and --allow-learning apply to --baseline, not --from-gap');
    const previous = typeof v['previous'] === 'string' ? await readPolicyFile(v['previous']) : undefined;
    const { policy } =
      gapFile !== undefined
        ? {
            policy: policyFromLeastPrivilege(
              leastPrivilegeOf(await readJsonFile(gapFile, 'enforcement', { what: 'gap document' }), gapFile),
              {
                ...(typeof v['workload'] === 'string' ? { workload: v['workload'] } : {}),
                ...(v['no-loopback'] === true ? { allowLoopback: false } : {}),
                ...(previous ? { previous } : {}),
              },
            ),
          }
        : await loadOrSynthesizePolicy({
            baselineFile: v['baseline'] as string,
            ...(typeof v['name'] === 'string' ? { name: v['name'] } : {}),
            ...(typeof v['workload'] === 'string' ? { workload: v['workload'] } : {}),
            ...(v['allow-learning'] === true ? { allowLearning: true } : {}),
            ...(v['no-loopback'] === true ? { allowLoopback: false } : {}),
            ...(previous ? { previous } : {}),
          });
    await ctx.emit(renderReport('policy', ctx.format, policy));
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
