import type { EventOf, VigilEvent } from '../events/schema.js';
import {
  ARGS_MARK,
  argumentPattern,
  dnsSegments,
  generaliseSegment,
  pathSegments,
} from '../vocabulary/generalise.js';
import { formatPeer } from '../vocabulary/network.js';
import type { BaselineDomain, GeneralisationConfig } from './generalise.js';

/**
 * One thing an event shows a workload doing, in one domain, already
 * generalised into pattern segments.
 */
export interface BaselineObservation {
  readonly domain: BaselineDomain;
  /** Generalised segments, most significant first. */
  readonly segments: readonly string[];
  /** The concrete value observed (unique per segments for a given config), e.g. the full path. */
  readonly concrete: string;
}

const MAX_CONCRETE = 240;

function clip(s: string): string {
  return s.length > MAX_CONCRETE ? `${s.slice(0, MAX_CONCRETE - 1)}…` : s;
}

function fileAccess(access: string): 'read' | 'write' | 'exec' {
  if (access === 'write' || access === 'readwrite') return 'write';
  if (access === 'exec') return 'exec';
  return 'read';
}

/**
 * Expands an IPv6 address to eight 4-digit groups; undefined when it is not one.
 *
 * @example
 * ```ts
 * expandIpv6('2001:db8::1'); // ['2001', '0db8', '0000', '0000', '0000', '0000', '0000', '0001']
 * ```
 */
export function expandIpv6(addr: string): string[] | undefined {
  let a = addr.toLowerCase();
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  if (a.includes('.')) {
    // IPv4-mapped tail, e.g. ::ffff:10.0.0.1
    const lastColon = a.lastIndexOf(':');
    const v4 = a.slice(lastColon + 1).split('.');
    if (v4.length !== 4) return undefined;
    const n = v4.map(Number);
    if (n.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
    a = `${a.slice(0, lastColon + 1)}${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`;
  }
  const halves = a.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.padStart(4, '0'));
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Segments naming a remote host: its DNS name when known, else its address octets/groups. */
function hostSegments(family: string, addr: string, dnsName: string | undefined): string[] {
  if (dnsName !== undefined && dnsName !== '') return ['dns', ...dnsSegments(dnsName)];
  if (family === 'unix') return ['unix', ...pathSegments(addr)];
  const m = IPV4.exec(addr);
  if (m) return ['ip4', m[1]!, m[2]!, m[3]!, m[4]!];
  const v6 = expandIpv6(addr);
  if (v6) return ['ip6', ...v6];
  return ['addr', generaliseSegment(addr)];
}

/**
 * What a server's tool list teaches a baseline while learning: each tool it
 * offered, as the `tools` observation a call of that tool gives. A tool of a
 * server the agent connected to and listed while learning is one of the
 * agent's tools, not a new server or tool when a task first calls it; what
 * that call then does is judged per tool (`toolEffects`). Only the learner
 * uses these: a list seen while checking is no behaviour of its own (changed
 * definitions are the scanners' and rules' to judge). Prompt and resource
 * lists teach nothing here.
 *
 * `listedToolObservations(notesList)` is
 * `[{ domain: 'tools', segments: ['team-notes', 'lookup_note'], concrete: 'team-notes/lookup_note' }]`.
 */
export function listedToolObservations(ev: VigilEvent): BaselineObservation[] {
  if (ev.kind !== 'tool.list' || (ev.listKind ?? 'tools') !== 'tools') return [];
  return ev.tools.map((t) => ({
    domain: 'tools',
    segments: [ev.server, t.name],
    concrete: `${ev.server}/${t.name}`,
  }));
}

/**
 * The observations one event contributes to a baseline (none for events such
 * as `process.exit` that describe no new behaviour). `withConcrete: false`
 * may leave `concrete` empty where building it costs (coverage checks).
 *
 * @example
 * ```ts
 * import { DEFAULT_GENERALISATION, observeEvent } from '@vigil/core';
 *
 * observeEvent(fileOpenEvent, DEFAULT_GENERALISATION);
 * // [{ domain: 'files', segments: ['tmp', '<tmp>', '@write'], concrete: '/tmp/tmpk3j2x9 (write)' }]
 * ```
 */
export function observeEvent(
  ev: VigilEvent,
  config: GeneralisationConfig,
  withConcrete = true,
): BaselineObservation[] {
  if (!withConcrete) {
    // Hot path of coverage checks: only the segments matter.
    if (ev.kind === 'file.open') {
      const segs = pathSegments(ev.path);
      segs.push(`@${fileAccess(ev.access)}`);
      return [{ domain: 'files', segments: segs, concrete: '' }];
    }
    if (ev.kind === 'process.exec') {
      const segs = pathSegments(ev.filename);
      segs.push(ARGS_MARK, argumentPattern(ev.argv, config.maxArgs));
      return [{ domain: 'processes', segments: segs, concrete: '' }];
    }
  }
  switch (ev.kind) {
    case 'process.exec': {
      const segs = pathSegments(ev.filename);
      segs.push(ARGS_MARK, argumentPattern(ev.argv, config.maxArgs));
      return [
        {
          domain: 'processes',
          segments: segs,
          concrete: clip(`${ev.filename} ${ev.argv.slice(1).join(' ')}`.trimEnd()),
        },
      ];
    }
    case 'file.open': {
      const access = fileAccess(ev.access);
      const segs = pathSegments(ev.path);
      segs.push(`@${access}`);
      return [{ domain: 'files', segments: segs, concrete: clip(`${ev.path} (${access})`) }];
    }
    case 'net.connect': {
      const host = hostSegments(ev.family, ev.daddr, ev.dnsName);
      const segs = ['egress', ev.protocol, ...host];
      if (ev.family !== 'unix') segs.push(`:${ev.dport}`);
      const shown = ev.dnsName ? `${ev.dnsName}(${ev.daddr})` : ev.daddr;
      return [
        {
          domain: 'peers',
          segments: segs,
          concrete: clip(
            ev.family === 'unix' ? `egress ${formatPeer(ev)}` : `egress ${ev.protocol} ${shown}:${ev.dport}`,
          ),
        },
      ];
    }
    case 'net.accept': {
      const segs = ['ingress', ev.protocol, `:${ev.lport}`, ...hostSegments(ev.family, ev.raddr, undefined)];
      return [
        {
          domain: 'peers',
          segments: segs,
          concrete: clip(`ingress ${ev.protocol} :${ev.lport} from ${ev.raddr}`),
        },
      ];
    }
    case 'net.bind':
    case 'net.listen': {
      const segs = ['listen', ev.protocol, `:${ev.port}`, ev.family === 'unix' ? 'unix' : ev.addr];
      return [
        { domain: 'peers', segments: segs, concrete: clip(`listen ${ev.protocol} ${ev.addr}:${ev.port}`) },
      ];
    }
    case 'dns.query':
      return [{ domain: 'dns', segments: dnsSegments(ev.name), concrete: clip(ev.name.toLowerCase()) }];
    case 'priv.change': {
      const out: BaselineObservation[] = [];
      if (ev.syscall === 'capset') {
        for (const cap of ev.capEffective ?? [])
          out.push({ domain: 'capabilities', segments: [cap], concrete: cap });
        out.push({ domain: 'syscalls', segments: ['capset'], concrete: 'capset' });
      } else {
        const ids = (ev.ids ?? []).map((i) => (i === 0 ? '0' : i === -1 ? '-1' : 'id')).join(',');
        out.push({
          domain: 'syscalls',
          segments: [ev.syscall, ids],
          concrete: `${ev.syscall}(${(ev.ids ?? []).join(',')})`,
        });
      }
      return out;
    }
    case 'ns.change': {
      const what =
        ev.namespaces && ev.namespaces.length > 0 ? [...ev.namespaces].sort().join('|') : (ev.fstype ?? '-');
      return [
        {
          domain: 'syscalls',
          segments: [ev.syscall, what],
          concrete: clip(`${ev.syscall} ${what} ${ev.target ?? ''}`.trim()),
        },
      ];
    }
    case 'ptrace':
      return [
        {
          domain: 'syscalls',
          segments: ['ptrace', ev.requestName],
          concrete: `ptrace ${ev.requestName} ${ev.targetPid}`,
        },
      ];
    case 'module.load':
      return [{ domain: 'syscalls', segments: ['module.load', ev.name], concrete: `module.load ${ev.name}` }];
    case 'bpf.load':
      return [
        {
          domain: 'syscalls',
          segments: ['bpf', ev.command, ev.programType ?? '-'],
          concrete: `bpf ${ev.command} ${ev.programType ?? ''} ${ev.programName ?? ''}`.trim(),
        },
      ];
    case 'memfd.create':
      return [
        {
          domain: 'syscalls',
          segments: ['memfd_create', generaliseSegment(ev.name)],
          concrete: `memfd_create ${ev.name}`,
        },
      ];
    case 'tool.call':
      return [{ domain: 'tools', segments: [ev.server, ev.tool], concrete: `${ev.server}/${ev.tool}` }];
    case 'model.call':
      return [
        { domain: 'models', segments: [ev.provider, ev.model], concrete: `${ev.provider}/${ev.model}` },
      ];
    case 'retrieval':
      return retrievalObservations(ev);
    case 'k8s.api': {
      if (ev.nonResourceUrl !== undefined) {
        return [
          {
            domain: 'k8s',
            segments: ['nonresource', ev.nonResourceUrl, ev.verb],
            concrete: `${ev.verb} ${ev.nonResourceUrl}`,
          },
        ];
      }
      const resource = ev.subresource ? `${ev.resource}/${ev.subresource}` : ev.resource;
      const group = ev.apiGroup || 'core';
      const ns = ev.namespace ?? '(cluster)';
      return [
        {
          domain: 'k8s',
          segments: [group, resource, ns, ev.verb],
          concrete: clip(`${ev.verb} ${group}/${resource} in ${ns}${ev.name ? ` (${ev.name})` : ''}`),
        },
      ];
    }
    case 'cloud.api': {
      const resources = ev.resources.length > 0 ? ev.resources : ['-'];
      return resources.map((r) => ({
        domain: 'cloud' as const,
        segments: [ev.provider, ev.service, ev.action, r === '-' ? '-' : generaliseSegment(r)],
        concrete: clip(`${ev.provider} ${ev.service}:${ev.action} ${r}`),
      }));
    }
    default:
      return [];
  }
}

/**
 * The retrieval observations of one request: one per table or collection it
 * touched, as `store / collection / operation / principal`. A collection the
 * request wrote takes the request's operation (`upsert`, `delete`); one it
 * only read is a `query`. The principal is the database role, or `key:` and
 * the first 12 hex digits of the API key's hash, or `-`.
 *
 * @example
 * ```ts
 * import { retrievalObservations } from '@vigil/core';
 *
 * retrievalObservations(insertSelectEvent).map((o) => o.concrete);
 * // ['postgresql/docs upsert as ingest', 'postgresql/staging query as ingest']
 * ```
 */
export function retrievalObservations(ev: EventOf<'retrieval'>): BaselineObservation[] {
  const store = ev.store ?? '-';
  const principal =
    ev.principal ?? (ev.principalHash !== undefined ? `key:${ev.principalHash.slice(0, 12)}` : '-');
  const op = ev.operation ?? 'query';
  const writes = op === 'upsert' || op === 'delete';
  const collections = ev.collections && ev.collections.length > 0 ? ev.collections : [ev.dataSource];
  const out: BaselineObservation[] = [];
  const seen = new Set<string>();
  for (const c of collections) {
    if (seen.has(c)) continue;
    seen.add(c);
    const cop = writes && !(ev.written ?? [ev.dataSource]).includes(c) ? 'query' : op;
    out.push({
      domain: 'retrievals',
      segments: [store, c, cop, principal],
      concrete: clip(`${store}/${c} ${cop} as ${principal}`),
    });
  }
  return out;
}

/**
 * Shows a pattern the way people read it: `/usr/bin/git log -n <num>`,
 * `/tmp/* (write)`, `egress tcp api.openai.com:443`, `*.s3.amazonaws.com`.
 *
 * @example
 * ```ts
 * describePattern('files', ['tmp', '*', '@write']); // '/tmp/* (write)'
 * ```
 */
export function describePattern(domain: BaselineDomain, segs: readonly string[]): string {
  switch (domain) {
    case 'processes': {
      const i = segs.indexOf(ARGS_MARK);
      const path = `/${(i >= 0 ? segs.slice(0, i) : segs).join('/')}`;
      const args = i >= 0 ? segs.slice(i + 1).join(' ') : '';
      return args ? `${path} ${args}` : path;
    }
    case 'files': {
      const last = segs[segs.length - 1];
      if (last?.startsWith('@')) return `/${segs.slice(0, -1).join('/')} (${last.slice(1)})`;
      return `/${segs.join('/')}`;
    }
    case 'peers':
      return describePeer(segs);
    case 'dns':
      return [...segs].reverse().join('.');
    case 'tools':
    case 'models':
      return segs.join('/');
    case 'retrievals': {
      // store/collection, then the operation and the principal.
      const [store = '*', collection = '*', op, principal] = segs;
      return `${store}/${collection}${op ? ` ${op}` : ''}${principal ? ` as ${principal}` : ''}`;
    }
    case 'k8s':
      if (segs[0] === 'nonresource') return `${segs[2] ?? '*'} ${segs[1] ?? '*'}`;
      return `${segs[3] ?? '*'} ${segs[0] ?? '*'}/${segs[1] ?? '*'} in ${segs[2] ?? '*'}`;
    case 'cloud':
      return `${segs[0] ?? '*'} ${segs[1] ?? '*'}:${segs[2] ?? '*'} ${segs[3] ?? '*'}`;
    case 'shells':
      return describeShellPattern(segs);
    case 'toolEffects': {
      // `server/tool`, then `@domain` and its pattern.
      const [tool = '*', inner = '@'] = segs;
      return segs.length <= 1
        ? `tool ${tool}`
        : `tool ${tool}: ${describePattern(inner.slice(1) as BaselineDomain, segs.slice(2))}`;
    }
    default:
      return segs.join(' ');
  }
}

function describeShellPattern(segs: readonly string[]): string {
  // The context is the first three segments (parent, its argument pattern, `>shell`); then `@domain` and its pattern.
  const [parent = '*', args = '', shell = '>*'] = segs;
  const context = `${shell.slice(1)} under ${parent}${args ? ` ${args}` : ''}`;
  if (segs.length <= 3) return context;
  const inner = (segs[3] ?? '@').slice(1) as BaselineDomain;
  return `${context}: ${describePattern(inner, segs.slice(4))}`;
}

function describePeer(segs: readonly string[]): string {
  const [dir, proto, ...rest] = segs;
  if (dir === 'listen') return `listen ${proto ?? '*'} ${rest[1] ?? '*'}${rest[0] ?? ''}`;
  const portIdx = rest.findIndex((s) => s.startsWith(':'));
  const port = dir === 'egress' && portIdx >= 0 ? rest[portIdx] : '';
  const hostParts = dir === 'ingress' ? rest.slice(1) : portIdx >= 0 ? rest.slice(0, portIdx) : rest;
  const [kind, ...h] = hostParts;
  let host: string;
  if (kind === 'dns') host = [...h].reverse().join('.');
  else if (kind === 'ip4') host = h.join('.');
  else if (kind === 'ip6') host = `[${h.join(':')}]`;
  else if (kind === 'unix') host = `unix:${h[0]?.startsWith('@') ? '' : '/'}${h.join('/')}`;
  else host = h.join('');
  if (kind === 'unix' && dir === 'egress') return `egress ${host}`;
  if (dir === 'ingress') return `ingress ${proto ?? '*'} ${rest[0] ?? '*'} from ${host || '*'}`;
  return `${dir ?? '*'} ${proto ?? '*'} ${host || '*'}${port ?? ''}`;
}

/** The path a collapse rule's prefix is compared with, for the node at `segs`. */
export function nodePath(domain: BaselineDomain, segs: readonly string[]): string {
  switch (domain) {
    case 'processes':
    case 'files': {
      const i = segs.indexOf(ARGS_MARK);
      if (i >= 0) return `/${segs.slice(0, i).join('/')} ${ARGS_MARK}`;
      return segs.length === 0 ? '/' : `/${segs.join('/')}/`;
    }
    case 'dns':
      return segs.join('.');
    default:
      return segs.length === 0 ? '' : `${segs.join(' ')} `;
  }
}

/**
 * A cheap exact key for the observations of an event (before
 * generalisation), for caching lookups; undefined for events that observe
 * nothing.
 */
export function eventKey(ev: VigilEvent): string | undefined {
  switch (ev.kind) {
    case 'process.exec':
      return `x\u0000${ev.filename}\u0000${ev.argv.join('\u0000')}`;
    case 'file.open':
      return `f\u0000${ev.access}\u0000${ev.path}`;
    case 'net.connect':
      return `c\u0000${ev.protocol}\u0000${ev.dnsName ?? ''}\u0000${ev.daddr}\u0000${ev.dport}`;
    case 'net.accept':
      return `a\u0000${ev.protocol}\u0000${ev.lport}\u0000${ev.raddr}`;
    case 'net.bind':
    case 'net.listen':
      return `l\u0000${ev.protocol}\u0000${ev.family}\u0000${ev.addr}\u0000${ev.port}`;
    case 'dns.query':
      return `d\u0000${ev.name}`;
    case 'tool.call':
      return `t\u0000${ev.server}\u0000${ev.tool}`;
    case 'model.call':
      return `m\u0000${ev.provider}\u0000${ev.model}`;
    case 'process.fork':
    case 'process.exit':
    case 'tool.list':
      return undefined;
    default:
      // Rarer kinds: key on the observations themselves (no cache benefit needed).
      return undefined;
  }
}
