import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countOf, type EnforcementPolicy, type ResponseHandler } from '@vigil/core';
import type { Enforcer } from './enforcer.js';

/**
 * What {@link enforcementResponses} acts on: the workload's cgroup and the
 * policy it runs under (or would, once tightened).
 *
 * @example
 * ```ts
 * const target: ResponseTarget = { cgroup: cg.dir, policy };
 * ```
 */
export interface ResponseTarget {
  readonly cgroup: string;
  readonly policy: EnforcementPolicy;
}

/**
 * Response handlers that act through the kernel, for a core `Responder`:
 * `tighten-egress` enforces the policy's egress allowlist now (whatever mode
 * the workload was in), `isolate-network` refuses every egress of the
 * workload, loopback included, and `kill-workload` kills every process in
 * its cgroup (`cgroup.kill`).
 *
 * @example
 * ```ts
 * import { Responder } from '@vigil/core';
 * import { enforcementResponses } from '@vigil/ebpf-native';
 *
 * const responder = new Responder(plan);
 * for (const [type, handler] of enforcementResponses(enforcer, { cgroup: cg.dir, policy })) responder.register(type, handler);
 * ```
 */
export function enforcementResponses(
  enforcer: Enforcer,
  target: ResponseTarget,
): Map<'tighten-egress' | 'isolate-network' | 'kill-workload', ResponseHandler> {
  const p = target.policy;
  return new Map<'tighten-egress' | 'isolate-network' | 'kill-workload', ResponseHandler>([
    [
      'tighten-egress',
      async () => {
        const tightened: EnforcementPolicy = { ...p, egress: { ...p.egress, enforce: true } };
        const applied = await enforcer.apply(target.cgroup, tightened, 'enforce');
        return `egress of ${target.cgroup} restricted to the ${p.egress.rules.length} rules of ${applied.policy} (enforce)`;
      },
    ],
    [
      'isolate-network',
      async () => {
        const isolated: EnforcementPolicy = {
          ...p,
          egress: { enforce: true, allowLoopback: false, rules: [] },
          notes: [...p.notes, 'isolated by an automated response'],
        };
        await enforcer.apply(target.cgroup, isolated, 'enforce');
        return `every egress of ${target.cgroup} refused (network isolated)`;
      },
    ],
    [
      'kill-workload',
      async () => {
        const procs = readFileSync(join(target.cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
        writeFileSync(join(target.cgroup, 'cgroup.kill'), '1');
        return `killed the ${countOf(procs.length, 'process')} of ${target.cgroup} (cgroup.kill)`;
      },
    ],
  ]);
}
