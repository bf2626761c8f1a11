import type { VigilEvent } from '../events/schema.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { attributesOf, type OtlpSpan, type OtlpTraceExport } from './otlp-json.js';

type Attrs = Record<string, unknown>;

const MODEL_OPERATIONS = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'embeddings',
  'completion',
  'embedding',
]);
const VECTOR_DB_SYSTEMS = new Set([
  'qdrant',
  'weaviate',
  'milvus',
  'chroma',
  'chromadb',
  'pinecone',
  'pgvector',
  'lancedb',
  'elasticsearch',
  'opensearch',
  'redis',
]);

function str(a: Attrs, key: string): string | undefined {
  const v = a[key];
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}
function num(a: Attrs, key: string): number | undefined {
  const v = a[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  // Counts beyond 2^53 cannot be exact integers: drop them rather than report a wrong one.
  return Number.isFinite(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER ? Math.trunc(n) : undefined;
}
function nanos(v: string | number | undefined): number {
  return v === undefined ? 0 : Number(v);
}

/**
 * The workload a span's resource describes: a Kubernetes pod (and container),
 * a container, or else the service, as an `external` workload. Ids follow
 * {@link workloadFromCgroupPath} so spans and kernel events of the same pod
 * line up.
 *
 * @example
 * ```ts
 * workloadFromResource({ 'service.name': 'support-agent' }).id; // 'otel:support-agent'
 * ```
 */
export function workloadFromResource(resource: Attrs): WorkloadRef {
  const podUid = str(resource, 'k8s.pod.uid');
  const containerId = str(resource, 'container.id');
  const service = str(resource, 'service.name') ?? 'unknown_service';
  const labels: Record<string, string> = { 'service.name': service };
  const namespace = str(resource, 'k8s.namespace.name');
  const pod = str(resource, 'k8s.pod.name');
  const container = str(resource, 'k8s.container.name');
  const common = {
    labels,
    ...(namespace ? { namespace } : {}),
    ...(pod ? { pod } : {}),
    ...(container ? { container } : {}),
  };
  if (podUid) {
    return {
      ...common,
      id: containerId ? `k8s:${podUid}/${containerId.slice(0, 12)}` : `k8s:${podUid}`,
      kind: 'kubernetes-pod',
      name: pod ?? `pod ${podUid}`,
      podUid,
      ...(containerId ? { containerId } : {}),
    };
  }
  if (containerId) {
    return {
      ...common,
      id: `container:${containerId.slice(0, 12)}`,
      kind: 'container',
      name: service,
      containerId,
    };
  }
  return { ...common, id: `otel:${service}`, kind: 'external', name: service };
}

function endpointOf(a: Attrs): string | undefined {
  const full = str(a, 'url.full');
  if (full) {
    try {
      const u = new URL(full);
      return `${u.protocol}//${u.host}`;
    } catch {
      // fall through to server.address
    }
  }
  const host = str(a, 'server.address');
  if (!host) return undefined;
  const port = num(a, 'server.port');
  const scheme = port === 443 ? 'https' : 'http';
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port ? `${scheme}://${h}:${port}` : `${scheme}://${h}`;
}

function argumentNames(a: Attrs): string[] | undefined {
  const raw = a['gen_ai.tool.call.arguments'];
  let obj: unknown = raw;
  if (typeof raw === 'string') {
    try {
      obj = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  return obj && typeof obj === 'object' && !Array.isArray(obj) ? Object.keys(obj).slice(0, 64) : undefined;
}

/** Counts of what {@link eventsFromOtlp} read and skipped. */
export interface OtlpConversionStats {
  spans: number;
  /** Spans that became events. */
  converted: number;
  /** Spans with no GenAI, MCP or vector-store meaning. */
  ignored: number;
}

/**
 * Turns one OTLP/JSON trace export into Vigil events, following the
 * OpenTelemetry GenAI and MCP semantic conventions: model spans
 * (`gen_ai.operation.name` chat, text_completion, generate_content,
 * embeddings) become `model.call`; `execute_tool` spans and MCP `tools/call`
 * spans become `tool.call`; spans with `gen_ai.data_source.id`, and
 * vector-database client spans, become `retrieval`. The agent is
 * `gen_ai.agent.name` on the span or on its nearest `invoke_agent` ancestor.
 * Argument values are never copied, only their names. The pid comes from the
 * resource's `process.pid`.
 *
 * @example
 * ```ts
 * import { eventsFromOtlp } from '@vigil/core';
 *
 * const events = eventsFromOtlp(JSON.parse(text));
 * ```
 */
export function eventsFromOtlp(doc: OtlpTraceExport, stats?: OtlpConversionStats): VigilEvent[] {
  const out: VigilEvent[] = [];
  for (const rs of doc.resourceSpans) {
    const resource = attributesOf(rs.resource?.attributes);
    const workload = workloadFromResource(resource);
    const pid = num(resource, 'process.pid') ?? 0;
    const comm = (str(resource, 'process.executable.name') ?? str(resource, 'service.name') ?? 'otel').slice(
      0,
      64,
    );
    const exe = str(resource, 'process.executable.path') ?? '';
    const spans = (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []);
    const byId = new Map<string, { span: OtlpSpan; attrs: Attrs }>();
    for (const span of spans)
      if (span.spanId)
        byId.set(`${span.traceId ?? ''}/${span.spanId}`, { span, attrs: attributesOf(span.attributes) });
    const agentOf = (span: OtlpSpan, attrs: Attrs): string | undefined => {
      let a = str(attrs, 'gen_ai.agent.name');
      let parent = span.parentSpanId;
      for (let hops = 0; !a && parent && hops < 64; hops++) {
        const p = byId.get(`${span.traceId ?? ''}/${parent}`);
        if (!p) break;
        a = str(p.attrs, 'gen_ai.agent.name');
        parent = p.span.parentSpanId;
      }
      return a;
    };
    for (const span of spans) {
      if (stats) stats.spans++;
      const attrs =
        (span.spanId ? byId.get(`${span.traceId ?? ''}/${span.spanId}`)?.attrs : undefined) ??
        attributesOf(span.attributes);
      const ts = nanos(span.startTimeUnixNano);
      const end = span.endTimeUnixNano === undefined ? undefined : nanos(span.endTimeUnixNano);
      const envelope = { ts, workload, pid, ppid: 0, comm, exe, source: 'otel' as const };
      const op = str(attrs, 'gen_ai.operation.name');
      const mcpMethod = str(attrs, 'mcp.method.name');
      const agent = agentOf(span, attrs);
      const failed = span.status?.code === 2 || span.status?.code === 'STATUS_CODE_ERROR';
      let ev: VigilEvent | undefined;
      if (op && MODEL_OPERATIONS.has(op)) {
        const provider = str(attrs, 'gen_ai.provider.name') ?? str(attrs, 'gen_ai.system') ?? 'unknown';
        const model = str(attrs, 'gen_ai.request.model') ?? str(attrs, 'gen_ai.response.model') ?? 'unknown';
        const endpoint = endpointOf(attrs);
        const inputTokens =
          num(attrs, 'gen_ai.usage.input_tokens') ?? num(attrs, 'gen_ai.usage.prompt_tokens');
        const outputTokens =
          num(attrs, 'gen_ai.usage.output_tokens') ?? num(attrs, 'gen_ai.usage.completion_tokens');
        ev = {
          ...envelope,
          kind: 'model.call',
          provider,
          model,
          operation: op,
          ...(endpoint ? { endpoint } : {}),
          ...(inputTokens !== undefined ? { inputTokens } : {}),
          ...(outputTokens !== undefined ? { outputTokens } : {}),
          ...(agent ? { agent } : {}),
        };
      } else if (op === 'execute_tool' || mcpMethod === 'tools/call') {
        const tool =
          str(attrs, 'gen_ai.tool.name') ?? span.name.replace(/^(execute_tool|tools\/call)\s+/, '');
        const isMcp = mcpMethod !== undefined || str(attrs, 'mcp.server.name') !== undefined;
        const server =
          str(attrs, 'mcp.server.name') ??
          (isMcp ? (str(attrs, 'server.address') ?? 'mcp') : (str(attrs, 'gen_ai.tool.type') ?? 'function'));
        const net = str(attrs, 'network.transport');
        const transport = !isMcp
          ? 'in-process'
          : net === 'pipe' || net === 'stdio'
            ? 'stdio'
            : net === 'tcp' || net === 'quic'
              ? 'http'
              : 'unknown';
        const names = argumentNames(attrs);
        const callId = str(attrs, 'gen_ai.tool.call.id');
        ev = {
          ...envelope,
          kind: 'tool.call',
          server,
          tool,
          transport,
          status: failed ? 'error' : 'ok',
          ...(end !== undefined && end >= ts ? { durationMs: (end - ts) / 1e6 } : {}),
          ...(names ? { argumentNames: names } : {}),
          ...(agent ? { agent } : {}),
          ...(callId ? { callId } : {}),
        };
      } else if (str(attrs, 'gen_ai.data_source.id') || op === 'retrieval') {
        const store = str(attrs, 'db.system.name') ?? str(attrs, 'db.system');
        ev = {
          ...envelope,
          kind: 'retrieval',
          dataSource: str(attrs, 'gen_ai.data_source.id') ?? str(attrs, 'db.collection.name') ?? span.name,
          ...(store ? { store } : {}),
          ...(agent ? { agent } : {}),
        };
      } else {
        const system = str(attrs, 'db.system.name') ?? str(attrs, 'db.system');
        const collection = str(attrs, 'db.collection.name') ?? str(attrs, 'db.namespace');
        if (system && VECTOR_DB_SYSTEMS.has(system.toLowerCase()) && collection) {
          ev = {
            ...envelope,
            kind: 'retrieval',
            dataSource: collection,
            store: system,
            ...(agent ? { agent } : {}),
          };
        }
      }
      if (ev) {
        out.push(ev);
        if (stats) stats.converted++;
      } else if (stats) stats.ignored++;
    }
  }
  return out;
}
