import { z } from 'zod';
import { isLocalToolCall } from '../../events/local-tool.js';
import { type EventOf, type EventOrigin, EventOriginSchema, type VigilEvent } from '../../events/schema.js';
import { lazySchema } from '../../schemas/lazy.js';
import type { Consumer } from '../../stream/consumer.js';
import { type WorkloadRef, WorkloadRefSchema } from '../../workload/workload-ref.js';
import type { PermissionDomain } from '../grant.js';
import { PermissionDomainSchema, subjectId, subjectOfAwsPrincipal, subjectOfK8sUser } from '../grant.js';
import { privilegesOf } from '../table-privileges.js';

/** SQLSTATE 42501: the role lacks the privilege (a refused attempt, not an error of the statement). */
const PG_INSUFFICIENT_PRIVILEGE = '42501';

/** Version of the observed-use document. */
export const OBSERVED_USE_SCHEMA_VERSION = 1;

/** What an observed use touched, by domain. */
export const ObservedTargetSchema = lazySchema(() =>
  z.discriminatedUnion('domain', [
    z.object({
      domain: z.literal('kubernetes-api'),
      apiGroup: z.string(),
      resource: z.string(),
      subresource: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      nonResourceUrl: z.string().optional(),
    }),
    z.object({
      domain: z.literal('cloud-api'),
      provider: z.enum(['aws', 'gcp', 'azure']),
      /** Resource ARNs the call named (empty when the record had none). */
      resources: z.array(z.string()),
    }),
    z.object({ domain: z.literal('mcp-tool'), server: z.string(), tool: z.string() }),
    z.object({ domain: z.literal('file'), path: z.string() }),
    z.object({
      domain: z.literal('network-egress'),
      address: z.string(),
      port: z.number().int().min(0).max(65535),
      protocol: z.enum(['TCP', 'UDP', 'SCTP']),
      dnsName: z.string().optional(),
    }),
    z.object({
      domain: z.literal('capability'),
      /** The syscall or event the capability was inferred from. */
      evidence: z.string(),
    }),
    z.object({ domain: z.literal('host') }),
    z.object({ domain: z.literal('data-access'), store: z.string(), table: z.string() }),
  ]),
);
/** @see {@link ObservedTargetSchema} */
export type ObservedTarget =
  | {
      domain: 'kubernetes-api';
      apiGroup: string;
      resource: string;
      subresource?: string | undefined;
      namespace?: string | undefined;
      name?: string | undefined;
      nonResourceUrl?: string | undefined;
    }
  | {
      domain: 'cloud-api';
      provider: 'aws' | 'gcp' | 'azure';
      /** Resource ARNs the call named (empty when the record had none). */
      resources: string[];
    }
  | {
      domain: 'mcp-tool';
      server: string;
      tool: string;
    }
  | {
      domain: 'file';
      path: string;
    }
  | {
      domain: 'network-egress';
      address: string;
      port: number;
      protocol: 'TCP' | 'UDP' | 'SCTP';
      dnsName?: string | undefined;
    }
  | {
      domain: 'capability';
      /** The syscall or event the capability was inferred from. */
      evidence: string;
    }
  | {
      domain: 'host';
    }
  | {
      domain: 'data-access';
      store: string;
      table: string;
    };

/**
 * One distinct use of a permission by a subject, aggregated over the
 * observation: how often it succeeded and how often it was denied.
 *
 * Subjects: Kubernetes users and service accounts for `k8s.api` events
 * (`k8s:serviceaccount:NS/NAME`), the IAM identity for `cloud.api` events
 * (assumed-role sessions map to their role), and `workload:ID` for what a
 * captured workload did itself (files, egress, capabilities, tools).
 */
export const ObservedUseSchema = lazySchema(() =>
  z.object({
    subject: z.string(),
    domain: PermissionDomainSchema,
    /** Verb, `service:Action`, `call`, `read`/`write`, `connect`, a capability name, or `runAsRoot`. */
    action: z.string(),
    target: ObservedTargetSchema,
    /** Successful uses. */
    count: z.number().int().nonnegative(),
    /** Attempts refused (HTTP 401/403, AccessDenied, EACCES/EPERM). */
    denied: z.number().int().nonnegative(),
    /** Nanoseconds since the epoch. */
    firstTs: z.number().nonnegative(),
    lastTs: z.number().nonnegative(),
    origins: z.array(EventOriginSchema),
  }),
);
/** @see {@link ObservedUseSchema} */
export interface ObservedUse {
  subject: string;
  domain: PermissionDomain;
  /** Verb, `service:Action`, `call`, `read`/`write`, `connect`, a capability name, or `runAsRoot`. */
  action: string;
  target: ObservedTarget;
  /** Successful uses. */
  count: number;
  /** Attempts refused (HTTP 401/403, AccessDenied, EACCES/EPERM). */
  denied: number;
  /** Nanoseconds since the epoch. */
  firstTs: number;
  lastTs: number;
  origins: EventOrigin[];
}

/**
 * Observed use over a window: the distinct uses, the workloads they came
 * from, and the observation window that bounds how much a gap means.
 *
 * @example
 * ```ts
 * import { ObservedUseAccumulator, ReplaySource, Vigil } from '@vigil/core';
 *
 * const acc = new ObservedUseAccumulator();
 * await new Vigil({ source: new ReplaySource(['run.vcap']), consumers: [acc] }).run();
 * const observed = acc.result();
 * console.log(observed.uses.length, observed.window);
 * ```
 */
export const ObservedUseDocumentSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(OBSERVED_USE_SCHEMA_VERSION),
    kind: z.literal('ObservedUse'),
    /** Earliest and latest event time (ns since the epoch); both 0 when nothing was seen. */
    window: z.object({ start: z.number().nonnegative(), end: z.number().nonnegative() }),
    /**
     * Windows per kind of input: `kubernetes-api` (audit logs and captured API calls), `cloud-api`
     * (CloudTrail), `workload` (what captured workloads did). An audit log of 30 days and a capture of
     * 10 minutes give very different confidence to different domains.
     */
    windows: z
      .partialRecord(
        z.enum(['kubernetes-api', 'cloud-api', 'workload']),
        z.object({
          start: z.number().nonnegative(),
          end: z.number().nonnegative(),
          events: z.number().int().nonnegative(),
        }),
      )
      .optional(),
    events: z.number().int().nonnegative(),
    /** Captured workloads, keyed in `uses` as `workload:ID`. */
    workloads: z.array(WorkloadRefSchema),
    /** Tools each MCP server announced (`tool.list` events). */
    toolLists: z.record(z.string(), z.array(z.string())),
    /**
     * MCP servers seen over stdio from the kernel: the name each gave itself in `initialize` and the
     * command line of the process that served it, for matching to a declared server's launch.
     */
    mcpServers: z.array(z.object({ name: z.string(), argv: z.array(z.string()).optional() })).optional(),
    /** Uids seen per workload subject (for `runAsRoot` and capability reasoning). */
    uids: z.record(z.string(), z.array(z.number().int())),
    uses: z.array(ObservedUseSchema),
    /** Distinct uses not kept because the accumulator's limit was reached. */
    overflow: z.number().int().nonnegative(),
  }),
);
/** @see {@link ObservedUseDocumentSchema} */
export interface ObservedUseDocument {
  schemaVersion: 1;
  kind: 'ObservedUse';
  /** Earliest and latest event time (ns since the epoch); both 0 when nothing was seen. */
  window: {
    start: number;
    end: number;
  };
  /**
   * Windows per kind of input: `kubernetes-api` (audit logs and captured API calls), `cloud-api`
   * (CloudTrail), `workload` (what captured workloads did). An audit log of 30 days and a capture of
   * 10 minutes give very different confidence to different domains.
   */
  windows?:
    | {
        workload?: {
          start: number;
          end: number;
          events: number;
        };
        'cloud-api'?: {
          start: number;
          end: number;
          events: number;
        };
        'kubernetes-api'?: {
          start: number;
          end: number;
          events: number;
        };
      }
    | undefined;
  events: number;
  /** Captured workloads, keyed in `uses` as `workload:ID`. */
  workloads: WorkloadRef[];
  /** Tools each MCP server announced (`tool.list` events). */
  toolLists: Record<string, string[]>;
  /**
   * MCP servers seen over stdio from the kernel: the name each gave itself in `initialize` and the
   * command line of the process that served it, for matching to a declared server's launch.
   */
  mcpServers?:
    | {
        name: string;
        argv?: string[] | undefined;
      }[]
    | undefined;
  /** Uids seen per workload subject (for `runAsRoot` and capability reasoning). */
  uids: Record<string, number[]>;
  uses: ObservedUse[];
  /** Distinct uses not kept because the accumulator's limit was reached. */
  overflow: number;
}

/** Options for {@link ObservedUseAccumulator}. */
export interface ObservedUseOptions {
  /** Most distinct uses kept (memory bound). Default 200 000. */
  readonly maxUses?: number;
}

const ORIGINS: ReadonlySet<string> = new Set(EventOriginSchema.options);
const EACCES = -13;
const MAX_PROCESSES = 65_536;
const EPERM = -1;
const DENIED_CODE = /AccessDenied|Unauthorized|Forbidden|NotAuthorized/i;

/** Canonical subject of a captured workload.
 *
 * @example
 * ```ts
 * workloadSubject({ id: 'host' }); // 'workload:host'
 * ```
 */
export function workloadSubject(ref: Pick<WorkloadRef, 'id'>): string {
  return `workload:${ref.id}`;
}

/** The IAM service prefix of a CloudTrail `eventSource` (`s3.amazonaws.com` → `s3`).
 *
 * @example
 * ```ts
 * awsServicePrefix('s3.amazonaws.com'); // 's3'
 * awsServicePrefix('monitoring.amazonaws.com'); // 'cloudwatch'
 * ```
 */
export function awsServicePrefix(eventSource: string): string {
  const s = eventSource.replace(/\.amazonaws\.com$/, '');
  const special: Record<string, string> = {
    monitoring: 'cloudwatch',
    'bedrock-runtime': 'bedrock',
    email: 'ses',
  };
  return special[s] ?? s;
}

/** The kinds of input an observation window is kept for. */
export type WindowFamily = 'kubernetes-api' | 'cloud-api' | 'workload';

type Pending = Omit<ObservedUse, 'origins'> & { origins: Set<ObservedUse['origins'][number]> };

/**
 * Builds observed use from an event stream, in memory bounded by the number
 * of distinct uses: Kubernetes API calls (audit logs or captures), cloud API
 * calls (CloudTrail), MCP tool calls, and eBPF observations — files read and
 * written, egress peers, capabilities inferred from privileged syscalls
 * (`bind` below 1024, raw sockets, `ptrace`, module and BPF loads, mounts and
 * namespaces, uid/gid changes) and processes running as root.
 *
 * Use it as a pipeline {@link Consumer} or call {@link ObservedUseAccumulator.add}.
 *
 * @example
 * ```ts
 * import { ObservedUseAccumulator } from '@vigil/core';
 *
 * const acc = new ObservedUseAccumulator();
 * for (const ev of events) acc.add(ev);
 * console.log(acc.result().uses.filter((u) => u.domain === 'file').length);
 * ```
 */
export class ObservedUseAccumulator implements Consumer {
  readonly name = 'observed-use';
  readonly #max: number;
  readonly #uses = new Map<string, Pending>();
  readonly #workloads = new Map<string, WorkloadRef>();
  readonly #tools = new Map<string, Set<string>>();
  readonly #uids = new Map<string, Set<number>>();
  // Command lines of the processes seen starting (bounded): what a stdio MCP server was launched as.
  readonly #argv = new Map<number, string[]>();
  readonly #mcpServers = new Map<string, { name: string; argv?: string[] }>();
  #overflow = 0;
  #events = 0;
  readonly #windows = new Map<WindowFamily, { start: number; end: number; events: number }>();
  #start = Number.POSITIVE_INFINITY;
  #end = 0;

  constructor(options: ObservedUseOptions = {}) {
    this.#max = options.maxUses ?? 200_000;
  }

  onBatch(batch: readonly VigilEvent[]): void {
    for (const ev of batch) this.add(ev);
  }

  #record(ev: VigilEvent, subject: string, action: string, target: ObservedTarget, denied: boolean): void {
    const targetJson = JSON.stringify(target);
    const key = `${subject}\u0000${action}\u0000${targetJson}`;
    let u = this.#uses.get(key);
    if (!u) {
      if (this.#uses.size >= this.#max) {
        this.#overflow++;
        return;
      }
      // Strings parsed out of a large input chunk can keep the whole chunk alive; a kept use holds
      // only fresh copies, so memory stays bounded by the number of distinct uses.
      const [subjectCopy, actionCopy] = key.split('\u0000', 2) as [string, string];
      u = {
        subject: subjectCopy,
        domain: target.domain,
        action: actionCopy,
        target: JSON.parse(targetJson) as ObservedTarget,
        count: 0,
        denied: 0,
        firstTs: ev.ts,
        lastTs: ev.ts,
        origins: new Set(),
      };
      this.#uses.set(key, u);
    }
    if (denied) u.denied++;
    else u.count++;
    if (ev.ts < u.firstTs) u.firstTs = ev.ts;
    if (ev.ts > u.lastTs) u.lastTs = ev.ts;
    // ns.change's own `source` field (the mount source) shadows the envelope's origin.
    const origin = ev.source as EventOrigin;
    u.origins.add(ORIGINS.has(origin) ? origin : 'ebpf');
  }

  // A tool call or list read off a stdio server's pipes is attributed to the server process.
  #sawMcpServer(ev: EventOf<'tool.call'> | EventOf<'tool.list'>): void {
    if (ev.transport !== 'stdio' || ev.source === 'otel') return;
    const argv = this.#argv.get(ev.pid);
    const key = `${ev.server}\u0000${argv?.join('\u0000') ?? ''}`;
    if (this.#mcpServers.has(key) || this.#mcpServers.size >= 1024) return;
    this.#mcpServers.set(key, { name: ev.server, ...(argv ? { argv: [...argv] } : {}) });
  }

  /** Adds one event. */
  add(ev: VigilEvent): void {
    this.#events++;
    if (ev.ts < this.#start) this.#start = ev.ts;
    if (ev.ts > this.#end) this.#end = ev.ts;
    const family: WindowFamily =
      ev.kind === 'k8s.api' ? 'kubernetes-api' : ev.kind === 'cloud.api' ? 'cloud-api' : 'workload';
    const w = this.#windows.get(family);
    if (!w) this.#windows.set(family, { start: ev.ts, end: ev.ts, events: 1 });
    else {
      w.events++;
      if (ev.ts < w.start) w.start = ev.ts;
      if (ev.ts > w.end) w.end = ev.ts;
    }
    const ws = workloadSubject(ev.workload);
    const isCaptured = ev.kind !== 'k8s.api' && ev.kind !== 'cloud.api';
    if (isCaptured && !this.#workloads.has(ws)) this.#workloads.set(ws, structuredClone(ev.workload));
    if (isCaptured && ev.uid !== undefined && ev.pid !== 0) {
      let s = this.#uids.get(ws);
      if (!s) {
        s = new Set();
        this.#uids.set(ws, s);
      }
      if (s.size < 64) s.add(ev.uid);
      if (
        ev.uid === 0 &&
        (ev.kind === 'process.exec' || ev.kind === 'file.open' || ev.kind === 'net.connect')
      )
        this.#record(ev, ws, 'runAsRoot', { domain: 'host' }, false);
    }
    switch (ev.kind) {
      case 'k8s.api': {
        const denied = ev.responseCode === 401 || ev.responseCode === 403;
        const target: ObservedTarget =
          ev.nonResourceUrl !== undefined
            ? { domain: 'kubernetes-api', apiGroup: '', resource: '', nonResourceUrl: ev.nonResourceUrl }
            : {
                domain: 'kubernetes-api',
                apiGroup: ev.apiGroup ?? '',
                resource: ev.resource,
                ...(ev.subresource ? { subresource: ev.subresource } : {}),
                ...(ev.namespace ? { namespace: ev.namespace } : {}),
                ...(ev.name ? { name: ev.name } : {}),
              };
        this.#record(ev, subjectOfK8sUser(ev.user), ev.verb, target, denied);
        return;
      }
      case 'cloud.api': {
        const denied = ev.errorCode !== undefined && DENIED_CODE.test(ev.errorCode);
        const action = `${awsServicePrefix(ev.service)}:${ev.action}`;
        const principal =
          ev.provider === 'aws' ? subjectOfAwsPrincipal(ev.principal) : `${ev.provider}:${ev.principal}`;
        this.#record(
          ev,
          principal,
          action,
          { domain: 'cloud-api', provider: ev.provider, resources: [...ev.resources].sort() },
          denied,
        );
        return;
      }
      case 'process.exec':
        if (ev.result !== undefined && ev.result < 0) return;
        this.#argv.delete(ev.pid);
        if (this.#argv.size >= MAX_PROCESSES) this.#argv.delete(this.#argv.keys().next().value!);
        this.#argv.set(ev.pid, ev.argv.slice(0, 64));
        return;
      case 'tool.call':
        // The agent's own function tools are part of the agent, not MCP tools a grant could cover.
        if (isLocalToolCall(ev)) return;
        this.#sawMcpServer(ev);
        this.#record(ev, ws, 'call', { domain: 'mcp-tool', server: ev.server, tool: ev.tool }, false);
        return;
      case 'retrieval': {
        // Table privileges exercised, by the database role the connection authenticated as.
        if (ev.store !== 'postgresql' || ev.principal === undefined || ev.partial) return;
        if (ev.error !== undefined && ev.error !== PG_INSUFFICIENT_PRIVILEGE) return;
        for (const p of privilegesOf(ev))
          this.#record(
            ev,
            subjectId('pg-role', ev.principal),
            p.privilege,
            {
              domain: 'data-access',
              store: 'postgresql',
              table: p.table.includes('.') ? p.table : `public.${p.table}`,
            },
            ev.error !== undefined,
          );
        return;
      }
      case 'tool.list': {
        this.#sawMcpServer(ev);
        let s = this.#tools.get(ev.server);
        if (!s) {
          s = new Set();
          this.#tools.set(ev.server, s);
        }
        for (const t of ev.tools) if (s.size < 10_000) s.add(t.name);
        return;
      }
      case 'file.open': {
        if (ev.access === 'path') return;
        const denied = ev.result === EACCES || ev.result === EPERM;
        if (ev.result < 0 && !denied) return;
        const target: ObservedTarget = { domain: 'file', path: ev.path };
        if (ev.access === 'read' || ev.access === 'readwrite' || ev.access === 'exec')
          this.#record(ev, ws, 'read', target, denied);
        if (ev.access === 'write' || ev.access === 'readwrite') this.#record(ev, ws, 'write', target, denied);
        return;
      }
      case 'net.connect': {
        if (ev.family === 'unix') return;
        if (ev.protocol === 'raw')
          this.#record(ev, ws, 'CAP_NET_RAW', { domain: 'capability', evidence: 'raw socket' }, false);
        if (ev.protocol !== 'tcp' && ev.protocol !== 'udp') return;
        const denied = ev.result === EACCES || ev.result === EPERM;
        this.#record(
          ev,
          ws,
          'connect',
          {
            domain: 'network-egress',
            address: ev.daddr,
            port: ev.dport,
            protocol: ev.protocol === 'tcp' ? 'TCP' : 'UDP',
            ...(ev.dnsName ? { dnsName: ev.dnsName } : {}),
          },
          denied,
        );
        return;
      }
      case 'net.bind':
      case 'net.listen':
        if (ev.port > 0 && ev.port < 1024 && ev.result >= 0)
          this.#record(
            ev,
            ws,
            'CAP_NET_BIND_SERVICE',
            { domain: 'capability', evidence: `${ev.kind.slice(4)} port ${ev.port}` },
            false,
          );
        if (ev.protocol === 'raw')
          this.#record(ev, ws, 'CAP_NET_RAW', { domain: 'capability', evidence: 'raw socket' }, false);
        return;
      case 'ptrace':
        this.#record(
          ev,
          ws,
          'CAP_SYS_PTRACE',
          { domain: 'capability', evidence: `ptrace ${ev.requestName}` },
          ev.result === EPERM,
        );
        return;
      case 'module.load':
        this.#record(
          ev,
          ws,
          'CAP_SYS_MODULE',
          { domain: 'capability', evidence: ev.syscall ?? 'init_module' },
          ev.result === EPERM,
        );
        return;
      case 'bpf.load':
        this.#record(
          ev,
          ws,
          'CAP_BPF',
          { domain: 'capability', evidence: `bpf ${ev.command}` },
          ev.result === EPERM,
        );
        return;
      case 'ns.change':
        this.#record(
          ev,
          ws,
          'CAP_SYS_ADMIN',
          { domain: 'capability', evidence: ev.syscall },
          ev.result === EPERM,
        );
        return;
      case 'priv.change': {
        const cap =
          ev.syscall === 'capset' ? 'CAP_SETPCAP' : ev.syscall.includes('gid') ? 'CAP_SETGID' : 'CAP_SETUID';
        this.#record(ev, ws, cap, { domain: 'capability', evidence: ev.syscall }, ev.result === EPERM);
        return;
      }
      default:
        return;
    }
  }

  /** The observed use so far, as a validated document. */
  result(): ObservedUseDocument {
    const uses: ObservedUse[] = [...this.#uses.values()]
      .map((u) => ({ ...u, origins: [...u.origins].sort() }))
      .sort(
        (a, b) =>
          a.subject.localeCompare(b.subject) ||
          a.domain.localeCompare(b.domain) ||
          a.action.localeCompare(b.action),
      );
    return {
      schemaVersion: OBSERVED_USE_SCHEMA_VERSION,
      kind: 'ObservedUse',
      window: this.#events === 0 ? { start: 0, end: 0 } : { start: this.#start, end: this.#end },
      windows: Object.fromEntries([...this.#windows].map(([k, v]) => [k, { ...v }])),
      events: this.#events,
      workloads: [...this.#workloads.values()],
      toolLists: Object.fromEntries([...this.#tools].map(([k, v]) => [k, [...v].sort()])),
      ...(this.#mcpServers.size > 0 ? { mcpServers: [...this.#mcpServers.values()] } : {}),
      uids: Object.fromEntries([...this.#uids].map(([k, v]) => [k, [...v].sort((a, b) => a - b)])),
      uses,
      overflow: this.#overflow,
    };
  }
}

/**
 * Merges observed-use documents (e.g. from several captures and logs) into one.
 *
 * @example
 * ```ts
 * const all = mergeObservedUse([fromCapture, fromAuditLog]);
 * ```
 */
export function mergeObservedUse(docs: readonly ObservedUseDocument[]): ObservedUseDocument {
  const uses = new Map<string, ObservedUse>();
  const workloads = new Map<string, WorkloadRef>();
  const tools = new Map<string, Set<string>>();
  const uids = new Map<string, Set<number>>();
  const servers = new Map<string, NonNullable<ObservedUseDocument['mcpServers']>[number]>();
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  let events = 0;
  let overflow = 0;
  const windows = new Map<WindowFamily, { start: number; end: number; events: number }>();
  for (const d of docs) {
    events += d.events;
    overflow += d.overflow;
    for (const [k, v] of Object.entries(d.windows ?? {}) as [
      WindowFamily,
      { start: number; end: number; events: number },
    ][]) {
      const w = windows.get(k);
      if (!w) windows.set(k, { ...v });
      else {
        w.start = Math.min(w.start, v.start);
        w.end = Math.max(w.end, v.end);
        w.events += v.events;
      }
    }
    if (d.events > 0) {
      start = Math.min(start, d.window.start);
      end = Math.max(end, d.window.end);
    }
    for (const w of d.workloads) workloads.set(w.id, w);
    for (const [k, v] of Object.entries(d.toolLists)) {
      const s = tools.get(k) ?? new Set();
      for (const t of v) s.add(t);
      tools.set(k, s);
    }
    for (const m of d.mcpServers ?? []) servers.set(`${m.name}\u0000${m.argv?.join('\u0000') ?? ''}`, m);
    for (const [k, v] of Object.entries(d.uids)) {
      const s = uids.get(k) ?? new Set();
      for (const t of v) s.add(t);
      uids.set(k, s);
    }
    for (const u of d.uses) {
      const key = `${u.subject}\u0000${u.action}\u0000${JSON.stringify(u.target)}`;
      const e = uses.get(key);
      if (!e) uses.set(key, { ...u, origins: [...u.origins] });
      else {
        e.count += u.count;
        e.denied += u.denied;
        e.firstTs = Math.min(e.firstTs, u.firstTs);
        e.lastTs = Math.max(e.lastTs, u.lastTs);
        e.origins = [...new Set([...e.origins, ...u.origins])].sort();
      }
    }
  }
  return {
    schemaVersion: OBSERVED_USE_SCHEMA_VERSION,
    kind: 'ObservedUse',
    window: events === 0 ? { start: 0, end: 0 } : { start, end },
    windows: Object.fromEntries(windows),
    events,
    workloads: [...workloads.values()],
    toolLists: Object.fromEntries([...tools].map(([k, v]) => [k, [...v].sort()])),
    ...(servers.size > 0 ? { mcpServers: [...servers.values()] } : {}),
    uids: Object.fromEntries([...uids].map(([k, v]) => [k, [...v].sort((a, b) => a - b)])),
    uses: [...uses.values()],
    overflow,
  };
}
