import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Span, Trace, TracingProcessor } from '@openai/agents';

type Attr = { key: string; value: { stringValue: string } | { intValue: string } | { boolValue: boolean } };

function hexId(id: string, bytes: number): string {
  return createHash('sha256')
    .update(id)
    .digest('hex')
    .slice(0, bytes * 2);
}

function nanos(iso: string | null): string {
  const ms = iso ? Date.parse(iso) : Date.now();
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}

function s(key: string, value: string | undefined): Attr[] {
  return value === undefined || value === '' ? [] : [{ key, value: { stringValue: value } }];
}
function n(key: string, value: unknown): Attr[] {
  return typeof value === 'number' && Number.isFinite(value)
    ? [{ key, value: { intValue: String(Math.trunc(value)) } }]
    : [];
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attr[];
  status: { code: number; message?: string };
}

/** Options for {@link GenAiSpanRecorder}. */
export interface GenAiSpanRecorderOptions {
  readonly serviceName: string;
  /** The model endpoint, for `server.address` / `server.port` on model spans. */
  readonly endpoint: URL;
  readonly provider?: string;
}

/**
 * A tracing processor for the OpenAI Agents SDK that records its spans as
 * OpenTelemetry spans following the GenAI and MCP semantic conventions
 * (`invoke_agent`, `chat`, `execute_tool`, `tools/list`) and writes them as
 * one OTLP/JSON `ExportTraceServiceRequest`.
 */
export class GenAiSpanRecorder implements TracingProcessor {
  readonly #options: GenAiSpanRecorderOptions;
  readonly #spans: OtlpSpan[] = [];

  constructor(options: GenAiSpanRecorderOptions) {
    this.#options = options;
  }

  async onTraceStart(_trace: Trace): Promise<void> {}
  async onTraceEnd(_trace: Trace): Promise<void> {}
  async onSpanStart(_span: Span<never>): Promise<void> {}

  // biome-ignore lint/suspicious/noExplicitAny: the SDK types span data per kind; this reads every kind.
  async onSpanEnd(span: Span<any>): Promise<void> {
    const data = span.spanData as Record<string, unknown> & { type: string };
    const provider = this.#options.provider ?? 'openai';
    const ep = this.#options.endpoint;
    let name: string;
    let attributes: Attr[];
    let kind = 1; // INTERNAL
    switch (data.type) {
      case 'agent':
        name = `invoke_agent ${String(data['name'])}`;
        attributes = [
          ...s('gen_ai.operation.name', 'invoke_agent'),
          ...s('gen_ai.agent.name', String(data['name'])),
          ...s('gen_ai.provider.name', provider),
        ];
        break;
      case 'generation': {
        const model = typeof data['model'] === 'string' ? data['model'] : 'unknown';
        const usage = (data['usage'] ?? {}) as Record<string, unknown>;
        name = `chat ${model}`;
        kind = 3; // CLIENT
        attributes = [
          ...s('gen_ai.operation.name', 'chat'),
          ...s('gen_ai.provider.name', provider),
          ...s('gen_ai.request.model', model),
          ...s('server.address', ep.hostname),
          ...n('server.port', Number(ep.port || (ep.protocol === 'https:' ? 443 : 80))),
          ...n('gen_ai.usage.input_tokens', usage['input_tokens']),
          ...n('gen_ai.usage.output_tokens', usage['output_tokens']),
        ];
        break;
      }
      case 'function': {
        const mcp = data['mcp_data'] as { server?: string } | undefined;
        name = `execute_tool ${String(data['name'])}`;
        attributes = [
          ...s('gen_ai.operation.name', 'execute_tool'),
          ...s('gen_ai.tool.name', String(data['name'])),
          ...s('gen_ai.tool.type', 'function'),
          ...s('gen_ai.tool.call.arguments', typeof data['input'] === 'string' ? data['input'] : undefined),
          ...(mcp?.server
            ? [
                ...s('mcp.method.name', 'tools/call'),
                ...s('mcp.server.name', mcp.server),
                ...s('network.transport', 'pipe'),
              ]
            : []),
        ];
        break;
      }
      case 'mcp_tools':
        name = 'tools/list';
        kind = 3;
        attributes = [
          ...s('mcp.method.name', 'tools/list'),
          ...s('mcp.server.name', typeof data['server'] === 'string' ? data['server'] : undefined),
        ];
        break;
      default:
        name = data.type;
        attributes = [];
    }
    this.#spans.push({
      traceId: hexId(span.traceId, 16),
      spanId: hexId(span.spanId, 8),
      ...(span.parentId ? { parentSpanId: hexId(span.parentId, 8) } : {}),
      name,
      kind,
      startTimeUnixNano: nanos(span.startedAt),
      endTimeUnixNano: nanos(span.endedAt),
      attributes,
      status: span.error ? { code: 2, message: span.error.message } : { code: 1 },
    });
  }

  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}

  /** The recorded spans as one OTLP/JSON trace export. */
  toOtlp(): object {
    return {
      resourceSpans: [
        {
          resource: {
            attributes: [
              ...s('service.name', this.#options.serviceName),
              ...n('process.pid', process.pid),
              ...s('process.executable.name', 'node'),
              ...s('process.executable.path', process.execPath),
              ...s('telemetry.sdk.language', 'nodejs'),
            ],
          },
          scopeSpans: [{ scope: { name: 'vigil-lab', version: '0.1.0' }, spans: this.#spans }],
        },
      ],
    };
  }

  /** Writes the spans to `path` as OTLP/JSON. */
  async write(path: string): Promise<void> {
    await writeFile(path, `${JSON.stringify(this.toOtlp(), null, 2)}\n`);
  }
}
