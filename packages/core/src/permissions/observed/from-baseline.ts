import type { BaselineEntryDocument, BaselineSetDocument } from '../../baseline/schema.js';
import type { WorkloadRef } from '../../workload/workload-ref.js';
import { subjectId, subjectOfAwsPrincipal } from '../grant.js';
import {
  awsServicePrefix,
  OBSERVED_USE_SCHEMA_VERSION,
  type ObservedTarget,
  type ObservedUse,
  type ObservedUseDocument,
  workloadSubject,
} from './use.js';

function total(e: BaselineEntryDocument): number {
  return Object.values(e.counts).reduce((a, b) => a + b, 0);
}

const SYSCALL_CAPS: Record<string, string> = {
  ptrace: 'CAP_SYS_PTRACE',
  'module.load': 'CAP_SYS_MODULE',
  bpf: 'CAP_BPF',
  mount: 'CAP_SYS_ADMIN',
  umount: 'CAP_SYS_ADMIN',
  pivot_root: 'CAP_SYS_ADMIN',
  unshare: 'CAP_SYS_ADMIN',
  setns: 'CAP_SYS_ADMIN',
  capset: 'CAP_SETPCAP',
};

function capOfSyscall(segs: readonly string[]): string | undefined {
  const s = segs[0] ?? '';
  if (SYSCALL_CAPS[s]) return SYSCALL_CAPS[s];
  if (s === 'clone' && segs[1] !== undefined && segs[1] !== '-') return 'CAP_SYS_ADMIN';
  if (/^set(re|res|fs)?uid$/.test(s)) return 'CAP_SETUID';
  if (/^set(re|res|fs)?gid$/.test(s)) return 'CAP_SETGID';
  return undefined;
}

/** `egress tcp name(1.2.3.4):443` / `egress tcp 1.2.3.4:443` → address, port, name. */
function parsePeerExample(
  text: string,
): { protocol: string; address: string; port: number; dnsName?: string } | undefined {
  const m = /^egress (\w+) (?:([^\s(]+)\(([^)]+)\)|(\S+?)):(\d+)$/.exec(text);
  if (!m) return undefined;
  const address = m[3] ?? m[4]!;
  return { protocol: m[1]!, address, port: Number(m[5]), ...(m[2] ? { dnsName: m[2] } : {}) };
}

function peerFromPattern(
  segs: readonly string[],
): { protocol: string; address: string; port: number; dnsName?: string } | undefined {
  if (segs[0] !== 'egress') return undefined;
  const protocol = segs[1] ?? 'tcp';
  const last = segs[segs.length - 1] ?? '';
  if (!last.startsWith(':')) return undefined;
  const port = Number(last.slice(1));
  const host = segs.slice(2, -1);
  if (!Number.isInteger(port) || host.some((s) => s === '*' || s.startsWith('<'))) return undefined;
  if (host[0] === 'ip4') return { protocol, address: host.slice(1).join('.'), port };
  if (host[0] === 'ip6') return { protocol, address: host.slice(1).join(':'), port };
  if (host[0] === 'dns') {
    const name = host.slice(1).reverse().join('.');
    return { protocol, address: name, port, dnsName: name };
  }
  return undefined;
}

/**
 * Observed use from a baseline set (what `vigil learn` writes): the
 * generalised files, egress peers, tools, capabilities and privileged
 * syscalls, Kubernetes and cloud API calls each workload was seen using,
 * with their counts and first/last times. Generalised segments (`*`,
 * `<tmp>`, …) stay in file paths; egress peers come from the entry's
 * concrete examples. Baselines keep no user ids and no refused attempts, so
 * `runAsRoot` and denials are not known from them.
 *
 * @example
 * ```ts
 * import { observedUseFromBaseline, readBaselineFile } from '@vigil/core';
 *
 * const set = await readBaselineFile('agent.baseline.json');
 * const observed = observedUseFromBaseline(set.toDocument());
 * ```
 */
export function observedUseFromBaseline(doc: BaselineSetDocument): ObservedUseDocument {
  const uses = new Map<string, ObservedUse>();
  const workloads = new Map<string, WorkloadRef>();
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  let events = 0;
  const record = (
    subject: string,
    action: string,
    target: ObservedTarget,
    e: BaselineEntryDocument,
    count = total(e),
  ) => {
    const key = `${subject}\u0000${action}\u0000${JSON.stringify(target)}`;
    const u = uses.get(key);
    if (u) {
      u.count += count;
      u.firstTs = Math.min(u.firstTs, e.firstSeen);
      u.lastTs = Math.max(u.lastTs, e.lastSeen);
    } else
      uses.set(key, {
        subject,
        domain: target.domain,
        action,
        target,
        count: Math.max(1, count),
        denied: 0,
        firstTs: e.firstSeen,
        lastTs: e.lastSeen,
        origins: ['replay'],
      });
  };
  for (const b of doc.baselines) {
    workloads.set(b.workload.id, b.workload);
    const ws = workloadSubject(b.workload);
    for (const l of Object.values(b.learning)) {
      start = Math.min(start, l.firstSeen);
      end = Math.max(end, l.lastSeen);
      events += l.observations;
    }
    const k8sSubject = b.workload.id.startsWith('k8s:serviceaccount:')
      ? b.workload.id
      : b.workload.serviceAccount
        ? subjectId('k8s-serviceaccount', b.workload.serviceAccount, b.workload.namespace)
        : ws;
    for (const e of b.entries.files ?? []) {
      const last = e.pattern[e.pattern.length - 1] ?? '';
      const access = last.startsWith('@') ? last.slice(1) : 'read';
      const path = `/${(last.startsWith('@') ? e.pattern.slice(0, -1) : e.pattern).join('/')}`;
      record(ws, access === 'write' ? 'write' : 'read', { domain: 'file', path }, e);
    }
    for (const e of b.entries.peers ?? []) {
      const concrete = (e.examples ?? []).map(parsePeerExample).filter((x) => x !== undefined);
      const peers =
        concrete.length > 0 ? concrete : [peerFromPattern(e.pattern)].filter((x) => x !== undefined);
      for (const p of peers) {
        if (p.protocol !== 'tcp' && p.protocol !== 'udp') continue;
        record(
          ws,
          'connect',
          {
            domain: 'network-egress',
            address: p.address,
            port: p.port,
            protocol: p.protocol === 'tcp' ? 'TCP' : 'UDP',
            ...(p.dnsName ? { dnsName: p.dnsName } : {}),
          },
          e,
          Math.max(1, Math.round(total(e) / peers.length)),
        );
      }
    }
    for (const e of b.entries.capabilities ?? [])
      record(ws, e.pattern[0] ?? '', { domain: 'capability', evidence: 'capset (baseline)' }, e);
    for (const e of b.entries.syscalls ?? []) {
      const cap = capOfSyscall(e.pattern);
      if (cap) record(ws, cap, { domain: 'capability', evidence: `${e.pattern.join(' ')} (baseline)` }, e);
    }
    for (const e of b.entries.tools ?? [])
      record(ws, 'call', { domain: 'mcp-tool', server: e.pattern[0] ?? '', tool: e.pattern[1] ?? '' }, e);
    for (const e of b.entries.k8s ?? []) {
      if (e.pattern[0] === 'nonresource') {
        record(
          k8sSubject,
          e.pattern[2] ?? '*',
          { domain: 'kubernetes-api', apiGroup: '', resource: '', nonResourceUrl: e.pattern[1] ?? '' },
          e,
        );
        continue;
      }
      const [group = '', resourceFull = '', ns = '', verb = ''] = e.pattern;
      const [resource = '', subresource] = resourceFull.split('/');
      record(
        k8sSubject,
        verb,
        {
          domain: 'kubernetes-api',
          apiGroup: group === 'core' ? '' : group,
          resource,
          ...(subresource ? { subresource } : {}),
          ...(ns !== '(cluster)' ? { namespace: ns } : {}),
        },
        e,
      );
    }
    for (const e of b.entries.cloud ?? []) {
      const [provider = 'aws', service = '', action = ''] = e.pattern;
      const principal = b.workload.id.replace(/^aws:/, '');
      const subject = provider === 'aws' ? subjectOfAwsPrincipal(principal) : `${provider}:${principal}`;
      const resources = (e.examples ?? [])
        .map((x) => x.split(' ').slice(2).join(' '))
        .filter((r) => r.length > 0 && r !== '-');
      const concrete =
        e.pattern[3] !== undefined &&
        e.pattern[3] !== '-' &&
        !e.pattern[3].startsWith('<') &&
        e.pattern[3] !== '*';
      record(
        subject,
        `${awsServicePrefix(service)}:${action}`,
        {
          domain: 'cloud-api',
          provider: provider === 'gcp' || provider === 'azure' ? provider : 'aws',
          resources: resources.length > 0 ? resources.sort() : concrete ? [e.pattern[3]!] : [],
        },
        e,
      );
    }
  }
  return {
    schemaVersion: OBSERVED_USE_SCHEMA_VERSION,
    kind: 'ObservedUse',
    window:
      events === 0 && end === 0 ? { start: 0, end: 0 } : { start: Number.isFinite(start) ? start : 0, end },
    events,
    workloads: [...workloads.values()],
    toolLists: {},
    uids: {},
    uses: [...uses.values()],
    overflow: 0,
  };
}
