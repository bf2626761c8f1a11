import type { WorkloadRef } from '../../workload/workload-ref.js';
import type { DeclaredPermissions, DeclaredWorkload } from '../declared.js';
import { type Grant, PERMISSION_DOMAINS, type PermissionDomain } from '../grant.js';
import { DEFAULT_AUTHENTICATED_GRANTS } from '../kubernetes/default-roles.js';
import { deniedBy, grantsCovering, pathUnder } from '../match.js';
import type { ObservedUse, ObservedUseDocument } from '../observed/use.js';
import {
  type Coverage,
  type DomainGap,
  GAP_REPORT_SCHEMA_VERSION,
  type GapReport,
  type SkippedRecords,
  type UnusedGrant,
  type WorkloadGap,
} from './report.js';

/** Options for {@link analyzeGaps}. */
export interface GapAnalysisOptions {
  /**
   * Captured workload id (or `*` for every captured workload) → declared
   * subject it runs as (a `k8s:workload:…`, service account, or `mcp:…`
   * client). Without it, captured Kubernetes pods are matched by namespace
   * and service account, pod name or labels.
   */
  readonly bindings?: Readonly<Record<string, string>>;
  /** Domains to treat as observed even when no input showed any use in them. */
  readonly observedDomains?: readonly PermissionDomain[];
  /**
   * Records of line-based logs that were skipped as invalid (`onInvalid: 'skip'`), per file and
   * reason, from the sources' `stats().drops`; the report lists them under `inputs.skipped`.
   */
  readonly skipped?: readonly SkippedRecords[];
}

/** Capabilities whose use Vigil can infer from the syscalls it records. */
export const OBSERVABLE_CAPABILITIES: ReadonlySet<string> = new Set([
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SYS_PTRACE',
  'CAP_SYS_MODULE',
  'CAP_BPF',
  'CAP_SYS_ADMIN',
  'CAP_SETUID',
  'CAP_SETGID',
  'CAP_SETPCAP',
]);

const PSEUDO_FS = ['/proc', '/sys', '/dev'];
const DAY = 86_400;

/**
 * How much an observation window of a given length can be trusted: a gap
 * seen over ten minutes says far less than one seen over thirty days.
 *
 * @example
 * ```ts
 * coverageOf(0, 600e9).confidence; // 'low'
 * ```
 */
export function coverageOf(start: number, end: number): Coverage {
  const durationSeconds = Math.max(0, (end - start) / 1e9);
  if (end === 0)
    return {
      start,
      end,
      durationSeconds: 0,
      confidence: 'none',
      score: 0,
      note: 'nothing was observed: every grant is unverified, not unused',
    };
  const hours = durationSeconds / 3600;
  const score = Math.min(1, Math.log1p(hours) / Math.log1p(30 * 24));
  const confidence = durationSeconds < DAY ? 'low' : durationSeconds < 14 * DAY ? 'medium' : 'high';
  const human =
    durationSeconds < 120
      ? `${Math.round(durationSeconds)} seconds`
      : durationSeconds < 3600
        ? `${Math.round(durationSeconds / 60)} minutes`
        : durationSeconds < DAY
          ? `${(durationSeconds / 3600).toFixed(1)} hours`
          : `${(durationSeconds / DAY).toFixed(1)} days`;
  const note =
    confidence === 'high'
      ? `observed for ${human}: unused grants are very likely unneeded`
      : confidence === 'medium'
        ? `observed for ${human}: rare paths (monthly jobs, incident tooling) may not have run; confirm before removing`
        : `observed for only ${human}: treat unused grants as candidates, not conclusions; observe at least 14 days before enforcing`;
  return { start, end, durationSeconds, confidence, score: Math.round(score * 1000) / 1000, note };
}

/** Union-find over subject ids. */
class Groups {
  readonly #parent = new Map<string, string>();
  add(x: string): void {
    if (!this.#parent.has(x)) this.#parent.set(x, x);
  }
  find(x: string): string {
    this.add(x);
    let r = x;
    while (this.#parent.get(r) !== r) r = this.#parent.get(r)!;
    this.#parent.set(x, r);
    return r;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // Workload subjects stay the root so the group is named after the workload.
    if (rb.startsWith('k8s:workload:') && !ra.startsWith('k8s:workload:')) this.#parent.set(ra, rb);
    else this.#parent.set(rb, ra);
  }
  has(x: string): boolean {
    return this.#parent.has(x);
  }
}

/** Whether a captured workload is an instance of a declared one.
 *
 * @example
 * ```ts
 * workloadMatches(capturedPodRef, declared.workloads[0]); // true for pod agent-5d8f… of Deployment agent
 * ```
 */
export function workloadMatches(
  ref: WorkloadRef,
  w: Pick<DeclaredWorkload, 'kind' | 'name' | 'namespace' | 'serviceAccount' | 'labels'>,
): boolean {
  if (ref.namespace !== undefined && ref.namespace !== w.namespace) return false;
  if (ref.namespace === undefined) return false;
  const sa = w.serviceAccount.split('/').pop();
  const podName = ref.pod ?? ref.name;
  if (w.kind === 'Pod') return podName === w.name;
  if (podName?.startsWith(`${w.name}-`)) return true;
  const labels = Object.entries(w.labels);
  if (labels.length > 0 && labels.every(([k, v]) => ref.labels[k] === v)) return true;
  return ref.serviceAccount !== undefined && ref.serviceAccount === sa && podName === undefined;
}

function rankOf(g: Grant): number {
  return Math.round((g.inherentRisk.score * g.inherentRisk.reach * 100) / 40);
}

function fileRelevant(u: ObservedUse, mounts: readonly string[]): 'mount' | 'rootfs' | undefined {
  if (u.target.domain !== 'file') return undefined;
  const path = u.target.path;
  if (mounts.some((m) => pathUnder(m, path))) return 'mount';
  if (u.action === 'write' && !PSEUDO_FS.some((p) => pathUnder(p, path))) return 'rootfs';
  return undefined;
}

function observable(g: Grant, uids: readonly number[] | undefined): boolean {
  const nonRootOnly = uids !== undefined && uids.length > 0 && uids.every((u) => u !== 0);
  if (g.domain === 'capability') return nonRootOnly || OBSERVABLE_CAPABILITIES.has(g.action);
  if (g.domain === 'host') return g.action === 'runAsRoot' ? uids !== undefined && uids.length > 0 : false;
  return true;
}

/**
 * Compares declared grants with observed use, per workload and per
 * permission domain. Unused grants are ranked by inherent risk × reach
 * (cluster-wide `secrets get` outranks namespaced `configmaps list`); uses no
 * grant explains and refused attempts are listed; the observation window
 * gives the confidence of every conclusion.
 *
 * @example
 * ```ts
 * import { analyzeGaps, loadDeclaredPermissions, ObservedUseAccumulator } from '@vigil/core';
 *
 * const declared = await loadDeclaredPermissions(['deploy/']);
 * const acc = new ObservedUseAccumulator();
 * for (const ev of events) acc.add(ev);
 * const report = analyzeGaps(declared, acc.result());
 * console.log(report.totals);
 * ```
 */
export function analyzeGaps(
  declared: DeclaredPermissions,
  observed: ObservedUseDocument,
  options: GapAnalysisOptions = {},
): GapReport {
  const groups = new Groups();
  for (const s of declared.subjects) groups.add(s.id);
  for (const g of declared.grants) groups.add(g.subject);
  for (const w of declared.workloads) {
    groups.union(w.subject, w.serviceAccount);
    if (w.awsRole) groups.union(w.subject, w.awsRole);
  }
  for (const s of declared.subjects) if (s.awsRole) groups.union(s.id, s.awsRole);

  // Captured workloads → declared groups.
  const captured = new Map<string, string>();
  const observedAs = new Map<string, WorkloadRef[]>();
  for (const ref of observed.workloads) {
    const bound = options.bindings?.[ref.id] ?? options.bindings?.['*'];
    let target: string | undefined = bound !== undefined && groups.has(bound) ? bound : undefined;
    if (target === undefined) {
      const matches = declared.workloads.filter((w) => workloadMatches(ref, w));
      if (matches.length === 1) target = matches[0]!.subject;
    }
    if (target === undefined) continue;
    const root = groups.find(target);
    captured.set(`workload:${ref.id}`, root);
    const list = observedAs.get(root) ?? [];
    list.push(ref);
    observedAs.set(root, list);
  }

  const grantsByGroup = new Map<string, Grant[]>();
  for (const g of declared.grants) {
    const root = groups.find(g.subject);
    const list = grantsByGroup.get(root) ?? [];
    list.push(g);
    grantsByGroup.set(root, list);
  }
  const mcpGroupsByServer = new Map<string, Set<string>>();
  for (const g of declared.grants)
    if (g.target.domain === 'mcp-tool') {
      const s = mcpGroupsByServer.get(g.target.server) ?? new Set();
      s.add(groups.find(g.subject));
      mcpGroupsByServer.set(g.target.server, s);
    }

  const usesByGroup = new Map<string, ObservedUse[]>();
  const unmatched = new Map<string, number>();
  const push = (root: string, u: ObservedUse) => {
    const list = usesByGroup.get(root) ?? [];
    list.push(u);
    usesByGroup.set(root, list);
  };
  for (const u of observed.uses) {
    if (u.target.domain === 'mcp-tool') {
      const bound = captured.get(u.subject);
      const mcpGroups = mcpGroupsByServer.get(u.target.server);
      if (
        mcpGroups &&
        mcpGroups.size > 0 &&
        !(bound && grantsByGroup.get(bound)?.some((g) => g.domain === 'mcp-tool'))
      ) {
        for (const r of mcpGroups) push(r, u);
        continue;
      }
    }
    const root = captured.get(u.subject) ?? (groups.has(u.subject) ? groups.find(u.subject) : undefined);
    if (root === undefined) {
      unmatched.set(u.subject, (unmatched.get(u.subject) ?? 0) + 1);
      continue;
    }
    push(root, u);
  }

  const anyUseIn = (d: PermissionDomain) => observed.uses.some((u) => u.domain === d);
  const familyOf = (d: PermissionDomain) =>
    d === 'kubernetes-api' || d === 'cloud-api' ? d : ('workload' as const);
  const domainCoverage = (d: PermissionDomain) => {
    const w = observed.windows?.[familyOf(d)];
    return w
      ? coverageOf(w.start, w.end)
      : observed.windows
        ? coverageOf(0, 0)
        : coverageOf(observed.window.start, observed.window.end);
  };
  const forced = new Set(options.observedDomains ?? []);
  const workloads: WorkloadGap[] = [];
  const roots = new Set([...grantsByGroup.keys(), ...usesByGroup.keys()]);
  for (const root of [...roots].sort()) {
    const grants = grantsByGroup.get(root) ?? [];
    const uses = usesByGroup.get(root) ?? [];
    const refs = observedAs.get(root) ?? [];
    const decl = declared.workloads.find((w) => w.subject === root);
    const uids = refs.flatMap((r) => observed.uids[`workload:${r.id}`] ?? []);
    const members = [
      ...new Set([
        root,
        ...declared.subjects.map((s) => s.id).filter((id) => groups.has(id) && groups.find(id) === root),
      ]),
    ];
    const mounts = [
      ...new Set(
        grants.flatMap((g) =>
          g.target.domain === 'file' && g.target.backing !== 'rootfs' ? [g.target.path] : [],
        ),
      ),
    ];
    const domains: DomainGap[] = [];
    for (const domain of PERMISSION_DOMAINS) {
      const dGrants = grants.filter((g) => g.domain === domain);
      let dUses = uses.filter((u) => u.domain === domain);
      if (dGrants.length === 0 && dUses.length === 0) continue;
      if (domain === 'file') dUses = dUses.filter((u) => fileRelevant(u, mounts) !== undefined);
      const allow = dGrants.filter((g) => g.effect === 'allow');
      const deny = dGrants.filter((g) => g.effect === 'deny');
      const exercised = new Set<string>();
      const ungranted: ObservedUse[] = [];
      const coveredUses: ObservedUse[] = [];
      let implicit = 0;
      const denied: ObservedUse[] = [];
      let distinctUses = 0;
      for (const u of dUses) {
        if (u.denied > 0) denied.push(u);
        if (u.count === 0) continue;
        distinctUses++;
        let covering = grantsCovering(allow, u) ?? [];
        if (domain === 'network-egress' && covering.length > 1) {
          // The narrowest peer wins: a connection inside 10.0.0.0/8 does not exercise a 0.0.0.0/0 rule too.
          const width = (g: Grant) =>
            g.target.domain !== 'network-egress' || g.target.peer === '*'
              ? 0
              : g.target.peer.startsWith('selector:')
                ? 16
                : Number(g.target.peer.split('/')[1] ?? 128);
          const narrowest = covering.reduce((m, g) => Math.max(m, width(g)), 0);
          covering = covering.filter((g) => width(g) === narrowest);
        }
        if (domain === 'file' && covering.length > 1) {
          // The most specific mount wins: a write under an emptyDir is not a root filesystem write.
          const longest = covering.reduce(
            (m, g) => Math.max(m, g.target.domain === 'file' ? g.target.path.length : 0),
            0,
          );
          covering = covering.filter((g) => g.target.domain === 'file' && g.target.path.length === longest);
        }
        const explicitlyDenied = deniedBy(deny, u);
        if (
          covering.length === 0 &&
          !explicitlyDenied &&
          domain === 'kubernetes-api' &&
          grantsCovering(DEFAULT_AUTHENTICATED_GRANTS, u)
        ) {
          implicit++;
          continue;
        }
        if (covering.length === 0 || explicitlyDenied) ungranted.push(u);
        else {
          coveredUses.push(u);
          for (const g of covering) exercised.add(g.id);
        }
      }
      const isObserved =
        forced.has(domain) ||
        (domain === 'kubernetes-api' || domain === 'cloud-api' || domain === 'data-access'
          ? anyUseIn(domain)
          : domain === 'mcp-tool'
            ? anyUseIn('mcp-tool') || refs.length > 0
            : refs.length > 0);
      const unused: UnusedGrant[] = allow
        .filter((g) => !exercised.has(g.id))
        .map((g) => ({ grant: g, rank: rankOf(g), observable: isObserved && observable(g, uids) }))
        .sort((a, b) => b.rank - a.rank || a.grant.id.localeCompare(b.grant.id));
      domains.push({
        domain,
        observed: isObserved,
        coverage: domainCoverage(domain),
        granted: allow.length,
        used: exercised.size,
        ratio: allow.length === 0 ? 0 : exercised.size / allow.length,
        distinctUses,
        usedGrants: [...exercised].sort(),
        uses: coveredUses,
        unused,
        ungranted,
        implicit,
        denied,
      });
    }
    const granted = domains.reduce((a, d) => a + d.granted, 0);
    const used = domains.reduce((a, d) => a + d.used, 0);
    workloads.push({
      id: root,
      name: decl ? `${decl.kind}/${decl.name}` : root,
      ...(decl ? { namespace: decl.namespace } : {}),
      subjects: members.sort(),
      observedAs: refs,
      domains,
      granted,
      used,
      ratio: granted === 0 ? 0 : used / granted,
    });
  }
  const granted = workloads.reduce((a, w) => a + w.granted, 0);
  const used = workloads.reduce((a, w) => a + w.used, 0);
  const all = workloads.flatMap((w) => w.domains);
  return {
    schemaVersion: GAP_REPORT_SCHEMA_VERSION,
    kind: 'GapReport',
    coverage: coverageOf(observed.window.start, observed.window.end),
    inputs: {
      declared: declared.inputs,
      events: observed.events,
      distinctUses: observed.uses.length,
      ...(options.skipped && options.skipped.length > 0 ? { skipped: [...options.skipped] } : {}),
    },
    workloads,
    unmatched: [...unmatched].map(([subject, uses]) => ({ subject, uses })).sort((a, b) => b.uses - a.uses),
    totals: {
      granted,
      used,
      ratio: granted === 0 ? 0 : used / granted,
      unusedObservable: all.reduce((a, d) => a + d.unused.filter((u) => u.observable).length, 0),
      ungranted: all.reduce((a, d) => a + d.ungranted.length, 0),
      denied: all.reduce((a, d) => a + d.denied.length, 0),
    },
  };
}
