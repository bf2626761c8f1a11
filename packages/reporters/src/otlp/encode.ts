import { createHash } from 'node:crypto';
import {
  type EventOf,
  type Finding,
  modelCallIdOf,
  type OtlpAnyValue,
  type OtlpKeyValue,
  type Severity,
  type VigilEvent,
  type WorkloadRef,
} from '@vigil/core';

/** The instrumentation scope Vigil's OTLP records carry. */
export const OTLP_SCOPE_NAME = '@vigil/reporters';

/** Options for {@link toOtlpLogs} and {@link toOtlpTraces}. */
export interface OtlpEncodeOptions {
  /** The Vigil version, as the instrumentation scope's version. */
  readonly toolVersion?: string;
}

/** An OTLP/JSON `ExportLogsServiceRequest`. */
export interface OtlpLogsRequest {
  resourceLogs: {
    resource: { attributes: OtlpKeyValue[] };
    scopeLogs: {
      scope: { name: string; version?: string };
      logRecords: {
        timeUnixNano: string;
        observedTimeUnixNano: string;
        severityNumber: number;
        severityText: string;
        body: OtlpAnyValue;
        attributes: OtlpKeyValue[];
        eventName?: string;
      }[];
    }[];
  }[];
}

/** An OTLP/JSON `ExportTraceServiceRequest`. */
export interface OtlpTracesRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: {
      scope: { name: string; version?: string };
      spans: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes: OtlpKeyValue[];
        status?: { code: number; message?: string };
      }[];
    }[];
  }[];
}

// OpenTelemetry log severity numbers: INFO 9, INFO2 10, WARN 13, ERROR 17, FATAL 21.
const SEVERITY: Record<Severity, [number, string]> = {
  info: [9, 'INFO'],
  low: [10, 'INFO2'],
  medium: [13, 'WARN'],
  high: [17, 'ERROR'],
  critical: [21, 'FATAL'],
};

function value(v: string | number | boolean | readonly string[]): OtlpAnyValue {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((s) => ({ stringValue: String(s) })) } };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: String(v) };
}

function attrs(
  entries: Record<string, string | number | boolean | readonly string[] | undefined>,
): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const [key, v] of Object.entries(entries)) if (v !== undefined) out.push({ key, value: value(v) });
  return out;
}

const nanos = (ns: number): string => BigInt(Math.max(0, Math.round(ns))).toString();
const hex = (text: string, bytes: number): string =>
  createHash('sha256')
    .update(text)
    .digest('hex')
    .slice(0, bytes * 2);

function resourceOf(w: WorkloadRef, process?: { pid: number; exe: string }): OtlpKeyValue[] {
  return attrs({
    'service.name': w.name ?? w.id,
    'vigil.workload.id': w.id,
    'vigil.workload.kind': w.kind,
    'k8s.namespace.name': w.namespace,
    'k8s.pod.name': w.pod,
    'k8s.pod.uid': w.podUid,
    'container.id': w.containerId,
    'process.pid': process && process.pid > 0 ? process.pid : undefined,
    'process.executable.path': process?.exe ? process.exe : undefined,
  });
}

/**
 * Findings as OTLP log records (one resource per workload), in the OTLP/JSON
 * encoding of `ExportLogsServiceRequest`: the summary is the body, the rule,
 * severity, category, risk and framework tags are attributes
 * (`vigil.finding.*`), the severity maps to OpenTelemetry severity numbers
 * (info 9, low 10, medium 13, high 17, critical 21).
 *
 * @example
 * ```ts
 * import { toOtlpLogs } from '@vigil/reporters';
 *
 * const body = JSON.stringify(toOtlpLogs(findings, { toolVersion: '0.1.0' }));
 * ```
 */
export function toOtlpLogs(findings: readonly Finding[], options: OtlpEncodeOptions = {}): OtlpLogsRequest {
  const scope = { name: OTLP_SCOPE_NAME, ...(options.toolVersion ? { version: options.toolVersion } : {}) };
  const observed = nanos(Date.now() * 1e6);
  const byWorkload = new Map<
    string,
    { w: WorkloadRef; records: OtlpLogsRequest['resourceLogs'][number]['scopeLogs'][number]['logRecords'] }
  >();
  for (const f of findings) {
    let entry = byWorkload.get(f.workload.id);
    if (!entry) {
      entry = { w: f.workload, records: [] };
      byWorkload.set(f.workload.id, entry);
    }
    const [severityNumber, severityText] = SEVERITY[f.severity];
    entry.records.push({
      timeUnixNano: nanos(f.ts),
      observedTimeUnixNano: observed,
      severityNumber,
      severityText,
      body: { stringValue: f.summary },
      eventName: 'vigil.finding',
      attributes: attrs({
        'vigil.finding.id': f.id,
        'vigil.rule.id': f.ruleId,
        'vigil.finding.title': f.title,
        'vigil.finding.severity': f.severity,
        'vigil.finding.category': f.category,
        'vigil.finding.count': f.count,
        'vigil.risk.score': f.risk.score,
        'vigil.tags.owasp_llm': f.tags.owaspLlm.length > 0 ? f.tags.owaspLlm : undefined,
        'vigil.tags.owasp_agentic': f.tags.owaspAgentic.length > 0 ? f.tags.owaspAgentic : undefined,
        'vigil.tags.mitre_atlas': f.tags.atlas.length > 0 ? f.tags.atlas : undefined,
        'vigil.tags.mitre_attack': f.tags.attack.length > 0 ? f.tags.attack : undefined,
      }),
    });
  }
  return {
    resourceLogs: [...byWorkload.values()].map(({ w, records }) => ({
      resource: { attributes: resourceOf(w) },
      scopeLogs: [{ scope, logRecords: records }],
    })),
  };
}

function endpointAttrs(endpoint: string | undefined): Record<string, string | number | undefined> {
  if (endpoint === undefined) return {};
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(endpoint);
  if (!m) return { 'server.address': endpoint };
  return { 'server.address': m[1], 'server.port': m[2] !== undefined ? Number(m[2]) : undefined };
}

type Span = OtlpTracesRequest['resourceSpans'][number]['scopeSpans'][number]['spans'][number];

function modelSpan(ev: EventOf<'model.call'>, traceId: string): Span {
  const op = ev.operation ?? 'chat';
  const failed = ev.status !== undefined && ev.status >= 400;
  return {
    traceId,
    spanId: hex(modelCallIdOf(ev), 8),
    name: `${op} ${ev.model}`,
    kind: 3, // CLIENT
    startTimeUnixNano: nanos(ev.ts),
    endTimeUnixNano: nanos(ev.ts + (ev.durationMs ?? 0) * 1e6),
    attributes: attrs({
      'gen_ai.operation.name': op,
      'gen_ai.provider.name': ev.provider,
      'gen_ai.request.model': ev.model,
      'gen_ai.response.model': ev.responseModel,
      'gen_ai.usage.input_tokens': ev.inputTokens,
      'gen_ai.usage.output_tokens': ev.outputTokens,
      'gen_ai.response.finish_reasons': ev.finishReason !== undefined ? [ev.finishReason] : undefined,
      'gen_ai.agent.name': ev.agent,
      ...endpointAttrs(ev.endpoint),
      'url.path': ev.path,
      'http.response.status_code': ev.status,
      'vigil.model_call.id': modelCallIdOf(ev),
      'vigil.tool_calls': ev.toolCalls !== undefined ? ev.toolCalls.map((c) => c.name) : undefined,
      'vigil.partial': ev.partial,
    }),
    ...(failed ? { status: { code: 2, message: `HTTP ${ev.status}` } } : {}),
  };
}

function toolSpan(ev: EventOf<'tool.call'>, traceId: string): Span {
  const local = ev.transport === 'in-process';
  const parent = ev.cause?.modelCallId;
  return {
    traceId,
    spanId: hex(`tool:${ev.pid}:${ev.ts}:${ev.callId ?? ''}:${ev.tool}`, 8),
    ...(parent !== undefined ? { parentSpanId: hex(parent, 8) } : {}),
    name: `execute_tool ${ev.tool}`,
    kind: local ? 1 : 3, // INTERNAL for the agent's own function, CLIENT for an MCP server
    startTimeUnixNano: nanos(ev.ts),
    endTimeUnixNano: nanos(ev.ts + (ev.durationMs ?? 0) * 1e6),
    attributes: attrs({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': ev.tool,
      'gen_ai.tool.call.id': local ? ev.callId : (ev.cause?.toolCallId ?? undefined),
      'gen_ai.tool.type': local ? ev.server : 'extension',
      'gen_ai.agent.name': ev.agent,
      'mcp.method.name': local ? undefined : 'tools/call',
      'mcp.server.name': local ? undefined : ev.server,
      'jsonrpc.request.id': local ? undefined : ev.callId,
      'network.transport': ev.transport === 'stdio' ? 'pipe' : ev.transport === 'http' ? 'tcp' : undefined,
      'vigil.tool.argument_names': ev.argumentNames,
      'vigil.tool.arguments_hash': ev.argumentsHash,
    }),
    ...(ev.status === 'error' ? { status: { code: 2 } } : {}),
  };
}

/**
 * `model.call` and `tool.call` events as OpenTelemetry GenAI spans (semantic
 * conventions `gen_ai.*`; MCP calls with `mcp.method.name` `tools/call`), in
 * the OTLP/JSON encoding of `ExportTraceServiceRequest`: one resource per
 * workload and process, one trace per workload, a tool call a model
 * response asked for (attribution's `cause`) as a child of that model call's
 * span. Other events are left out; ids are derived from the events, so
 * exporting the same capture twice gives the same spans.
 *
 * @example
 * ```ts
 * import { toOtlpTraces } from '@vigil/reporters';
 *
 * const body = JSON.stringify(toOtlpTraces(events));
 * ```
 */
export function toOtlpTraces(
  events: readonly VigilEvent[],
  options: OtlpEncodeOptions = {},
): OtlpTracesRequest {
  const scope = { name: OTLP_SCOPE_NAME, ...(options.toolVersion ? { version: options.toolVersion } : {}) };
  const groups = new Map<string, { ev: VigilEvent; spans: Span[] }>();
  for (const ev of events) {
    if (ev.kind !== 'model.call' && ev.kind !== 'tool.call') continue;
    const key = `${ev.workload.id}\u0000${ev.pid}`;
    let g = groups.get(key);
    if (!g) {
      g = { ev, spans: [] };
      groups.set(key, g);
    }
    // One trace per workload: a tool call in an MCP server's process is a child of the agent's model call.
    const traceId = hex(ev.workload.id, 16);
    g.spans.push(ev.kind === 'model.call' ? modelSpan(ev, traceId) : toolSpan(ev, traceId));
  }
  return {
    resourceSpans: [...groups.values()].map(({ ev, spans }) => ({
      resource: { attributes: resourceOf(ev.workload, { pid: ev.pid, exe: ev.exe }) },
      scopeSpans: [{ scope, spans }],
    })),
  };
}
