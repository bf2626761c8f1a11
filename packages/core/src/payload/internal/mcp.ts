import type { Envelope, EventOf } from '../../events/schema.js';
import { redactSecrets } from '../redact.js';
import { argumentDigest, canonicalJson, hashJson, sha256Hex } from './canonical-json.js';

type McpTransport = 'stdio' | 'http' | 'sse';
type McpEvent = EventOf<'tool.call'> | EventOf<'tool.list'>;

interface Pending {
  readonly id: string;
  readonly method: string;
  readonly env: Envelope;
  readonly ts: number;
  readonly params: Record<string, unknown> | undefined;
  readonly bytes: number;
  readonly partial: boolean;
}

const LISTS: Record<string, 'tools' | 'prompts' | 'resources'> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
};
/** Requests whose responses become events. Others are not remembered. */
const TRACKED = new Set(['initialize', 'tools/call', ...Object.keys(LISTS)]);

/** The result a cut response stands in with: the call ended, its outcome unknown. */
const CUT: Record<string, unknown> = Object.freeze({});

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A JSON-RPC id as a key: numbers and strings stay distinct. */
function idKey(id: unknown): string | undefined {
  if (typeof id === 'number' && Number.isFinite(id)) return `n${id}`;
  if (typeof id === 'string') return `s${id}`;
  return undefined;
}

/** Which side of the session a message came from, as an opaque label; responses come from the other. */
export type McpSide = 'egress' | 'ingress';

/**
 * One MCP session: remembers the server's `initialize` answer and the
 * requests in flight (at most `maxPending`), and turns `tools/call` and the
 * list calls into events when their responses arrive. Direction-agnostic: a
 * request sent one way is answered the other way.
 */
export class McpSession {
  server: string | undefined;
  serverVersion: string | undefined;
  protocolVersion: string | undefined;
  readonly #pending = new Map<string, Pending>();
  /** Requests cut before their `id`: answered in order. */
  readonly #cut: { side: McpSide; req: Pending }[] = [];
  readonly #maxPending: number;
  readonly #content: boolean;
  /** Responses with no request seen, and requests pushed out by the bound. */
  unmatched = 0;
  dropped = 0;

  constructor(content: boolean, maxPending = 1024) {
    this.#content = content;
    this.#maxPending = maxPending;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /**
   * One JSON-RPC message (or a batch) seen going `side`. Returns the events it
   * completes; a response's `partial` says it was cut.
   */
  message(
    msg: unknown,
    side: McpSide,
    env: Envelope,
    bytes: number,
    transport: McpTransport,
    fallbackServer: string,
    partial = false,
  ): McpEvent[] {
    if (Array.isArray(msg)) {
      const out: McpEvent[] = [];
      for (const m of msg) out.push(...this.message(m, side, env, 0, transport, fallbackServer, partial));
      return out;
    }
    const m = obj(msg);
    if (!m) return [];
    const key = idKey(m['id']);
    const method = str(m['method']);
    if (method !== undefined) {
      // Untracked methods are remembered too, so their answers are not taken for another's.
      if (key === undefined) return [];
      if (this.#pending.size >= this.#maxPending) {
        const oldest = this.#pending.keys().next().value;
        if (oldest !== undefined) this.#pending.delete(oldest);
        this.dropped++;
      }
      this.#pending.set(`${side}:${key}`, {
        id: String(m['id']),
        method,
        env,
        ts: env.ts,
        params: TRACKED.has(method) ? obj(m['params']) : undefined,
        bytes,
        partial,
      });
      return [];
    }
    if (key === undefined || (m['result'] === undefined && m['error'] === undefined)) return [];
    const other: McpSide = side === 'egress' ? 'ingress' : 'egress';
    const req = this.#pending.get(`${other}:${key}`) ?? this.#oldest(other, String(m['id']));
    if (!req) {
      this.unmatched++;
      return [];
    }
    this.#pending.delete(`${other}:${key}`);
    return this.#answer(req, m, env, bytes, transport, fallbackServer, partial || req.partial);
  }

  /** A request or response cut so short it is not JSON: keep what its prefix still says. */
  cutMessage(
    prefix: string,
    side: McpSide,
    env: Envelope,
    bytes: number,
    transport: McpTransport,
    fallbackServer: string,
  ): McpEvent[] {
    // Writers often put `id` last, so a cut message may have lost it: then it pairs by order.
    const id = /"id"\s*:\s*("(?:[^"\\]{0,256})"|-?\d{1,16})\s*[,}]/.exec(prefix)?.[1];
    const idValue: unknown = id === undefined ? undefined : id.startsWith('"') ? id.slice(1, -1) : Number(id);
    const method = /"method"\s*:\s*"([^"\\]{1,128})"/.exec(prefix)?.[1];
    if (method !== undefined) {
      if (!TRACKED.has(method)) return [];
      const name = /"name"\s*:\s*"([^"\\]{1,256})"/.exec(prefix)?.[1];
      const params = name ? { name } : undefined;
      if (idValue !== undefined)
        return this.message(
          { jsonrpc: '2.0', id: idValue, method, ...(params ? { params } : {}) },
          side,
          env,
          bytes,
          transport,
          fallbackServer,
          true,
        );
      if (this.#cut.length >= 64) {
        this.#cut.shift();
        this.dropped++;
      }
      this.#cut.push({ side, req: { id: '', method, env, ts: env.ts, params, bytes, partial: true } });
      return [];
    }
    const isError = /"isError"\s*:\s*true/.test(prefix) || /^\s*\{\s*"error"\s*:/.test(prefix);
    const res = { jsonrpc: '2.0', ...(isError ? { error: {} } : { result: CUT }) };
    const other: McpSide = side === 'egress' ? 'ingress' : 'egress';
    let req: Pending | undefined;
    if (idValue !== undefined) {
      const key = `${other}:${idKey(idValue)}`;
      req = this.#pending.get(key);
      this.#pending.delete(key);
    }
    req ??= this.#oldest(other);
    if (!req) {
      this.unmatched++;
      return [];
    }
    return this.#answer(req, res, env, bytes, transport, fallbackServer, true);
  }

  /** The oldest request sent `side` still waiting: a cut one first, else the earliest pending. */
  #oldest(side: McpSide, id?: string): Pending | undefined {
    const at = this.#cut.findIndex((c) => c.side === side);
    if (at >= 0) {
      const [c] = this.#cut.splice(at, 1);
      return c && id !== undefined ? { ...c.req, id } : c?.req;
    }
    if (id !== undefined) return undefined;
    for (const [key, p] of this.#pending)
      if (key.startsWith(`${side}:`)) {
        this.#pending.delete(key);
        return p;
      }
    return undefined;
  }

  /** Requests never answered (the session ended or was evicted): `tools/call`s become partial events. */
  abandon(transport: McpTransport, fallbackServer: string): McpEvent[] {
    const out: McpEvent[] = [];
    for (const req of this.#pending.values())
      if (req.method === 'tools/call')
        out.push(this.#toolCall(req, undefined, undefined, 0, transport, fallbackServer, true));
    for (const c of this.#cut)
      if (c.req.method === 'tools/call')
        out.push(this.#toolCall(c.req, undefined, undefined, 0, transport, fallbackServer, true));
    this.#pending.clear();
    this.#cut.length = 0;
    return out;
  }

  #answer(
    req: Pending,
    res: Record<string, unknown>,
    env: Envelope,
    bytes: number,
    transport: McpTransport,
    fallbackServer: string,
    partial: boolean,
  ): McpEvent[] {
    const result = obj(res['result']);
    if (req.method === 'initialize') {
      const info = obj(result?.['serverInfo']);
      const name = str(info?.['name']);
      if (name) this.server = name;
      const version = str(info?.['version']);
      if (version) this.serverVersion = `${name ?? ''}@${version}`;
      const pv = str(result?.['protocolVersion']);
      if (pv) this.protocolVersion = pv;
      return [];
    }
    if (req.method === 'tools/call')
      return [this.#toolCall(req, res, env, bytes, transport, fallbackServer, partial || req.partial)];
    const listKind = LISTS[req.method];
    if (!listKind || !result || partial) return [];
    const items = Array.isArray(result[listKind]) ? (result[listKind] as unknown[]) : [];
    const tools = items.flatMap((item) => {
      const d = obj(item);
      if (!d) return [];
      const name = str(d['name']) ?? str(d['uri']) ?? str(d['uriTemplate']) ?? '';
      const description = str(d['description']);
      const schema = d['inputSchema'] ?? d['arguments'];
      return [
        {
          name,
          ...(description !== undefined ? { description: redactSecrets(description) } : {}),
          ...(schema !== undefined ? { inputSchemaHash: hashJson(schema) } : {}),
          definitionHash: hashJson(d),
        },
      ];
    });
    const setHash = sha256Hex(
      tools
        .map((t) => t.definitionHash)
        .sort()
        .join('\n'),
    );
    const ev: EventOf<'tool.list'> = {
      ...req.env,
      ts: req.ts,
      kind: 'tool.list',
      server: this.server ?? fallbackServer,
      tools,
      listKind,
      setHash,
      transport,
      ...(this.serverVersion ? { serverVersion: this.serverVersion } : {}),
      ...(this.protocolVersion ? { protocolVersion: this.protocolVersion } : {}),
      ...(result['nextCursor'] !== undefined ? { paginated: true } : {}),
    };
    return [ev];
  }

  #toolCall(
    req: Pending,
    res: Record<string, unknown> | undefined,
    env: Envelope | undefined,
    bytes: number,
    transport: McpTransport,
    fallbackServer: string,
    partial: boolean,
  ): EventOf<'tool.call'> {
    const args = req.params?.['arguments'];
    const digest = req.partial && args === undefined ? undefined : argumentDigest(obj(args) ?? {});
    const failed =
      res !== undefined && (res['error'] !== undefined || obj(res['result'])?.['isError'] === true);
    const known = res !== undefined && (failed || res['result'] !== CUT);
    const ev: EventOf<'tool.call'> = {
      ...req.env,
      ts: req.ts,
      kind: 'tool.call',
      server: this.server ?? fallbackServer,
      tool: str(req.params?.['name']) ?? 'unknown',
      transport,
      callId: req.id,
      requestBytes: req.bytes,
    };
    // Assigned one by one: conditional spreads cost an object each on a hot path.
    if (digest?.argumentNames) ev.argumentNames = digest.argumentNames;
    if (known) ev.status = failed ? 'error' : 'ok';
    if (env !== undefined && env.ts >= req.ts) ev.durationMs = (env.ts - req.ts) / 1e6;
    if (digest) ev.argumentsHash = digest.argumentsHash;
    if (this.serverVersion) ev.serverVersion = this.serverVersion;
    if (res !== undefined) ev.responseBytes = bytes;
    if (this.#content && args !== undefined) ev.argumentsText = redactSecrets(canonicalJson(args));
    if (partial) ev.partial = true;
    return ev;
  }
}
