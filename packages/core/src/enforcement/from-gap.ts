import { z } from 'zod';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import { countOf } from '../output/count-text.js';
import {
  type LeastPrivilege,
  type LeastPrivilegeArtifact,
  LeastPrivilegeSchema,
} from '../permissions/least-privilege/artifact.js';
import { safeParseDocument, scalarText } from '../readers/document-value.js';
import { lazySchema } from '../schemas/lazy.js';
import {
  diffPolicies,
  type EgressRule,
  ENFORCEMENT_POLICY_SCHEMA_VERSION,
  type EnforcementPolicy,
  EnforcementPolicySchema,
  egressKey,
  MAX_POLICY_RULES,
  ruleNumber,
} from './policy.js';

/**
 * Options for {@link policyFromLeastPrivilege}.
 *
 * @example
 * ```ts
 * const options: PolicyFromGapOptions = { workload: 'k8s:workload:ai/Deployment/agent', previous: lastPolicy };
 * ```
 */
export interface PolicyFromGapOptions {
  /**
   * Which workload's artifacts to use: a gap report group id or a subject
   * (the artifact's `workload` or `subject`). Needed when the document holds
   * artifacts for more than one workload.
   */
  readonly workload?: string;
  /** The policy this one replaces: its version is continued and unchanged rules keep their ids. */
  readonly previous?: EnforcementPolicy;
  /** Always allow loopback peers. Default true (a NetworkPolicy does not govern loopback either). */
  readonly allowLoopback?: boolean;
  /** Clock for `createdAt`, ms since the epoch. */
  readonly now?: number;
}

/** The least-privilege part of a `vigil gap --format json` document, or a `LeastPrivilege` document itself. */
const GapDocumentSchema = lazySchema(() =>
  z.object({ kind: z.literal('vigil.gap'), leastPrivilege: z.unknown().optional() }).passthrough(),
);

/**
 * Reads the least-privilege artifacts from a gap document (`vigil gap
 * --emit-policy DIR --format json`, which carries them as `leastPrivilege`) or
 * from a `LeastPrivilege` document; the error names the file and what is
 * missing.
 *
 * @example
 * ```ts
 * const lp = leastPrivilegeOf(JSON.parse(readFileSync('gap.json', 'utf8')), 'gap.json');
 * ```
 */
export function leastPrivilegeOf(value: unknown, file?: string): LeastPrivilege {
  const where = file === undefined ? {} : { file };
  const gap = safeParseDocument(GapDocumentSchema, value);
  if (gap.success && gap.data.leastPrivilege === undefined)
    throw new VigilError(
      'INPUT_INVALID',
      `${file ?? 'the gap document'} has no least-privilege artifacts: run vigil gap with --emit-policy DIR and --format json`,
      { location: { ...where, path: ['leastPrivilege'] } },
    );
  const inner = gap.success ? gap.data.leastPrivilege : value;
  const r = safeParseDocument(LeastPrivilegeSchema, inner);
  if (!r.success)
    throw fromZodError(r.error, 'least-privilege artifacts', {
      ...where,
      ...(gap.success ? { path: ['leastPrivilege'] } : {}),
    });
  return r.data;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The NetworkPolicy objects of an artifact (a list of Kubernetes objects, or one). */
function networkPolicies(a: LeastPrivilegeArtifact): Obj[] {
  if (typeof a.content === 'string') return [];
  const objects = Array.isArray(a.content) ? a.content : [a.content];
  return objects.filter((o) => o['kind'] === 'NetworkPolicy');
}

/**
 * An enforcement policy from the gap analysis's least-privilege output: the
 * egress allowlist of the workload's generated NetworkPolicy (each `ipBlock`
 * peer with its ports) enforced in the kernel for that workload. What the
 * kernel allowlist cannot express is left out and said in `notes`: in-cluster
 * selector peers (pod addresses change; keep the NetworkPolicy for them), SCTP
 * ports, `except` blocks. The gap analysis observes no program executions, so
 * exec is not restricted; file rules need BPF-LSM (`file_open`) and stay in the
 * workload's security context and the detections. With `previous`, unchanged
 * rules keep their ids and the version goes up only when something changed.
 *
 * @example
 * ```ts
 * import { leastPrivilegeOf, policyFromLeastPrivilege } from '@vigil/core';
 *
 * const lp = leastPrivilegeOf(JSON.parse(readFileSync('gap.json', 'utf8')), 'gap.json');
 * const policy = policyFromLeastPrivilege(lp, { workload: 'k8s:workload:ai/Deployment/agent' });
 * console.log(policy.egress.rules.map((r) => `${r.cidr}:${r.port}`));
 * ```
 */
export function policyFromLeastPrivilege(
  lp: LeastPrivilege,
  options: PolicyFromGapOptions = {},
): EnforcementPolicy {
  const netpols = lp.artifacts.filter((a) => a.kind === 'network-policy');
  const workloads = [...new Set(netpols.map((a) => a.workload))];
  const list = () => workloads.join(', ') || 'none';
  let chosen: LeastPrivilegeArtifact[];
  if (options.workload !== undefined) {
    chosen = netpols.filter((a) => a.workload === options.workload || a.subject === options.workload);
    if (chosen.length === 0)
      throw new VigilError(
        'INPUT_INVALID',
        `no NetworkPolicy artifact for ${options.workload} in the least-privilege output; it has: ${list()}`,
      );
  } else if (workloads.length === 1) {
    chosen = netpols;
  } else {
    throw new VigilError(
      'INPUT_INVALID',
      workloads.length === 0
        ? 'the least-privilege output has no NetworkPolicy artifact (no declared egress to tighten): nothing to enforce'
        : `the least-privilege output covers ${workloads.length} workloads; say which: ${list()}`,
    );
  }
  const workload = chosen[0]!.workload;
  const prev = options.previous;
  const prevEgress = new Map((prev?.egress.rules ?? []).map((r) => [egressKey(r), r.id]));
  let nextId =
    1 + Math.max(0, ...[...(prev?.egress.rules ?? []), ...(prev?.exec.rules ?? [])].map(ruleNumber));
  const notes: string[] = [];
  const egress = new Map<string, EgressRule>();
  for (const a of chosen) {
    if (a.issues.length > 0)
      notes.push(
        `${a.fileName} failed validation (${countOf(a.issues.length, 'issue')}); its peers are used as generated`,
      );
    for (const np of networkPolicies(a)) {
      const name = isObj(np['metadata']) ? scalarText(np['metadata']['name'] ?? a.fileName) : a.fileName;
      const spec = isObj(np['spec']) ? np['spec'] : {};
      const rules = Array.isArray(spec['egress']) ? spec['egress'] : [];
      for (const [i, rule] of rules.entries()) {
        if (!isObj(rule)) continue;
        const peers = Array.isArray(rule['to']) ? rule['to'] : [];
        const ports = Array.isArray(rule['ports']) ? rule['ports'].filter(isObj) : [];
        for (const peer of peers) {
          if (!isObj(peer)) continue;
          const block = isObj(peer['ipBlock']) ? peer['ipBlock'] : undefined;
          if (!block || typeof block['cidr'] !== 'string') {
            notes.push(
              `${name} egress[${i}]: an in-cluster selector peer cannot be an address allowlist (pod addresses change); it is not allowed here: keep the NetworkPolicy for it`,
            );
            continue;
          }
          if (Array.isArray(block['except']) && block['except'].length > 0)
            notes.push(`${name} egress[${i}]: the except blocks of ${block['cidr']} are not enforced`);
          const targets: { protocol: EgressRule['protocol']; port: number | null }[] = [];
          if (ports.length === 0) targets.push({ protocol: 'any', port: null });
          for (const p of ports) {
            const proto = scalarText(p['protocol'] ?? 'TCP').toUpperCase();
            if (proto !== 'TCP' && proto !== 'UDP') {
              notes.push(
                `${name} egress[${i}]: ${proto} to ${block['cidr']} is not enforced (TCP and UDP only)`,
              );
              continue;
            }
            // A named port resolves only against the peer's pod spec, which the kernel never sees.
            // Vigil's own least-privilege output always has numbers; for a hand-written name the
            // address stays allowed on any port (dropping it would refuse traffic the workload
            // needs) and the widening is written into the policy's notes for the reviewer.
            const port = typeof p['port'] === 'number' ? p['port'] : null;
            if (p['port'] !== undefined && port === null)
              notes.push(
                `${name} egress[${i}]: the named port ${scalarText(p['port'])} is allowed as any port`,
              );
            targets.push({ protocol: proto === 'TCP' ? 'tcp' : 'udp', port });
          }
          for (const t of targets) {
            const draft = { protocol: t.protocol, cidr: block['cidr'], port: t.port };
            const key = egressKey(draft);
            if (!egress.has(key))
              egress.set(key, {
                id: prevEgress.get(key) ?? `egress-${nextId++}`,
                ...draft,
                reason: `${name} egress[${i}] (gap least-privilege)`,
              });
          }
        }
      }
    }
  }
  if (egress.size === 0) notes.push('the NetworkPolicy allows no egress: every egress is refused');
  if (egress.size > MAX_POLICY_RULES)
    throw new VigilError(
      'INPUT_INVALID',
      `the egress allowlist would hold ${egress.size} rules, over the ${MAX_POLICY_RULES}-entry map limit`,
    );
  notes.push(
    'exec is not restricted: the gap analysis does not observe program executions (synthesise from a baseline for an exec allowlist)',
    'file rules are not enforced: they need BPF-LSM (file_open); the generated security context and the detections cover files',
  );
  const draft: EnforcementPolicy = {
    schemaVersion: ENFORCEMENT_POLICY_SCHEMA_VERSION,
    id: workload,
    version: prev?.version ?? 1,
    createdAt: new Date(options.now ?? Date.now()).toISOString(),
    source: { kind: 'gap' },
    egress: {
      enforce: true,
      allowLoopback: options.allowLoopback ?? true,
      rules: [...egress.values()].sort((a, b) => egressKey(a).localeCompare(egressKey(b))),
    },
    exec: { enforce: false, rules: [] },
    notes,
  };
  if (prev && !diffPolicies(prev, draft).unchanged) draft.version = prev.version + 1;
  const r = EnforcementPolicySchema.safeParse(draft);
  if (!r.success) throw fromZodError(r.error, 'enforcement policy from the least-privilege output');
  return r.data;
}
