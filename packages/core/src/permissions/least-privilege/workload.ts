import { countOf } from '../../output/count-text.js';
import type { DeclaredWorkload } from '../declared.js';
import { OBSERVABLE_CAPABILITIES } from '../gap/analyze.js';
import type { Grant } from '../grant.js';
import { DEFAULT_CONTAINER_CAPABILITIES, SERVICE_ACCOUNT_TOKEN_DIR } from '../kubernetes/workloads.js';
import { cidrContains, grantCovers, pathUnder } from '../match.js';
import type { ObservedUse } from '../observed/use.js';

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/**
 * A NetworkPolicy whose egress allows exactly the observed, granted
 * connections of a workload: one rule per peer with its ports (a `/32` or
 * `/128` ipBlock, or the declared selector peer when the connection went to
 * pods the declared policy selected). No observed egress yields a policy that
 * denies all egress. Loopback traffic is not subject to NetworkPolicy and is left out.
 *
 * @example
 * ```ts
 * const { object } = leastPrivilegeNetworkPolicy(declared.workloads[0], egressUses, declared.grants);
 * ```
 */
export function leastPrivilegeNetworkPolicy(
  w: DeclaredWorkload,
  uses: readonly ObservedUse[],
  declared: readonly Grant[],
): { object: Record<string, unknown>; notes: string[] } {
  const allow = declared.filter((g) => g.domain === 'network-egress' && g.effect === 'allow');
  const notes: string[] = [];
  const peers = new Map<
    string,
    {
      to: Record<string, unknown> | undefined;
      via: Grant | undefined;
      ports: Map<string, { protocol: string; port: number }>;
    }
  >();
  for (const u of uses) {
    if (u.target.domain !== 'network-egress' || u.count === 0) continue;
    const t = u.target;
    if (LOOPBACK.some((c) => cidrContains(c, t.address))) continue;
    const covering = allow.filter((g) => grantCovers(g, u));
    if (covering.length === 0) continue;
    const selectorOnly = covering.every(
      (g) => g.target.domain === 'network-egress' && g.target.peer.startsWith('selector:'),
    );
    // Pod IPs change: a connection the declared policy allowed only through a selector keeps that selector.
    const via = selectorOnly ? covering[0] : undefined;
    const key = via ? `sel:${via.id}` : `ip:${t.address}`;
    const to = via
      ? selectorPeer(via)
      : { ipBlock: { cidr: `${t.address}/${t.address.includes(':') ? 128 : 32}` } };
    const p = peers.get(key) ?? { to, via, ports: new Map() };
    p.ports.set(`${t.protocol}/${t.port}`, { protocol: t.protocol, port: t.port });
    peers.set(key, p);
  }
  const egress: Record<string, unknown>[] = [];
  for (const [, p] of [...peers].sort(([a], [b]) => a.localeCompare(b))) {
    const ports = [...p.ports.values()].sort(
      (a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port,
    );
    if (!p.to) {
      notes.push(
        `egress through ${p.via?.target.domain === 'network-egress' ? p.via.target.peer : 'a selector'} uses match expressions Vigil does not rebuild; copy that peer from the declared policy`,
      );
      continue;
    }
    egress.push({ to: [p.to], ports });
    if (p.via) notes.push(`egress to in-cluster pods kept as the declared selector peer`);
  }
  if (egress.length === 0) notes.push('no egress observed: the policy denies all egress (DNS included)');
  else notes.unshift(`${countOf(egress.length, 'egress rule')}, one per observed peer, with the ports used`);
  const object: Record<string, unknown> = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: `${w.name}-egress-least-privilege`.slice(0, 253),
      namespace: w.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'vigil' },
    },
    spec: {
      podSelector: Object.keys(w.labels).length > 0 ? { matchLabels: { ...w.labels } } : {},
      policyTypes: ['Egress'],
      egress,
    },
  };
  if (Object.keys(w.labels).length === 0)
    notes.push(
      `${w.kind}/${w.name} has no pod labels: the policy selects every pod in ${w.namespace}; add labels`,
    );
  return { object, notes };
}

/** Rebuilds the peer object of a selector grant from its text form (`matchLabels` only). */
function selectorPeer(g: Grant): Record<string, unknown> | undefined {
  if (g.target.domain !== 'network-egress') return undefined;
  const m = /^selector:(?:ns\[(.*?)\])?(?:pod\[(.*?)\])?$/.exec(g.target.peer);
  if (!m) return undefined;
  const parse = (text: string | undefined): Record<string, unknown> | undefined => {
    if (text === undefined) return undefined;
    if (text === '(all)') return {};
    const matchLabels: Record<string, string> = {};
    for (const part of text.split(',')) {
      const kv = /^([^=\s]+)=(.*)$/.exec(part);
      if (!kv) return undefined; // expressions: not reconstructed
      matchLabels[kv[1]!] = kv[2]!;
    }
    return { matchLabels };
  };
  const ns = parse(m[1]);
  const pod = parse(m[2]);
  if (m[1] !== undefined && ns === undefined) return undefined;
  if (m[2] !== undefined && pod === undefined) return undefined;
  return { ...(ns ? { namespaceSelector: ns } : {}), ...(pod ? { podSelector: pod } : {}) };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

type Obj = Record<string, unknown>;

function podSpecOf(manifest: Obj, kind: string): Obj | undefined {
  const spec = manifest['spec'] as Obj | undefined;
  if (!spec) return undefined;
  if (kind === 'Pod') return spec;
  if (kind === 'CronJob')
    return (
      ((((spec['jobTemplate'] as Obj)?.['spec'] as Obj)?.['template'] as Obj)?.['spec'] as Obj) ?? undefined
    );
  return ((spec['template'] as Obj)?.['spec'] as Obj) ?? undefined;
}

/**
 * The workload's manifest with a tightened security context, from what the
 * workload did: capabilities reduced to those used (capabilities Vigil cannot
 * observe are kept unless every process ran as a non-root user), a read-only
 * root filesystem when nothing wrote to it (with `emptyDir` mounts for the few
 * directories that were written), no service account token when it was never
 * read and no API call was made, `runAsNonRoot` and no privilege escalation
 * when no process ran as root, and no `privileged` when no capability beyond
 * the defaults was used. Host namespaces cannot be observed and are left as
 * declared, with a note.
 *
 * @example
 * ```ts
 * const { object, notes } = leastPrivilegeWorkload(declared.workloads[0], uses, {
 *   uids: [1000], kubernetesApiCalls: 0, kubernetesApiObserved: true,
 * });
 * ```
 */
export function leastPrivilegeWorkload(
  w: DeclaredWorkload,
  uses: readonly ObservedUse[],
  context: { uids: readonly number[]; kubernetesApiCalls: number; kubernetesApiObserved: boolean },
): { object: Record<string, unknown>; notes: string[] } {
  const manifest = clone(w.manifest) as Obj;
  const spec = podSpecOf(manifest, w.kind);
  const notes: string[] = [];
  if (!spec) return { object: manifest, notes: ['no pod spec found'] };
  const nonRootOnly = context.uids.length > 0 && context.uids.every((u) => u !== 0);
  const usedCaps = new Set(uses.filter((u) => u.domain === 'capability' && u.count > 0).map((u) => u.action));
  const fileUses = uses.filter((u) => u.target.domain === 'file' && u.count > 0);
  const mounts = w.containers.flatMap((c) => c.mounts.map((m) => m.mountPath));
  const rootfsWrites = fileUses.filter(
    (u) =>
      u.action === 'write' &&
      u.target.domain === 'file' &&
      !mounts.some((m) => pathUnder(m, (u.target as { path: string }).path)) &&
      !['/proc', '/sys', '/dev'].some((p) => pathUnder(p, (u.target as { path: string }).path)),
  );
  const tokenRead = fileUses.some(
    (u) => u.target.domain === 'file' && pathUnder(SERVICE_ACCOUNT_TOKEN_DIR, u.target.path),
  );
  const writtenDirs = [
    ...new Set(
      rootfsWrites.map((u) => {
        const parts = (u.target as { path: string }).path.split('/').filter(Boolean);
        return `/${parts
          .slice(0, Math.max(1, parts.length - 1))
          .slice(0, 2)
          .join('/')}`;
      }),
    ),
  ].sort();
  for (const listName of ['containers', 'initContainers'] as const) {
    const list = (spec[listName] as Obj[] | undefined) ?? [];
    for (const c of list) {
      const decl = w.containers.find((d) => d.name === c['name']);
      if (!decl) continue;
      const sc = ((c['securityContext'] as Obj | undefined) ?? {}) as Obj;
      const keep = decl.capabilities.filter(
        (cap) => usedCaps.has(cap) || (!nonRootOnly && !OBSERVABLE_CAPABILITIES.has(cap)),
      );
      const dropped = decl.capabilities.filter((cap) => !keep.includes(cap));
      const beyondDefault = keep.filter(
        (cap) => !DEFAULT_CONTAINER_CAPABILITIES.includes(cap) && usedCaps.has(cap),
      );
      if (decl.privileged && beyondDefault.length === 0) {
        sc['privileged'] = false;
        notes.push(`${decl.name}: privileged removed (no capability beyond the runtime defaults was used)`);
      }
      const effectiveKeep = decl.privileged && sc['privileged'] !== false ? decl.capabilities : keep;
      if (sc['privileged'] !== true) {
        sc['capabilities'] = {
          drop: ['ALL'],
          ...(effectiveKeep.length > 0 ? { add: effectiveKeep.map((x) => x.replace(/^CAP_/, '')) } : {}),
        };
        if (dropped.length > 0)
          notes.push(`${decl.name}: dropped ${dropped.length} unused capabilities (${dropped.join(', ')})`);
        const unverified = keep.filter((cap) => !usedCaps.has(cap));
        if (unverified.length > 0)
          notes.push(
            `${decl.name}: kept ${unverified.join(', ')}: their use cannot be observed while processes run as root; verify`,
          );
      }
      if (!decl.readOnlyRootFilesystem) {
        if (rootfsWrites.length === 0) {
          sc['readOnlyRootFilesystem'] = true;
          notes.push(`${decl.name}: readOnlyRootFilesystem (nothing wrote to the root filesystem)`);
        } else if (writtenDirs.length <= 3) {
          sc['readOnlyRootFilesystem'] = true;
          const vms = ((c['volumeMounts'] as Obj[] | undefined) ?? []).slice();
          const volumes = ((spec['volumes'] as Obj[] | undefined) ?? []).slice();
          writtenDirs.forEach((dir, i) => {
            const vname = `vigil-writable-${i}`;
            if (!volumes.some((v) => v['name'] === vname)) volumes.push({ name: vname, emptyDir: {} });
            vms.push({ name: vname, mountPath: dir });
          });
          c['volumeMounts'] = vms;
          spec['volumes'] = volumes;
          notes.push(
            `${decl.name}: readOnlyRootFilesystem with emptyDir mounts for ${writtenDirs.join(', ')} (the only directories written)`,
          );
        } else
          notes.push(
            `${decl.name}: root filesystem left writable (writes under ${writtenDirs.length} directories)`,
          );
      }
      if (nonRootOnly) {
        sc['runAsNonRoot'] = true;
        sc['allowPrivilegeEscalation'] = false;
        notes.push(
          `${decl.name}: runAsNonRoot and allowPrivilegeEscalation: false (every process ran as uid ${[...new Set(context.uids)].join(', ')})`,
        );
      } else if (context.uids.length === 0)
        notes.push(`${decl.name}: user ids were not recorded; runAsNonRoot not decided`);
      c['securityContext'] = sc;
    }
  }
  if (w.automountToken && !tokenRead && context.kubernetesApiObserved && context.kubernetesApiCalls === 0) {
    spec['automountServiceAccountToken'] = false;
    notes.push('automountServiceAccountToken: false (the token was never read and no API call was made)');
  } else if (w.automountToken && tokenRead) notes.push('service account token kept: it was read');
  for (const flag of ['hostNetwork', 'hostPID', 'hostIPC'] as const)
    if (w[flag])
      notes.push(`${flag} left as declared: its use cannot be observed from events; remove it unless needed`);
  return { object: manifest, notes };
}
