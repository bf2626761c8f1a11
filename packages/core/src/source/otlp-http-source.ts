import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip, createInflate } from 'node:zlib';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import { inputLimits } from '../limits/input-limits.js';
import { guardJson } from '../limits/json-guard.js';
import { eventsFromOtlp, type OtlpConversionStats } from '../otel/genai-spans.js';
import { OtlpTraceExportSchema } from '../otel/otlp-json.js';
import { safeParseDocument } from '../readers/document-value.js';
import { parseJsonText } from '../readers/json-input.js';
import { EventSourceBase } from './base-source.js';
import type { EventSourceOptions } from './event-source.js';

/** Options for {@link OtlpHttpSpanSource.listen}. */
export interface OtlpHttpSpanSourceOptions extends EventSourceOptions {
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 4318 (the OTLP/HTTP port). */
  readonly port?: number;
  /** Request path. Default `/v1/traces`. */
  readonly path?: string;
  /** Largest request body accepted, after decompression. Default 16 MiB. */
  readonly maxBodyBytes?: number;
  /** Events held for the consumer before requests are refused with 503 (exporters retry). Default 100,000. */
  readonly maxPendingEvents?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A live {@link EventSource} that receives OpenTelemetry spans over OTLP/HTTP
 * with JSON encoding (`POST /v1/traces`, `Content-Type: application/json`,
 * optionally gzip), as an agent's OTLP exporter sends them, and turns GenAI
 * and MCP spans into events (see {@link eventsFromOtlp}). Run it beside a live
 * capture so spans and kernel events of the same agent meet in one pipeline.
 * Protobuf bodies are refused with 415 (configure the exporter for JSON);
 * malformed bodies with 400, oversized ones with 413; when the consumer falls
 * behind, requests get 503 and the spans are counted as dropped
 * (`queue-full`).
 *
 * @example
 * ```ts
 * import { AiBomBuilder, OtlpHttpSpanSource, Vigil } from '@vigil/core';
 *
 * const source = await OtlpHttpSpanSource.listen({ port: 4318 });
 * // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:4318/v1/traces OTEL_EXPORTER_OTLP_PROTOCOL=http/json node agent.js
 * const builder = new AiBomBuilder();
 * setTimeout(() => void source.close(), 60_000);
 * await new Vigil({ source, consumers: [builder] }).run();
 * ```
 */
export class OtlpHttpSpanSource extends EventSourceBase {
  override readonly name = 'otlp-http';
  readonly #server: Server;
  readonly #options: OtlpHttpSpanSourceOptions;
  readonly #queue: VigilEvent[][] = [];
  readonly #conversion: OtlpConversionStats = { spans: 0, converted: 0, ignored: 0 };
  #pending = 0;
  #requests = 0;
  #rejected = 0;
  #wake: (() => void) | undefined;

  private constructor(server: Server, options: OtlpHttpSpanSourceOptions) {
    super();
    this.#server = server;
    this.#options = options;
  }

  /** Starts listening; resolves once the port is bound. */
  static async listen(options: OtlpHttpSpanSourceOptions = {}): Promise<OtlpHttpSpanSource> {
    const server = createServer();
    const source = new OtlpHttpSpanSource(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void source.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (cause) =>
        reject(new VigilError('IO', `cannot listen for OTLP/HTTP: ${(cause as Error).message}`, { cause })),
      );
      server.listen(options.port ?? 4318, options.host ?? '127.0.0.1', () => resolve());
    });
    options.signal?.addEventListener('abort', () => void source.close(), { once: true });
    return source;
  }

  /** The URL to point an OTLP/HTTP trace exporter at. */
  get url(): string {
    const a = this.#server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}${this.#options.path ?? '/v1/traces'}`;
  }

  /** Requests received and refused, and spans read, converted and ignored. */
  receiverStats(): Readonly<OtlpConversionStats & { requests: number; rejected: number }> {
    return { ...this.#conversion, requests: this.#requests, rejected: this.#rejected };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#requests++;
    try {
      const path = (req.url ?? '').split('?')[0];
      if (path !== (this.#options.path ?? '/v1/traces'))
        throw new HttpError(404, `no OTLP endpoint at ${path}`);
      if (req.method !== 'POST') throw new HttpError(405, 'OTLP/HTTP takes POST');
      if (this.closed) throw new HttpError(503, 'receiver is closing');
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type === 'application/x-protobuf') {
        throw new HttpError(415, 'OTLP protobuf is not supported here: configure the exporter for http/json');
      }
      if (type !== 'application/json')
        throw new HttpError(415, `expected Content-Type application/json, got ${type || 'none'}`);
      const text = await this.#body(req);
      let doc: unknown;
      try {
        guardJson(text, 'OTLP/HTTP request', inputLimits('otel-spans'), 'request body');
        doc = parseJsonText(text, 'OTLP/HTTP request', 'request body');
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
      const parsed = safeParseDocument(OtlpTraceExportSchema, doc);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new HttpError(
          400,
          `not an OTLP trace export: ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`,
        );
      }
      const events = eventsFromOtlp(parsed.data, this.#conversion);
      const limit = this.#options.maxPendingEvents ?? 100_000;
      if (events.length > 0 && this.#pending + events.length > limit) {
        this.drop('queue-full', events.length);
        res.setHeader('retry-after', '1');
        throw new HttpError(503, `receiver queue full (${this.#pending} events waiting)`);
      }
      if (events.length > 0) {
        this.#queue.push(events);
        this.#pending += events.length;
        this.#wake?.();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    } catch (e) {
      this.#rejected++;
      const status = e instanceof HttpError ? e.status : 500;
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: status, message: (e as Error).message }));
    }
  }

  async #body(req: IncomingMessage): Promise<string> {
    const max = this.#options.maxBodyBytes ?? 16 << 20;
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    const stream =
      encoding === 'gzip'
        ? req.pipe(createGunzip())
        : encoding === 'deflate'
          ? req.pipe(createInflate())
          : req;
    if (encoding !== 'gzip' && encoding !== 'deflate' && encoding !== 'identity') {
      throw new HttpError(415, `unsupported Content-Encoding ${encoding}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > max) {
          req.resume();
          throw new HttpError(413, `request body over ${max} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, `cannot read the request body: ${(e as Error).message}`);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    this.begin('an OtlpHttpSpanSource');
    for (;;) {
      const batch = this.#queue.shift();
      if (batch) {
        this.#pending -= batch.length;
        yield this.deliver(batch);
        continue;
      }
      if (this.closed) {
        const signal = this.#options.signal;
        if (signal?.aborted)
          throw new VigilError('ABORTED', 'OTLP/HTTP receiver aborted', { cause: signal.reason });
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  // Stops listening; batches already received are still delivered, then the iteration ends.
  protected override async onClose(): Promise<void> {
    this.#wake?.();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
