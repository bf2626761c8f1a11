import {
  type Baseline,
  type BaselineSet,
  defaultBaselineKey,
  type EnforcementPolicy,
  parseEnforcementPolicy,
  readJsonFile,
  synthesizePolicy,
  VigilError,
  workloadFromCgroupPath,
} from '@vigil/core';
import { loadBaselines } from './check.js';

/**
 * The baseline a policy is made from: the one for the workload `vigil-NAME`
 * when a name is given, the one whose subject is `workload`, or the only one
 * in the set. Anything else is a usage error that lists what the set holds.
 */
export function pickBaseline(set: BaselineSet, file: string, name?: string, workload?: string): Baseline {
  const all = set.baselines();
  const list = () => all.map((b) => `${b.subject} (${b.status})`).join(', ') || 'none';
  if (workload !== undefined) {
    const b = all.find((x) => x.subject === workload);
    if (!b) throw new VigilError('USAGE', `${file} has no baseline for ${workload}; it has: ${list()}`);
    return b;
  }
  if (name !== undefined) {
    const b = set.forWorkload(workloadFromCgroupPath(`/vigil-${name}`));
    if (b) return b;
    if (all.length !== 1)
      throw new VigilError(
        'USAGE',
        `${file} has no baseline for the workload named ${name}; it has: ${list()} (use --workload SUBJECT)`,
      );
  }
  if (all.length === 1) return all[0]!;
  throw new VigilError(
    'USAGE',
    `${file} holds ${all.length} baselines; say which with --workload SUBJECT or --name NAME: ${list()}`,
  );
}

/** The policy of an `enforce` or `policy` run: a reviewed policy file, or one synthesised from a baseline. */
export async function loadOrSynthesizePolicy(opts: {
  policyFile?: string;
  baselineFile?: string;
  name?: string;
  workload?: string;
  allowLearning?: boolean;
  previous?: EnforcementPolicy;
  allowLoopback?: boolean;
}): Promise<{ policy: EnforcementPolicy; baseline?: Baseline }> {
  if (opts.policyFile !== undefined) return { policy: await readPolicyFile(opts.policyFile) };
  if (opts.baselineFile === undefined) throw new VigilError('USAGE', 'give --baseline FILE or --policy FILE');
  const set = await loadBaselines(opts.baselineFile);
  const baseline = pickBaseline(set, opts.baselineFile, opts.name, opts.workload);
  const policy = synthesizePolicy(baseline, {
    ...(opts.previous ? { previous: opts.previous } : {}),
    ...(opts.allowLearning ? { allowLearning: true } : {}),
    ...(opts.allowLoopback === false ? { allowLoopback: false } : {}),
  });
  return { policy, baseline };
}

/** Reads and validates a policy document, within the enforcement input limits; errors name the file. */
export async function readPolicyFile(path: string): Promise<EnforcementPolicy> {
  return parseEnforcementPolicy(
    await readJsonFile(path, 'enforcement', { what: 'enforcement policy' }),
    path,
  );
}

/** The workload (baseline subject) a recording or enforcement run named NAME belongs to. */
export function subjectOfName(name: string): string {
  return defaultBaselineKey(workloadFromCgroupPath(`/vigil-${name}`)).subject;
}
