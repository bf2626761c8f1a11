import { z } from 'zod';
import { lazySchema } from '../schemas/lazy.js';
import type { WorkloadRef, WorkloadRefInput } from '../workload/workload-ref.js';
import { WorkloadRefSchema } from '../workload/workload-ref.js';

/** Version of the event schema. Bumped on any incompatible change. */
export const EVENT_SCHEMA_VERSION = 1;

/** Where an event came from. */
export const EventOriginSchema = lazySchema(() =>
  z.enum(['ebpf', 'replay', 'otel', 'k8s-audit', 'cloudtrail', 'proc', 'mcp-proxy', 'synthetic']),
);
/** @see {@link EventOriginSchema} */
export type EventOrigin =
  | 'ebpf'
  | 'replay'
  | 'otel'
  | 'k8s-audit'
  | 'cloudtrail'
  | 'proc'
  | 'mcp-proxy'
  | 'synthetic';

const int = () => z.number().int();
const port = () => z.number().int().min(0).max(65535);

/**
 * What caused an event: the tool call whose execution it belongs to and the
 * model response that asked for that call. Attribution sets it from the
 * events' order and the process tree: an MCP server's events between a
 * `tools/call` request and its response; an agent's events between a model
 * response that returned tool calls and the agent's next model request.
 *
 * @example
 * ```ts
 * import { EventCauseSchema } from '@vigil/core';
 *
 * EventCauseSchema.parse({ toolCallId: 'call_1', toolName: 'shell', modelCallId: 'model:42:1700000000000000000' });
 * ```
 */
export const EventCauseSchema = lazySchema(() =>
  z.object({
    /** The tool call's id: the model's tool-call id (local tools), or the MCP JSON-RPC request id. */
    toolCallId: z.string().optional(),
    toolName: z.string().optional(),
    /** The MCP server that ran the call (`tool.call`'s `server`); absent for the agent's own tools. */
    server: z.string().optional(),
    /** The model call whose response asked for the tool call (see `modelCallIdOf`). */
    modelCallId: z.string().optional(),
    /** The model named by that response. */
    model: z.string().optional(),
    /**
     * Several tool calls were pending at once in the same process tree: the
     * event belongs to one of `candidates`, and `toolCallId`/`toolName` are absent.
     */
    ambiguous: z.boolean().optional(),
    /** The pending tool calls when ambiguous: `id` (may be empty) and name of each. */
    candidates: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
  }),
);
/** @see {@link EventCauseSchema} */
export interface EventCause {
  /** The tool call's id: the model's tool-call id (local tools), or the MCP JSON-RPC request id. */
  toolCallId?: string | undefined;
  toolName?: string | undefined;
  /** The MCP server that ran the call (`tool.call`'s `server`); absent for the agent's own tools. */
  server?: string | undefined;
  /** The model call whose response asked for the tool call (see `modelCallIdOf`). */
  modelCallId?: string | undefined;
  /** The model named by that response. */
  model?: string | undefined;
  /**
   * Several tool calls were pending at once in the same process tree: the
   * event belongs to one of `candidates`, and `toolCallId`/`toolName` are absent.
   */
  ambiguous?: boolean | undefined;
  /** The pending tool calls when ambiguous: `id` (may be empty) and name of each. */
  candidates?:
    | {
        id: string;
        name: string;
      }[]
    | undefined;
}

/** Fields every event carries. */
export const EnvelopeSchema = lazySchema(() =>
  z.object({
    /** Wall-clock time in nanoseconds since the Unix epoch (a JS number: exact to ~0.25 µs). */
    ts: z.number().nonnegative(),
    workload: WorkloadRefSchema,
    /** Thread-group id (the process id user space sees); 0 for events not tied to a process. */
    pid: int().nonnegative(),
    /** Parent's thread-group id; 0 when unknown. */
    ppid: int().nonnegative(),
    /** Kernel `comm` (at most 15 bytes), or the name of the component for non-process events. */
    comm: z.string(),
    /** Executable path when known, else empty. */
    exe: z.string(),
    source: EventOriginSchema,
    /** Thread id, when it differs from `pid`. */
    tid: int().nonnegative().optional(),
    uid: int().nonnegative().optional(),
    /** cgroup v2 id as a decimal string. */
    cgroupId: z.string().regex(/^\d+$/).optional(),
    /**
     * The tool call this event happened on behalf of, when attribution placed it
     * (set by the pipeline's `CallAttributionEnricher`, not by sources).
     */
    cause: EventCauseSchema.optional(),
  }),
);
/** @see {@link EnvelopeSchema} */
export interface Envelope {
  /** Wall-clock time in nanoseconds since the Unix epoch (a JS number: exact to ~0.25 µs). */
  ts: number;
  workload: WorkloadRef;
  /** Thread-group id (the process id user space sees); 0 for events not tied to a process. */
  pid: number;
  /** Parent's thread-group id; 0 when unknown. */
  ppid: number;
  /** Kernel `comm` (at most 15 bytes), or the name of the component for non-process events. */
  comm: string;
  /** Executable path when known, else empty. */
  exe: string;
  source: EventOrigin;
  /** Thread id, when it differs from `pid`. */
  tid?: number | undefined;
  uid?: number | undefined;
  /** cgroup v2 id as a decimal string. */
  cgroupId?: string | undefined;
  /**
   * The tool call this event happened on behalf of, when attribution placed it
   * (set by the pipeline's `CallAttributionEnricher`, not by sources).
   */
  cause?: EventCause | undefined;
}
/** What {@link EnvelopeSchema} accepts (before defaults are filled in). */
export interface EnvelopeInput {
  /** Wall-clock time in nanoseconds since the Unix epoch (a JS number: exact to ~0.25 µs). */
  ts: number;
  workload: WorkloadRefInput;
  /** Thread-group id (the process id user space sees); 0 for events not tied to a process. */
  pid: number;
  /** Parent's thread-group id; 0 when unknown. */
  ppid: number;
  /** Kernel `comm` (at most 15 bytes), or the name of the component for non-process events. */
  comm: string;
  /** Executable path when known, else empty. */
  exe: string;
  source: EventOrigin;
  /** Thread id, when it differs from `pid`. */
  tid?: number | undefined;
  uid?: number | undefined;
  /** cgroup v2 id as a decimal string. */
  cgroupId?: string | undefined;
  /**
   * The tool call this event happened on behalf of, when attribution placed it
   * (set by the pipeline's `CallAttributionEnricher`, not by sources).
   */
  cause?:
    | {
        /** The tool call's id: the model's tool-call id (local tools), or the MCP JSON-RPC request id. */
        toolCallId?: string | undefined;
        toolName?: string | undefined;
        /** The MCP server that ran the call (`tool.call`'s `server`); absent for the agent's own tools. */
        server?: string | undefined;
        /** The model call whose response asked for the tool call (see `modelCallIdOf`). */
        modelCallId?: string | undefined;
        /** The model named by that response. */
        model?: string | undefined;
        /**
         * Several tool calls were pending at once in the same process tree: the
         * event belongs to one of `candidates`, and `toolCallId`/`toolName` are absent.
         */
        ambiguous?: boolean | undefined;
        /** The pending tool calls when ambiguous: `id` (may be empty) and name of each. */
        candidates?:
          | {
              id: string;
              name: string;
            }[]
          | undefined;
      }
    | undefined;
}

/** Result of a syscall: >= 0 success (a fd, a count or 0), < 0 a negated errno. */
const result = () => int();

const ProcessExec = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('process.exec'),
    filename: z.string(),
    argv: z.array(z.string()),
    cwd: z.string().optional(),
    /** True when the binary came from a memfd or a deleted file (fileless execution). */
    fileless: z.boolean().optional(),
    /** `argv` was cut at the capture's limit. */
    argvTruncated: z.boolean().optional(),
    /** Selected environment entries (`NAME=value`) the capture kept, e.g. `LD_PRELOAD`; usually absent. */
    env: z.array(z.string()).optional(),
    /** What the new program's stdin, stdout and stderr are, in that order, when the capture saw them. */
    stdio: z
      .array(z.enum(['tty', 'pipe', 'socket', 'file', 'null', 'other']))
      .max(3)
      .optional(),
    result: result().optional(),
  }),
);
const ProcessFork = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('process.fork'),
    childPid: int().nonnegative(),
  }),
);
const ProcessExit = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('process.exit'),
    exitCode: int(),
    signal: int().nonnegative().optional(),
  }),
);

/** How a file was opened. */
export const FileAccessSchema = lazySchema(() => z.enum(['read', 'write', 'readwrite', 'exec', 'path']));
/** @see {@link FileAccessSchema} */
export type FileAccess = 'read' | 'write' | 'readwrite' | 'exec' | 'path';

const FileOpen = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('file.open'),
    /** Absolute path when it could be resolved, else the path as passed. */
    path: z.string(),
    /** Raw `open(2)` flags. */
    flags: int().nonnegative(),
    access: FileAccessSchema,
    created: z.boolean().optional(),
    result: result(),
  }),
);

/** Address family of a socket event. */
export const AddressFamilySchema = lazySchema(() => z.enum(['inet', 'inet6', 'unix']));
/** Transport protocol of a socket event. */
export const TransportSchema = lazySchema(() => z.enum(['tcp', 'udp', 'raw', 'other']));
/** @see {@link AddressFamilySchema} */
export type AddressFamily = 'inet' | 'inet6' | 'unix';
/** @see {@link TransportSchema} */
export type Transport = 'tcp' | 'udp' | 'raw' | 'other';

const NetConnect = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('net.connect'),
    family: AddressFamilySchema,
    protocol: TransportSchema,
    daddr: z.string(),
    dport: port(),
    saddr: z.string().optional(),
    sport: port().optional(),
    /** The DNS name the destination was resolved from, when the enricher knows it. */
    dnsName: z.string().optional(),
    result: result(),
  }),
);
const NetAccept = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('net.accept'),
    family: AddressFamilySchema,
    protocol: TransportSchema,
    laddr: z.string(),
    lport: port(),
    raddr: z.string(),
    rport: port(),
    result: result(),
  }),
);
const NetBind = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('net.bind'),
    family: AddressFamilySchema,
    protocol: TransportSchema,
    addr: z.string(),
    port: port(),
    result: result(),
  }),
);
const NetListen = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('net.listen'),
    family: AddressFamilySchema,
    protocol: TransportSchema,
    addr: z.string(),
    port: port(),
    backlog: int().optional(),
    result: result(),
  }),
);
/**
 * Bytes one TCP connection (or TLS session) carried, from payload capture:
 * emitted when the connection closes (or the capture ends) once the process
 * sent at least the decoder's `transferBytes` on it. Counts are what the
 * read and write calls moved, not only what was copied.
 */
const NetTransfer = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('net.transfer'),
    transport: z.enum(['tcp', 'tls']),
    /** The peer's address and port (plaintext TCP); absent for TLS sessions, which name `endpoint`. */
    daddr: z.string().optional(),
    dport: port().optional(),
    /** The HTTP `Host` of the first request on the connection, when it carried HTTP. */
    endpoint: z.string().optional(),
    /** Bytes the process wrote (egress) and read (ingress) on the connection. */
    bytesSent: int().nonnegative(),
    bytesReceived: int().nonnegative(),
    /** First to last chunk, in milliseconds. */
    durationMs: z.number().nonnegative(),
    /** Chunks were lost or the stream stopped being copied: the counts are a lower bound. */
    partial: z.boolean().optional(),
  }),
);
const DnsQuery = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('dns.query'),
    name: z.string(),
    /** Query type, e.g. `A`, `AAAA`, `TXT`, or `TYPE65` for unknown numbers. */
    qtype: z.string(),
    server: z.string().optional(),
    serverPort: port().optional(),
    /** Addresses from the answer, when the response was seen. */
    answers: z.array(z.string()).optional(),
  }),
);

const PrivChange = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('priv.change'),
    syscall: z.enum([
      'setuid',
      'setgid',
      'setreuid',
      'setregid',
      'setresuid',
      'setresgid',
      'setfsuid',
      'setfsgid',
      'capset',
    ]),
    /** The ids the call asked for (`-1` meaning "unchanged"), in the syscall's argument order. */
    ids: z.array(int()).optional(),
    /** For `capset`: effective, permitted and inheritable capability sets as names. */
    capEffective: z.array(z.string()).optional(),
    capPermitted: z.array(z.string()).optional(),
    result: result(),
  }),
);
const NsChange = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('ns.change'),
    syscall: z.enum(['unshare', 'setns', 'mount', 'umount', 'pivot_root', 'clone']),
    /** Namespace flags (`CLONE_NEW*`) as names, for unshare/setns/clone. */
    namespaces: z.array(z.string()).optional(),
    /** Raw flags argument. */
    flags: int().optional(),
    /** For mount: the source (device, path or filesystem name). Named so to keep the envelope's `source`. */
    mountSource: z.string().optional(),
    target: z.string().optional(),
    fstype: z.string().optional(),
    result: result(),
  }),
);
const Ptrace = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('ptrace'),
    request: int(),
    requestName: z.string(),
    targetPid: int(),
    result: result(),
  }),
);
const ModuleLoad = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('module.load'),
    name: z.string(),
    /** `init_module` or `finit_module`. */
    syscall: z.string().optional(),
    result: result(),
  }),
);
const BpfLoad = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('bpf.load'),
    /** `bpf(2)` command name, e.g. `BPF_PROG_LOAD`. */
    command: z.string(),
    programType: z.string().optional(),
    programName: z.string().optional(),
    result: result(),
  }),
);
const MemfdCreate = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('memfd.create'),
    name: z.string(),
    flags: int().nonnegative(),
    result: result(),
  }),
);

const ToolCall = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('tool.call'),
    /** MCP server name (as configured by the client) or tool provider. */
    server: z.string(),
    tool: z.string(),
    transport: z.enum(['stdio', 'http', 'sse', 'in-process', 'unknown']).optional(),
    /** Names of the arguments passed (values are kept out by default). */
    argumentNames: z.array(z.string()).optional(),
    /** Whether the call succeeded. */
    status: z.enum(['ok', 'error']).optional(),
    durationMs: z.number().nonnegative().optional(),
    /** The agent that made the call. */
    agent: z.string().optional(),
    /** The JSON-RPC request id (MCP), or the model's tool-call id, as a string. */
    callId: z.string().optional(),
    /** SHA-256 (hex) of the canonical JSON of the arguments. */
    argumentsHash: z.string().optional(),
    /** The MCP server's own name and version, from its `initialize` result, when seen. */
    serverVersion: z.string().optional(),
    /** Bytes of the request and of the response on the wire (after transfer decoding). */
    requestBytes: int().nonnegative().optional(),
    responseBytes: int().nonnegative().optional(),
    /** Redacted argument text; only in `content` payload mode. */
    argumentsText: z.string().optional(),
    /** Part of the exchange was not seen (cut at the capture's byte cap, or no response before the end). */
    partial: z.boolean().optional(),
  }),
);
/** An MCP tool definition as a server announced it. */
export const ToolDefinitionSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    description: z.string().optional(),
    /** SHA-256 of the canonical JSON of the input schema. */
    inputSchemaHash: z.string().optional(),
    /** SHA-256 (hex) of the canonical JSON of the whole definition as announced. */
    definitionHash: z.string().optional(),
  }),
);
/** @see {@link ToolDefinitionSchema} */
export interface ToolDefinition {
  name: string;
  description?: string | undefined;
  /** SHA-256 of the canonical JSON of the input schema. */
  inputSchemaHash?: string | undefined;
  /** SHA-256 (hex) of the canonical JSON of the whole definition as announced. */
  definitionHash?: string | undefined;
}
const ToolList = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('tool.list'),
    server: z.string(),
    tools: z.array(ToolDefinitionSchema),
    /** Which list this is (MCP `tools/list`, `prompts/list` or `resources/list`); absent means tools. */
    listKind: z.enum(['tools', 'prompts', 'resources']).optional(),
    /** SHA-256 (hex) over the sorted `definitionHash`es: changes when any definition changes. */
    setHash: z.string().optional(),
    transport: z.enum(['stdio', 'http', 'sse', 'in-process', 'unknown']).optional(),
    /** The MCP server's own name and version, and the protocol version, from `initialize`. */
    serverVersion: z.string().optional(),
    protocolVersion: z.string().optional(),
    /** A further page exists (`nextCursor` was set). */
    paginated: z.boolean().optional(),
  }),
);
const ModelCall = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('model.call'),
    /** `gen_ai.provider.name`, e.g. `openai`, `anthropic`, `aws.bedrock`. */
    provider: z.string(),
    model: z.string(),
    /** `gen_ai.operation.name`, e.g. `chat`, `embeddings`. */
    operation: z.string().optional(),
    endpoint: z.string().optional(),
    inputTokens: int().nonnegative().optional(),
    outputTokens: int().nonnegative().optional(),
    agent: z.string().optional(),
    /** The model the response named, when it differs from or refines `model` (the model requested). */
    responseModel: z.string().optional(),
    /** The API path called, e.g. `/v1/chat/completions`; `endpoint` holds `host:port`. */
    path: z.string().optional(),
    /** Tool definitions offered to the model: name and SHA-256 of each definition's canonical JSON. */
    toolsOffered: z.array(z.object({ name: z.string(), definitionHash: z.string() })).optional(),
    /** Tool calls the model returned, assembled from streamed deltas when streamed. */
    toolCalls: z
      .array(
        z.object({
          id: z.string().optional(),
          name: z.string(),
          argumentNames: z.array(z.string()).optional(),
          /** SHA-256 (hex) of the canonical JSON of the arguments (of the raw text when not JSON). */
          argumentsHash: z.string().optional(),
        }),
      )
      .optional(),
    /** Why generation stopped, as the API said it (`stop`, `tool_calls`, `end_turn`, …). */
    finishReason: z.string().optional(),
    /** HTTP status of the response. */
    status: int().optional(),
    streaming: z.boolean().optional(),
    /** Request first byte to response last byte, in milliseconds. */
    durationMs: z.number().nonnegative().optional(),
    /** Body bytes of the request and of the response (after transfer and content decoding). */
    requestBytes: int().nonnegative().optional(),
    responseBytes: int().nonnegative().optional(),
    /** Redacted prompt and completion text; only in `content` payload mode. */
    promptText: z.string().optional(),
    completionText: z.string().optional(),
    /** Part of the exchange was not seen (cut at the capture's byte cap, or the connection ended first). */
    partial: z.boolean().optional(),
  }),
);
const Retrieval = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('retrieval'),
    /** Data source id (`gen_ai.data_source.id`) or a collection name. */
    dataSource: z.string(),
    store: z.string().optional(),
    documents: int().nonnegative().optional(),
    agent: z.string().optional(),
    /** Where the store was reached, `host:port`. */
    endpoint: z.string().optional(),
    /** The database (PostgreSQL) the statement ran in. */
    database: z.string().optional(),
    /** Every table or collection the request touched, `dataSource` first. */
    collections: z.array(z.string()).optional(),
    /** The tables or collections it wrote (a subset of `collections`). */
    written: z.array(z.string()).optional(),
    /** What the request does to the data: read (`query`), write (`upsert`), remove (`delete`), or anything else (`admin`). */
    operation: z.enum(['query', 'upsert', 'delete', 'admin']).optional(),
    /** The statement's leading keyword (`SELECT`, `INSERT`, …) or the API operation (`points/search`). */
    command: z.string().optional(),
    /** Results asked for (`LIMIT`, `top_k`, `limit`, `k`). */
    topK: int().nonnegative().optional(),
    /** Vector distances used: `l2`, `cosine`, `inner-product`, `l1`. */
    distances: z.array(z.string()).optional(),
    /** Names of the fields or columns the request filters on. */
    filterKeys: z.array(z.string()).optional(),
    /** The database role or user name the connection authenticated as (kept: role names are not secrets). */
    principal: z.string().optional(),
    /** SHA-256 (hex) of the API key or token the request carried; the key itself is never kept. */
    principalHash: z.string().optional(),
    /** The client's own name (PostgreSQL `application_name`). */
    client: z.string().optional(),
    /** SHA-256 (hex) of the statement text as sent (of the method, path and body for HTTP APIs). */
    statementHash: z.string().optional(),
    /** The statement with literals replaced by `?` and secrets redacted; only in `content` payload mode. */
    statementText: z.string().optional(),
    /** Document text written (upserts) or returned (queries), secrets redacted, capped; only in `content` payload mode. */
    texts: z.array(z.string()).optional(),
    /** The store refused the request: the SQLSTATE or HTTP status. */
    error: z.string().optional(),
    /** Part of the exchange was not seen. */
    partial: z.boolean().optional(),
  }),
);
const K8sApi = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('k8s.api'),
    verb: z.string(),
    resource: z.string(),
    subresource: z.string().optional(),
    apiGroup: z.string().optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    /** For non-resource requests such as `/healthz`. */
    nonResourceUrl: z.string().optional(),
    /** The authenticated user, e.g. `system:serviceaccount:ns:name`. */
    user: z.string(),
    responseCode: int().optional(),
  }),
);
const CloudApi = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('cloud.api'),
    provider: z.enum(['aws', 'gcp', 'azure']),
    /** e.g. `s3.amazonaws.com` or `s3`. */
    service: z.string(),
    /** e.g. `GetObject`. */
    action: z.string(),
    resources: z.array(z.string()),
    principal: z.string(),
    region: z.string().optional(),
    errorCode: z.string().optional(),
  }),
);
/**
 * An enforcement decision: an action outside the workload's enforcement
 * policy, refused (`blocked`), stopped (`killed`) or, in monitor mode,
 * allowed and reported (`would-block`).
 */
const PolicyViolation = lazySchema(() =>
  EnvelopeSchema.extend({
    kind: z.literal('policy.violation'),
    action: z.enum(['would-block', 'blocked', 'killed']),
    operation: z.enum(['connect', 'sendmsg', 'exec']),
    mode: z.enum(['monitor', 'enforce']),
    /** The policy that applied: `id@version`. */
    policy: z.string(),
    /** The rule that decided, e.g. `egress.default-deny` (nothing in the allowlist matched). */
    rule: z.string(),
    family: z.enum(['ipv4', 'ipv6']).optional(),
    protocol: z.enum(['tcp', 'udp', 'other']).optional(),
    daddr: z.string().optional(),
    dport: port().optional(),
    /** The file name passed to execve. */
    path: z.string().optional(),
  }),
);

// The schema of each event kind, in the order of EVENT_KINDS (the capture format numbers kinds by it).
const KIND_SCHEMAS = [
  ProcessExec,
  ProcessFork,
  ProcessExit,
  FileOpen,
  NetConnect,
  NetAccept,
  NetBind,
  NetListen,
  NetTransfer,
  DnsQuery,
  PrivChange,
  NsChange,
  Ptrace,
  ModuleLoad,
  BpfLoad,
  MemfdCreate,
  ToolCall,
  ToolList,
  ModelCall,
  Retrieval,
  K8sApi,
  CloudApi,
  PolicyViolation,
] satisfies [unknown, ...unknown[]];

const eventSchema = lazySchema(() => z.discriminatedUnion('kind', KIND_SCHEMAS));

/**
 * The type of {@link EventSchema}. A named interface, so that the declarations
 * of every schema that embeds events (evidence, findings, incidents, baselines)
 * refer to it by name instead of spelling out each event kind again: that kept
 * the published declarations several times larger and slow to type-check.
 *
 * @example
 * ```ts
 * import { EventSchema, type EventSchemaType } from '@vigil/core';
 *
 * const schema: EventSchemaType = EventSchema;
 * ```
 */
export interface EventSchemaType extends EventSchemaBase {}
type EventSchemaBase = typeof eventSchema;

/**
 * Every event Vigil understands: one discriminated union on `kind` over a
 * common envelope. This schema is the source of truth; types are inferred from it.
 *
 * @example
 * ```ts
 * import { EventSchema } from '@vigil/core';
 *
 * const ev = EventSchema.parse({
 *   kind: 'file.open', ts: 1.7e18, pid: 42, ppid: 1, comm: 'cat', exe: '/usr/bin/cat',
 *   source: 'synthetic', workload: { id: 'host', kind: 'host' },
 *   path: '/etc/hostname', flags: 0, access: 'read', result: 3,
 * });
 * ```
 */
export const EventSchema: EventSchemaType = eventSchema;

/** A Vigil event: one of the event kinds, each an {@link Envelope} with its own fields. */
export type VigilEvent =
  | ProcessExecEvent
  | ProcessForkEvent
  | ProcessExitEvent
  | FileOpenEvent
  | NetConnectEvent
  | NetAcceptEvent
  | NetBindEvent
  | NetListenEvent
  | NetTransferEvent
  | DnsQueryEvent
  | PrivChangeEvent
  | NsChangeEvent
  | PtraceEvent
  | ModuleLoadEvent
  | BpfLoadEvent
  | MemfdCreateEvent
  | ToolCallEvent
  | ToolListEvent
  | ModelCallEvent
  | RetrievalEvent
  | K8sApiEvent
  | CloudApiEvent
  | PolicyViolationEvent;

/** A `process.exec` event ({@link VigilEvent} of this kind). */
export interface ProcessExecEvent extends Envelope {
  kind: 'process.exec';
  filename: string;
  argv: string[];
  cwd?: string | undefined;
  /** True when the binary came from a memfd or a deleted file (fileless execution). */
  fileless?: boolean | undefined;
  /** `argv` was cut at the capture's limit. */
  argvTruncated?: boolean | undefined;
  /** Selected environment entries (`NAME=value`) the capture kept, e.g. `LD_PRELOAD`; usually absent. */
  env?: string[] | undefined;
  /** What the new program's stdin, stdout and stderr are, in that order, when the capture saw them. */
  stdio?: ('null' | 'file' | 'pipe' | 'tty' | 'socket' | 'other')[] | undefined;
  result?: number | undefined;
}

/** A `process.fork` event ({@link VigilEvent} of this kind). */
export interface ProcessForkEvent extends Envelope {
  kind: 'process.fork';
  childPid: number;
}

/** A `process.exit` event ({@link VigilEvent} of this kind). */
export interface ProcessExitEvent extends Envelope {
  kind: 'process.exit';
  exitCode: number;
  signal?: number | undefined;
}

/** A `file.open` event ({@link VigilEvent} of this kind). */
export interface FileOpenEvent extends Envelope {
  kind: 'file.open';
  /** Absolute path when it could be resolved, else the path as passed. */
  path: string;
  /** Raw `open(2)` flags. */
  flags: number;
  access: FileAccess;
  created?: boolean | undefined;
  result: number;
}

/** A `net.connect` event ({@link VigilEvent} of this kind). */
export interface NetConnectEvent extends Envelope {
  kind: 'net.connect';
  family: 'inet' | 'inet6' | 'unix';
  protocol: 'other' | 'tcp' | 'udp' | 'raw';
  daddr: string;
  dport: number;
  saddr?: string | undefined;
  sport?: number | undefined;
  /** The DNS name the destination was resolved from, when the enricher knows it. */
  dnsName?: string | undefined;
  result: number;
}

/** A `net.accept` event ({@link VigilEvent} of this kind). */
export interface NetAcceptEvent extends Envelope {
  kind: 'net.accept';
  family: 'inet' | 'inet6' | 'unix';
  protocol: 'other' | 'tcp' | 'udp' | 'raw';
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  result: number;
}

/** A `net.bind` event ({@link VigilEvent} of this kind). */
export interface NetBindEvent extends Envelope {
  kind: 'net.bind';
  family: 'inet' | 'inet6' | 'unix';
  protocol: 'other' | 'tcp' | 'udp' | 'raw';
  addr: string;
  port: number;
  result: number;
}

/** A `net.listen` event ({@link VigilEvent} of this kind). */
export interface NetListenEvent extends Envelope {
  kind: 'net.listen';
  family: 'inet' | 'inet6' | 'unix';
  protocol: 'other' | 'tcp' | 'udp' | 'raw';
  addr: string;
  port: number;
  backlog?: number | undefined;
  result: number;
}

/**
 * Bytes one TCP connection (or TLS session) carried, from payload capture:
 * emitted when the connection closes (or the capture ends) once the process
 * sent at least the decoder's `transferBytes` on it. Counts are what the
 * read and write calls moved, not only what was copied.
 *
 * @see {@link EventSchema}, {@link EventOf}
 */
export interface NetTransferEvent extends Envelope {
  kind: 'net.transfer';
  transport: 'tcp' | 'tls';
  /** The peer's address and port (plaintext TCP); absent for TLS sessions, which name `endpoint`. */
  daddr?: string | undefined;
  dport?: number | undefined;
  /** The HTTP `Host` of the first request on the connection, when it carried HTTP. */
  endpoint?: string | undefined;
  /** Bytes the process wrote (egress) and read (ingress) on the connection. */
  bytesSent: number;
  bytesReceived: number;
  /** First to last chunk, in milliseconds. */
  durationMs: number;
  /** Chunks were lost or the stream stopped being copied: the counts are a lower bound. */
  partial?: boolean | undefined;
}

/** A `dns.query` event ({@link VigilEvent} of this kind). */
export interface DnsQueryEvent extends Envelope {
  kind: 'dns.query';
  name: string;
  /** Query type, e.g. `A`, `AAAA`, `TXT`, or `TYPE65` for unknown numbers. */
  qtype: string;
  server?: string | undefined;
  serverPort?: number | undefined;
  /** Addresses from the answer, when the response was seen. */
  answers?: string[] | undefined;
}

/** A `priv.change` event ({@link VigilEvent} of this kind). */
export interface PrivChangeEvent extends Envelope {
  kind: 'priv.change';
  syscall:
    | 'setuid'
    | 'setgid'
    | 'setreuid'
    | 'setregid'
    | 'setresuid'
    | 'setresgid'
    | 'setfsuid'
    | 'setfsgid'
    | 'capset';
  /** The ids the call asked for (`-1` meaning "unchanged"), in the syscall's argument order. */
  ids?: number[] | undefined;
  /** For `capset`: effective, permitted and inheritable capability sets as names. */
  capEffective?: string[] | undefined;
  capPermitted?: string[] | undefined;
  result: number;
}

/** A `ns.change` event ({@link VigilEvent} of this kind). */
export interface NsChangeEvent extends Envelope {
  kind: 'ns.change';
  syscall: 'unshare' | 'setns' | 'mount' | 'umount' | 'pivot_root' | 'clone';
  /** Namespace flags (`CLONE_NEW*`) as names, for unshare/setns/clone. */
  namespaces?: string[] | undefined;
  /** Raw flags argument. */
  flags?: number | undefined;
  /** For mount: the source (device, path or filesystem name). Named so to keep the envelope's `source`. */
  mountSource?: string | undefined;
  target?: string | undefined;
  fstype?: string | undefined;
  result: number;
}

/** A `ptrace` event ({@link VigilEvent} of this kind). */
export interface PtraceEvent extends Envelope {
  kind: 'ptrace';
  request: number;
  requestName: string;
  targetPid: number;
  result: number;
}

/** A `module.load` event ({@link VigilEvent} of this kind). */
export interface ModuleLoadEvent extends Envelope {
  kind: 'module.load';
  name: string;
  /** `init_module` or `finit_module`. */
  syscall?: string | undefined;
  result: number;
}

/** A `bpf.load` event ({@link VigilEvent} of this kind). */
export interface BpfLoadEvent extends Envelope {
  kind: 'bpf.load';
  /** `bpf(2)` command name, e.g. `BPF_PROG_LOAD`. */
  command: string;
  programType?: string | undefined;
  programName?: string | undefined;
  result: number;
}

/** A `memfd.create` event ({@link VigilEvent} of this kind). */
export interface MemfdCreateEvent extends Envelope {
  kind: 'memfd.create';
  name: string;
  flags: number;
  result: number;
}

/** A `tool.call` event ({@link VigilEvent} of this kind). */
export interface ToolCallEvent extends Envelope {
  kind: 'tool.call';
  /** MCP server name (as configured by the client) or tool provider. */
  server: string;
  tool: string;
  transport?: 'unknown' | 'stdio' | 'http' | 'sse' | 'in-process' | undefined;
  /** Names of the arguments passed (values are kept out by default). */
  argumentNames?: string[] | undefined;
  /** Whether the call succeeded. */
  status?: 'error' | 'ok' | undefined;
  durationMs?: number | undefined;
  /** The agent that made the call. */
  agent?: string | undefined;
  /** The JSON-RPC request id (MCP), or the model's tool-call id, as a string. */
  callId?: string | undefined;
  /** SHA-256 (hex) of the canonical JSON of the arguments. */
  argumentsHash?: string | undefined;
  /** The MCP server's own name and version, from its `initialize` result, when seen. */
  serverVersion?: string | undefined;
  /** Bytes of the request and of the response on the wire (after transfer decoding). */
  requestBytes?: number | undefined;
  responseBytes?: number | undefined;
  /** Redacted argument text; only in `content` payload mode. */
  argumentsText?: string | undefined;
  /** Part of the exchange was not seen (cut at the capture's byte cap, or no response before the end). */
  partial?: boolean | undefined;
}

/** A `tool.list` event ({@link VigilEvent} of this kind). */
export interface ToolListEvent extends Envelope {
  kind: 'tool.list';
  server: string;
  tools: ToolDefinition[];
  /** Which list this is (MCP `tools/list`, `prompts/list` or `resources/list`); absent means tools. */
  listKind?: 'tools' | 'prompts' | 'resources' | undefined;
  /** SHA-256 (hex) over the sorted `definitionHash`es: changes when any definition changes. */
  setHash?: string | undefined;
  transport?: 'unknown' | 'stdio' | 'http' | 'sse' | 'in-process' | undefined;
  /** The MCP server's own name and version, and the protocol version, from `initialize`. */
  serverVersion?: string | undefined;
  protocolVersion?: string | undefined;
  /** A further page exists (`nextCursor` was set). */
  paginated?: boolean | undefined;
}

/** A `model.call` event ({@link VigilEvent} of this kind). */
export interface ModelCallEvent extends Envelope {
  kind: 'model.call';
  /** `gen_ai.provider.name`, e.g. `openai`, `anthropic`, `aws.bedrock`. */
  provider: string;
  model: string;
  /** `gen_ai.operation.name`, e.g. `chat`, `embeddings`. */
  operation?: string | undefined;
  endpoint?: string | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  agent?: string | undefined;
  /** The model the response named, when it differs from or refines `model` (the model requested). */
  responseModel?: string | undefined;
  /** The API path called, e.g. `/v1/chat/completions`; `endpoint` holds `host:port`. */
  path?: string | undefined;
  /** Tool definitions offered to the model: name and SHA-256 of each definition's canonical JSON. */
  toolsOffered?:
    | {
        name: string;
        definitionHash: string;
      }[]
    | undefined;
  /** Tool calls the model returned, assembled from streamed deltas when streamed. */
  toolCalls?:
    | {
        id?: string | undefined;
        name: string;
        argumentNames?: string[] | undefined;
        /** SHA-256 (hex) of the canonical JSON of the arguments (of the raw text when not JSON). */
        argumentsHash?: string | undefined;
      }[]
    | undefined;
  /** Why generation stopped, as the API said it (`stop`, `tool_calls`, `end_turn`, …). */
  finishReason?: string | undefined;
  /** HTTP status of the response. */
  status?: number | undefined;
  streaming?: boolean | undefined;
  /** Request first byte to response last byte, in milliseconds. */
  durationMs?: number | undefined;
  /** Body bytes of the request and of the response (after transfer and content decoding). */
  requestBytes?: number | undefined;
  responseBytes?: number | undefined;
  /** Redacted prompt and completion text; only in `content` payload mode. */
  promptText?: string | undefined;
  completionText?: string | undefined;
  /** Part of the exchange was not seen (cut at the capture's byte cap, or the connection ended first). */
  partial?: boolean | undefined;
}

/** A `retrieval` event ({@link VigilEvent} of this kind). */
export interface RetrievalEvent extends Envelope {
  kind: 'retrieval';
  /** Data source id (`gen_ai.data_source.id`) or a collection name. */
  dataSource: string;
  store?: string | undefined;
  documents?: number | undefined;
  agent?: string | undefined;
  /** Where the store was reached, `host:port`. */
  endpoint?: string | undefined;
  /** The database (PostgreSQL) the statement ran in. */
  database?: string | undefined;
  /** Every table or collection the request touched, `dataSource` first. */
  collections?: string[] | undefined;
  /** The tables or collections it wrote (a subset of `collections`). */
  written?: string[] | undefined;
  /** What the request does to the data: read (`query`), write (`upsert`), remove (`delete`), or anything else (`admin`). */
  operation?: 'query' | 'upsert' | 'delete' | 'admin' | undefined;
  /** The statement's leading keyword (`SELECT`, `INSERT`, …) or the API operation (`points/search`). */
  command?: string | undefined;
  /** Results asked for (`LIMIT`, `top_k`, `limit`, `k`). */
  topK?: number | undefined;
  /** Vector distances used: `l2`, `cosine`, `inner-product`, `l1`. */
  distances?: string[] | undefined;
  /** Names of the fields or columns the request filters on. */
  filterKeys?: string[] | undefined;
  /** The database role or user name the connection authenticated as (kept: role names are not secrets). */
  principal?: string | undefined;
  /** SHA-256 (hex) of the API key or token the request carried; the key itself is never kept. */
  principalHash?: string | undefined;
  /** The client's own name (PostgreSQL `application_name`). */
  client?: string | undefined;
  /** SHA-256 (hex) of the statement text as sent (of the method, path and body for HTTP APIs). */
  statementHash?: string | undefined;
  /** The statement with literals replaced by `?` and secrets redacted; only in `content` payload mode. */
  statementText?: string | undefined;
  /** Document text written (upserts) or returned (queries), secrets redacted, capped; only in `content` payload mode. */
  texts?: string[] | undefined;
  /** The store refused the request: the SQLSTATE or HTTP status. */
  error?: string | undefined;
  /** Part of the exchange was not seen. */
  partial?: boolean | undefined;
}

/** A `k8s.api` event ({@link VigilEvent} of this kind). */
export interface K8sApiEvent extends Envelope {
  kind: 'k8s.api';
  verb: string;
  resource: string;
  subresource?: string | undefined;
  apiGroup?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
  /** For non-resource requests such as `/healthz`. */
  nonResourceUrl?: string | undefined;
  /** The authenticated user, e.g. `system:serviceaccount:ns:name`. */
  user: string;
  responseCode?: number | undefined;
}

/** A `cloud.api` event ({@link VigilEvent} of this kind). */
export interface CloudApiEvent extends Envelope {
  kind: 'cloud.api';
  provider: 'aws' | 'gcp' | 'azure';
  /** e.g. `s3.amazonaws.com` or `s3`. */
  service: string;
  /** e.g. `GetObject`. */
  action: string;
  resources: string[];
  principal: string;
  region?: string | undefined;
  errorCode?: string | undefined;
}

/**
 * An enforcement decision: an action outside the workload's enforcement
 * policy, refused (`blocked`), stopped (`killed`) or, in monitor mode,
 * allowed and reported (`would-block`).
 *
 * @see {@link EventSchema}, {@link EventOf}
 */
export interface PolicyViolationEvent extends Envelope {
  kind: 'policy.violation';
  action: 'would-block' | 'blocked' | 'killed';
  operation: 'exec' | 'connect' | 'sendmsg';
  mode: 'monitor' | 'enforce';
  /** The policy that applied: `id@version`. */
  policy: string;
  /** The rule that decided, e.g. `egress.default-deny` (nothing in the allowlist matched). */
  rule: string;
  family?: 'ipv4' | 'ipv6' | undefined;
  protocol?: 'other' | 'tcp' | 'udp' | undefined;
  daddr?: string | undefined;
  dport?: number | undefined;
  /** The file name passed to execve. */
  path?: string | undefined;
}

/** The input form of a {@link VigilEvent} (defaults may be omitted). */
export type VigilEventInput = { [K in EventKind]: EventInputOf<K> }[EventKind];
/**
 * The input form of the event of a given kind: its fields, over the {@link EnvelopeInput}.
 *
 * @example
 * ```ts
 * const ev: EventInputOf<'process.fork'> = {
 *   kind: 'process.fork', ts: 1.7e18, pid: 42, ppid: 1, comm: 'sh', exe: '/bin/sh',
 *   source: 'synthetic', workload: { id: 'host', kind: 'host' }, childPid: 43,
 * };
 * ```
 */
export type EventInputOf<K extends EventKind> = {
  [P in keyof (EnvelopeInput & Omit<EventOf<K>, keyof Envelope>)]: (EnvelopeInput &
    Omit<EventOf<K>, keyof Envelope>)[P];
};

/** Every event kind. */
export type EventKind = VigilEvent['kind'];
/** The event of a given kind. */
export type EventOf<K extends EventKind> = Extract<VigilEvent, { kind: K }>;

/**
 * Every event kind, in a stable order: the `kind` of each of {@link EventSchema}'s options, in
 * order (written out, so that listing the kinds does not build the schemas; a test holds the two
 * equal).
 */
export const EVENT_KINDS: readonly EventKind[] = [
  'process.exec',
  'process.fork',
  'process.exit',
  'file.open',
  'net.connect',
  'net.accept',
  'net.bind',
  'net.listen',
  'net.transfer',
  'dns.query',
  'priv.change',
  'ns.change',
  'ptrace',
  'module.load',
  'bpf.load',
  'memfd.create',
  'tool.call',
  'tool.list',
  'model.call',
  'retrieval',
  'k8s.api',
  'cloud.api',
  'policy.violation',
];

/** Schemas of each event kind, keyed by kind. */
export const EventSchemas: { readonly [K in EventKind]: z.ZodType<EventOf<K>> } = Object.fromEntries(
  EVENT_KINDS.map((kind, i) => [kind, KIND_SCHEMAS[i]]),
) as unknown as { readonly [K in EventKind]: z.ZodType<EventOf<K>> };

/**
 * Narrows an event to a kind.
 *
 * @example
 * ```ts
 * if (isEventKind(ev, 'net.connect')) console.log(ev.daddr, ev.dport);
 * ```
 */
export function isEventKind<K extends EventKind>(event: VigilEvent, kind: K): event is EventOf<K> {
  return event.kind === kind;
}
