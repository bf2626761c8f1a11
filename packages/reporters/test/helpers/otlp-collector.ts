import { createServer, type Server } from 'node:http';

/** One request an {@link OtlpCollector} received. */
export interface OtlpRequest {
  readonly path: string;
  readonly body: { resourceLogs?: unknown[]; resourceSpans?: unknown[] };
}

interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string };
}

/**
 * A local OTLP/HTTP collector for tests: a real HTTP server on loopback that
 * keeps every JSON request it is sent and answers 200 `{}`.
 */
export class OtlpCollector {
  readonly received: OtlpRequest[] = [];
  readonly #server: Server;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
  }

  static async start(): Promise<OtlpCollector> {
    const c = new OtlpCollector();
    await new Promise<void>((r) => c.#server.listen(0, '127.0.0.1', r));
    c.url = `http://127.0.0.1:${(c.#server.address() as { port: number }).port}`;
    return c;
  }

  /** Every log record received, with its attributes as a plain object. */
  logRecords(): { body: string; attributes: Record<string, string> }[] {
    return this.received.flatMap((r) =>
      (
        (r.body.resourceLogs ?? []) as {
          scopeLogs: { logRecords: { body: { stringValue: string }; attributes: KeyValue[] }[] }[];
        }[]
      ).flatMap((rl) =>
        rl.scopeLogs.flatMap((s) =>
          s.logRecords.map((l) => ({
            body: l.body.stringValue,
            attributes: Object.fromEntries(
              l.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? '']),
            ),
          })),
        ),
      ),
    );
  }

  /** The names of every span received. */
  spanNames(): string[] {
    return this.received.flatMap((r) =>
      ((r.body.resourceSpans ?? []) as { scopeSpans: { spans: { name: string }[] }[] }[]).flatMap((rs) =>
        rs.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)),
      ),
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
