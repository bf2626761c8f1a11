import { TextDecoder } from 'node:util';
import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { SignatureCatalogue } from '../../catalogue/catalogue.js';
import type { Envelope, EventOf, VigilEvent } from '../../events/schema.js';
import { isLocalTransport, type PayloadChunk, type PayloadDirection } from '../chunk.js';
import { redactSecrets } from '../redact.js';
import { LOCAL_OUTPUT } from '../undecoded.js';
import { sha256Hex } from './canonical-json.js';
import type { DefinitionHashes } from './definition-hashes.js';
import { H2_PREFACE, type HttpHead, HttpStream } from './http1.js';
import { classifyLlmRequest, defaultProvider, type LlmApi, ModelCallAccumulator } from './llm.js';
import { McpSession } from './mcp.js';
import { looksLikePostgres, PgConnection } from './postgres.js';
import { LineSplitter, SseParser } from './text-streams.js';
import {
  classifyVectorRequest,
  credentialOf,
  readVectorRequest,
  readVectorResponse,
  type VectorRequest,
  type VectorRequestFacts,
} from './vector-http.js';

/** What a connection reports to the decoder that owns it. */
export interface ConnectionHost {
  readonly content: boolean;
  readonly maxBytes: number;
  emit(event: VigilEvent): void;
  skip(reason: string, connection: string, offset: number): void;
  /** A stream whose protocol the decoder does not read: the chunks it began with. */
  undecoded?(chunks: readonly PayloadChunk[]): void;
  /** MCP sessions over HTTP live as long as their `Mcp-Session-Id`, across connections; `existing` is filed under `key` too. */
  mcpSession(key: string, existing?: McpSession): McpSession;
  /** Hashes of the tool definitions model requests offer, shared by all connections (they repeat). */
  readonly definitions?: DefinitionHashes;
}

type Protocol = 'sniffing' | 'http' | 'h2' | 'jsonl' | 'postgres' | 'opaque';

const envelopeOf = (c: PayloadChunk): Envelope => {
  const env: Envelope = {
    ts: c.ts,
    workload: c.workload,
    pid: c.pid,
    ppid: c.ppid,
    comm: c.comm,
    exe: c.exe,
    source: c.source,
  };
  if (c.tid !== undefined) env.tid = c.tid;
  if (c.uid !== undefined) env.uid = c.uid;
  if (c.cgroupId !== undefined) env.cgroupId = c.cgroupId;
  return env;
};

const REQUEST_START = /^[A-Z][A-Z-]{0,15} \S+ HTTP\/1\.[01]\r?$/;
const RESPONSE_START = /^HTTP\/1\.[01] \d{3}( .*)?\r?$/;
// Built on the first host looked up: validating the built-in catalogue is not an import's work.
let catalogue: SignatureCatalogue | undefined;

/** The provider a host names, from the signature catalogue (api.openai.com → openai). */
function providerOfHost(host: string): string | undefined {
  const name = host.replace(/^\[|\]$/g, '').replace(/:\d+$/, '');
  catalogue ??= SignatureCatalogue.builtin();
  return catalogue.matchHost(name)?.signature.providers?.[0];
}

/** One HTTP request/response pair in flight. */
interface Exchange {
  req: HttpHead;
  env: Envelope;
  reqParts: Buffer[];
  /** Bytes held in `reqParts`. */
  reqKept: number;
  reqBytes: number;
  reqPartial: boolean;
  reqDone: boolean;
  res: HttpHead | undefined;
  resEnv: Envelope | undefined;
  resParts: Buffer[];
  resKept: number;
  resBytes: number;
  resPartial: boolean;
  lastTs: number;
  llm: ModelCallAccumulator | undefined;
  llmInfo: { api: LlmApi; operation: string } | undefined;
  mcp: McpSession | undefined;
  vector: VectorRequest | undefined;
  vectorFacts: VectorRequestFacts | undefined;
  /** SHA-256 of the method, target and request body, for a vector-store call. */
  vectorHash: string | undefined;
  /** Streaming consumer of an uncompressed response body (SSE or NDJSON). */
  stream: ((text: string) => void) | undefined;
  streamCut: (() => void) | undefined;
  /** What the streaming consumer holds (a partial SSE event or line). */
  streamBuffered: (() => number) | undefined;
  decoder: TextDecoder | undefined;
  overflow: boolean;
}

/**
 * The decoding state of one connection or pipe pair: sniffs the protocol,
 * then frames HTTP/1.1 exchanges or JSON lines and turns them into events.
 */
export class ConnectionState {
  readonly id: string;
  readonly transport: PayloadChunk['transport'];
  lastTs = 0;
  /** Bytes this connection holds, as last reported to the decoder. */
  accounted = 0;
  #protocol: Protocol = 'sniffing';
  readonly #host: ConnectionHost;
  readonly #nextSeq = { egress: 0, ingress: 0 };
  readonly #offset = { egress: 0, ingress: 0 };
  /** Chunks held until the protocol is known, in arrival order. */
  #sniff: PayloadChunk[] = [];
  #sniffBytes = 0;
  #peer = '';
  #env: Envelope | undefined;
  // HTTP
  readonly #http: { egress: HttpStream | undefined; ingress: HttpStream | undefined } = {
    egress: undefined,
    ingress: undefined,
  };
  #exchanges: Exchange[] = [];
  #ts = 0;
  #curEnv: Envelope | undefined;
  #curChunk: PayloadChunk | undefined;
  // JSON lines (MCP over stdio)
  #lines: { egress: LineSplitter; ingress: LineSplitter } | undefined;
  #decoders: { egress: TextDecoder; ingress: TextDecoder } | undefined;
  #session: McpSession | undefined;
  #lineDir: PayloadDirection = 'egress';
  #lineCut = false;
  /** A JSON-RPC message was read on this stream: from then on, lines that are not are losses. */
  #rpcSeen = false;
  /** This stream was counted once as local output. */
  #localCounted = false;
  // PostgreSQL: the direction that carried the startup message is the client's.
  #pg: PgConnection | undefined;
  #pgClient: PayloadDirection = 'egress';

  constructor(id: string, transport: PayloadChunk['transport'], host: ConnectionHost) {
    this.id = id;
    this.transport = transport;
    this.#host = host;
  }

  get protocol(): Protocol {
    return this.#protocol;
  }

  /** Bytes held for this connection right now. */
  buffered(): number {
    let n = this.#sniffBytes;
    n += (this.#http.egress?.buffered ?? 0) + (this.#http.ingress?.buffered ?? 0);
    for (const x of this.#exchanges) n += x.reqKept + x.resKept + (x.streamBuffered?.() ?? 0);
    if (this.#lines) n += this.#lines.egress.buffered + this.#lines.ingress.buffered;
    if (this.#pg) n += this.#pg.buffered;
    return n;
  }

  push(chunk: PayloadChunk): void {
    const dir = chunk.direction;
    this.lastTs = chunk.ts;
    if (chunk.peer)
      this.#peer = `${chunk.peer.addr.includes(':') ? `[${chunk.peer.addr}]` : chunk.peer.addr}:${chunk.peer.port}`;
    const expected = this.#nextSeq[dir];
    if (chunk.seq < expected) {
      this.#host.skip('reordered', this.id, this.#offset[dir]);
      return;
    }
    const gap = chunk.seq > expected;
    this.#nextSeq[dir] = chunk.seq + 1;
    if (gap) {
      this.#host.skip('gap', this.id, this.#offset[dir]);
      this.#lost(dir, -1);
    }
    if (this.#protocol === 'sniffing') {
      this.#sniff.push(chunk);
      this.#sniffBytes += chunk.bytes.length;
      this.#decide(dir);
      if (this.#protocol === 'sniffing') {
        if (chunk.end) this.close();
        return;
      }
      // Replayed in arrival order, both directions together.
      const pending = this.#sniff;
      this.#sniff = [];
      this.#sniffBytes = 0;
      for (const c of pending) this.#feed(c);
      return;
    }
    this.#feed(chunk);
  }

  /** The connection ended (closed, evicted, or the input ended): flush what is half done. */
  close(): void {
    if (this.#protocol === 'sniffing' && this.#sniffBytes > 0) {
      this.#unrecognised('unrecognised');
    }
    this.#sniff = [];
    this.#sniffBytes = 0;
    if (this.#protocol === 'http') {
      this.#http.egress?.close();
      this.#http.ingress?.close();
      for (const x of this.#exchanges) this.#finishExchange(x, true);
      this.#exchanges = [];
    } else if (this.#protocol === 'postgres') {
      this.#pg?.close();
    } else if (this.#protocol === 'jsonl' && this.#lines) {
      this.#lines.egress.flush();
      this.#lines.ingress.flush();
      const env = this.#env;
      if (env && this.#session)
        for (const e of this.#session.abandon(this.#mcpTransport(), this.#fallbackServer()))
          this.#host.emit(e);
    }
    this.#protocol = 'opaque';
  }

  // Counted by reason, and the stream's first chunks handed over so reports can say which stream and why.
  #unrecognised(reason: string): void {
    this.#host.skip(reason === 'unrecognised' && this.#isLocal() ? LOCAL_OUTPUT : reason, this.id, 0);
    this.#host.undecoded?.(this.#sniff);
  }

  /** A pipe or Unix socket between processes of the host: stdio, a tool's own IPC. */
  #isLocal(): boolean {
    return isLocalTransport(this.transport);
  }

  /**
   * A line that is not JSON-RPC on a local stream that never carried any is a program's output
   * (a result printed as JSON, a file piped on): counted once per stream, as local output, not
   * per line as an MCP message lost. Returns false where the line is a loss to count as such.
   */
  #localOutputLine(offset: number): boolean {
    if (this.#rpcSeen || !this.#isLocal()) return false;
    if (!this.#localCounted) this.#host.skip(LOCAL_OUTPUT, this.id, offset);
    this.#localCounted = true;
    return true;
  }

  #decide(dir: PayloadDirection): void {
    const mine = this.#sniff.filter((c) => c.direction === dir);
    const bytes = Buffer.concat(mine.map((c) => c.bytes));
    const pg = looksLikePostgres(bytes);
    if (pg === true) {
      this.#protocol = 'postgres';
      this.#pgClient = dir;
      return;
    }
    if (pg === undefined && bytes.length > 0) return;
    const text = bytes.toString('latin1');
    const trimmed = text.trimStart();
    if (trimmed.length === 0) {
      if (this.#sniffBytes > 8192) {
        this.#protocol = 'opaque';
        this.#unrecognised('unrecognised');
      }
      return;
    }
    if (trimmed[0] === '{' || trimmed[0] === '[') {
      this.#protocol = 'jsonl';
      return;
    }
    const pre = text.slice(0, H2_PREFACE.length);
    if (H2_PREFACE.startsWith(pre)) {
      if (pre.length === H2_PREFACE.length) {
        this.#protocol = 'h2';
        this.#unrecognised('http2');
      }
      return;
    }
    const nl = text.indexOf('\n');
    if (nl < 0) {
      if (text.length > 8192 || !/^[A-Z]/.test(text) || mine.some((c) => c.originalLength > c.bytes.length)) {
        this.#protocol = 'opaque';
        this.#unrecognised('unrecognised');
      }
      return;
    }
    const first = text.slice(0, nl);
    if (REQUEST_START.test(first) || RESPONSE_START.test(first)) this.#protocol = 'http';
    else {
      this.#protocol = 'opaque';
      this.#unrecognised('unrecognised');
    }
  }

  #feed(chunk: PayloadChunk): void {
    const dir = chunk.direction;
    const lost = chunk.originalLength - chunk.bytes.length;
    this.#offset[dir] += chunk.originalLength;
    this.#ts = chunk.ts;
    this.#curChunk = chunk;
    this.#curEnv = undefined;
    this.#env ??= this.#envelope();
    if (this.#protocol === 'http') this.#feedHttp(chunk, dir, lost);
    else if (this.#protocol === 'jsonl') this.#feedLines(chunk, dir, lost);
    else if (this.#protocol === 'postgres') this.#feedPostgres(chunk, dir, lost);
    if (chunk.end) this.close();
  }

  /** Bytes of `dir` were lost: `n` of them, or an unknown number when `n` is -1. */
  #lost(dir: PayloadDirection, n: number): void {
    if (this.#protocol === 'http') {
      if (n >= 0) {
        const s = this.#http[dir];
        if (s && !s.dead) s.skip(n);
        return;
      }
      // Whole chunks are gone: which responses answer which requests is no longer known.
      // Flush what is open as partial and wait for both sides to start a new message.
      this.#http.egress?.close();
      this.#http.ingress?.close();
      const open = this.#exchanges;
      this.#exchanges = [];
      for (const x of open) this.#finishExchange(x, true);
    } else if (this.#protocol === 'jsonl' && this.#lines) {
      this.#lines[dir].reset();
    } else if (this.#protocol === 'postgres') {
      this.#pg?.lost(dir === this.#pgClient ? 'egress' : 'ingress');
    }
  }

  // --- PostgreSQL -----------------------------------------------------------

  #feedPostgres(chunk: PayloadChunk, dir: PayloadDirection, lost: number): void {
    if (!this.#pg) {
      this.#pg = new PgConnection({
        content: this.#host.content,
        maxMessage: this.#host.maxBytes,
        emit: (e) => this.#host.emit(e),
        skip: (reason, offset) => this.#host.skip(reason, this.id, offset),
        envelope: () => this.#envelope(),
        endpoint: () => this.#peer || 'unknown',
      });
    }
    const side = dir === this.#pgClient ? 'egress' : 'ingress';
    this.#pg.push(side, chunk.bytes);
    // A write cut at the capture's cap leaves the framing unknown from here on.
    if (lost > 0) this.#pg.lost(side);
  }

  // --- HTTP ---------------------------------------------------------------

  #feedHttp(chunk: PayloadChunk, dir: PayloadDirection, lost: number): void {
    let s = this.#http[dir];
    if (!s || s.dead) {
      // Resynchronise only where a write starts a new message.
      const nl = chunk.bytes.indexOf(10);
      const first = Buffer.from(
        chunk.bytes.subarray(0, nl < 0 ? Math.min(chunk.bytes.length, 8192) : nl),
      ).toString('latin1');
      if (s?.dead && !(nl >= 0 && (REQUEST_START.test(first) || RESPONSE_START.test(first)))) {
        this.#host.skip('desynchronised', this.id, this.#offset[dir]);
        return;
      }
      s = this.#newStream(dir);
    }
    s.push(chunk.bytes);
    if (lost > 0) s.skip(lost);
  }

  #newStream(dir: PayloadDirection): HttpStream {
    let current: Exchange | undefined;
    let isRequest = false;
    const stream = new HttpStream(
      {
        head: (head) => {
          isRequest = head.type === 'request';
          if (isRequest) current = this.#onRequest(head);
          else current = this.#onResponseHead(head);
        },
        body: (bytes) => {
          if (!current) return;
          if (isRequest) this.#onRequestBody(current, bytes);
          else this.#onResponseBody(current, bytes);
        },
        end: (partial) => {
          const x = current;
          current = undefined;
          if (!x) return;
          if (isRequest) this.#onRequestEnd(x, partial);
          else if (x.res && (x.res.status < 100 || x.res.status >= 200)) {
            x.resPartial ||= partial;
            this.#exchanges.splice(this.#exchanges.indexOf(x), 1);
            this.#finishExchange(x, false);
          } else if (x.res) {
            // An interim 1xx response: the final one is still to come.
            x.res = undefined;
          }
        },
        lost: (n) => {
          if (!current) return;
          if (isRequest) current.reqBytes += n;
          else {
            current.resBytes += n;
            // The event or line being read lost its tail: drop it, with any half character.
            current.decoder?.decode();
            current.streamCut?.();
          }
        },
        desync: (reason) => this.#host.skip(`http: ${reason}`, this.id, this.#offset[dir]),
      },
      (head) => {
        if (head.type === 'request') return 'framed';
        const x = this.#exchanges.find((e) => e.res === head);
        if (x?.req.method === 'HEAD' || head.status === 204 || head.status === 304) return 'none';
        return 'framed';
      },
      Math.min(64 * 1024, this.#host.maxBytes),
    );
    this.#http[dir] = stream;
    return stream;
  }

  #onRequest(head: HttpHead): Exchange {
    const x: Exchange = {
      req: head,
      env: this.#envelope(),
      reqParts: [],
      reqKept: 0,
      reqBytes: 0,
      reqPartial: false,
      reqDone: false,
      res: undefined,
      resEnv: undefined,
      resParts: [],
      resKept: 0,
      resBytes: 0,
      resPartial: false,
      lastTs: this.#ts,
      llm: undefined,
      llmInfo: undefined,
      mcp: undefined,
      vector: undefined,
      vectorFacts: undefined,
      vectorHash: undefined,
      stream: undefined,
      streamCut: undefined,
      streamBuffered: undefined,
      decoder: undefined,
      overflow: false,
    };
    const llm = classifyLlmRequest(head.method, head.target, head.headers);
    if (llm) {
      x.llmInfo = llm;
      x.llm = new ModelCallAccumulator(llm.api, this.#host.content, llm.model, this.#host.definitions);
    } else x.vector = classifyVectorRequest(head.method, head.target);
    if (this.#exchanges.length >= 64) {
      const old = this.#exchanges.shift();
      if (old) {
        this.#host.skip('too many pipelined requests', this.id, 0);
        this.#finishExchange(old, true);
      }
    }
    this.#exchanges.push(x);
    return x;
  }

  #onRequestBody(x: Exchange, bytes: Uint8Array): void {
    x.reqBytes += bytes.length;
    if (x.reqKept + bytes.length <= this.#host.maxBytes) {
      x.reqParts.push(Buffer.from(bytes));
      x.reqKept += bytes.length;
    } else x.overflow = true;
  }

  #onRequestEnd(x: Exchange, partial: boolean): void {
    x.reqDone = true;
    x.reqPartial = partial || x.overflow;
    const raw = joined(x.reqParts);
    const body = decodeBody(raw, x.req.headers.get('content-encoding'), this.#host.maxBytes);
    const text = body?.toString('utf8');
    let json: unknown;
    if (text !== undefined && !x.reqPartial) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (x.llm) x.llm.request(json, text);
    else if (x.vector) {
      x.vectorFacts = readVectorRequest(x.vector, json);
      x.vectorHash = sha256Hex(`${x.req.method} ${x.req.target}\n${text ?? ''}`);
    } else if (isJsonRpc(json)) {
      const key = x.req.headers.get('mcp-session-id') ?? `${this.id}`;
      x.mcp = this.#host.mcpSession(key);
      for (const e of x.mcp.message(json, 'egress', x.env, raw.length, 'http', this.#httpHost(x)))
        this.#host.emit(e);
    }
    // The request body is no longer needed once read.
    x.reqParts = [];
    x.reqKept = 0;
  }

  #onResponseHead(head: HttpHead): Exchange | undefined {
    const x = this.#exchanges.find((e) => e.res === undefined);
    if (!x) {
      this.#host.skip('response without request', this.id, 0);
      return undefined;
    }
    x.res = head;
    x.resEnv = this.#envelope();
    // The server names the session in its answer to `initialize`: later requests carry that id.
    const sid = head.headers.get('mcp-session-id');
    if (x.mcp && sid !== undefined) this.#host.mcpSession(sid, x.mcp);
    const ct = (head.headers.get('content-type') ?? '').toLowerCase();
    const enc = (head.headers.get('content-encoding') ?? 'identity').toLowerCase();
    if ((x.llm || x.mcp) && (enc === 'identity' || enc === '')) {
      const decoder = new TextDecoder('utf-8', { fatal: false });
      x.decoder = decoder;
      const consumer = this.#textConsumer(x, ct);
      if (consumer) {
        x.stream = consumer.push;
        x.streamCut = consumer.cut;
        x.streamBuffered = consumer.buffered;
      }
    }
    return x;
  }

  /** A streaming reader for an SSE or NDJSON body; `undefined` when the body is read whole. */
  #textConsumer(
    x: Exchange,
    ct: string,
  ): { push: (t: string) => void; cut: () => void; buffered: () => number } | undefined {
    const max = this.#host.maxBytes;
    if (ct.includes('text/event-stream')) {
      const sse = new SseParser(max, (ev) => this.#onStreamed(x, ev.data, ev.event, 'sse'));
      return { push: (t) => sse.push(t), cut: () => sse.cut(), buffered: () => sse.buffered };
    }
    const ollama = x.llmInfo?.api === 'ollama-chat' || x.llmInfo?.api === 'ollama-generate';
    if (ct.includes('ndjson') || (ollama && !ct.includes('application/json'))) {
      const lines = new LineSplitter(max, (line) => this.#onStreamed(x, line, '', 'ndjson'));
      return { push: (t) => lines.push(t), cut: () => lines.reset(), buffered: () => lines.buffered };
    }
    return undefined;
  }

  #onStreamed(x: Exchange, data: string, event: string, framing: 'sse' | 'ndjson'): void {
    const t = data.trim();
    if (t === '' || t === '[DONE]') return;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch {
      this.#host.skip(`${framing}: invalid JSON`, this.id, 0);
      return;
    }
    if (x.llm) x.llm.streamed(value, event);
    else if (x.mcp) {
      for (const e of x.mcp.message(
        value,
        'ingress',
        x.resEnv ?? x.env,
        Buffer.byteLength(t),
        'sse',
        this.#httpHost(x),
      ))
        this.#host.emit(e);
    }
  }

  #onResponseBody(x: Exchange, bytes: Uint8Array): void {
    x.resBytes += bytes.length;
    x.lastTs = this.#ts;
    if (!x.llm && !x.mcp && !x.vector) return;
    if (x.stream && x.decoder) {
      x.stream(x.decoder.decode(bytes, { stream: true }));
      return;
    }
    if (x.resKept + bytes.length <= this.#host.maxBytes) {
      x.resParts.push(Buffer.from(bytes));
      x.resKept += bytes.length;
    } else x.overflow = true;
  }

  #finishExchange(x: Exchange, abandoned: boolean): void {
    const partial = abandoned || x.reqPartial || x.resPartial || x.overflow || !x.res;
    if (x.vector) {
      this.#vectorCall(x, x.vector, partial);
      return;
    }
    if (x.res && !x.stream && (x.llm || x.mcp) && x.resKept > 0) {
      const body = decodeBody(joined(x.resParts), x.res.headers.get('content-encoding'), this.#host.maxBytes);
      x.resParts = [];
      x.resKept = 0;
      if (body === undefined) this.#host.skip('undecodable body', this.id, 0);
      else {
        const text = body.toString('utf8');
        const ct = (x.res.headers.get('content-type') ?? '').toLowerCase();
        const consumer = this.#textConsumer(x, ct);
        if (consumer) {
          consumer.push(text);
          consumer.push('\n\n');
        } else {
          try {
            const value: unknown = JSON.parse(text);
            if (x.llm) x.llm.response(value);
            else if (x.mcp)
              for (const e of x.mcp.message(
                value,
                'ingress',
                x.resEnv ?? x.env,
                body.length,
                'http',
                this.#httpHost(x),
              ))
                this.#host.emit(e);
          } catch {
            if (!partial) this.#host.skip('invalid JSON body', this.id, 0);
          }
        }
      }
    } else if (x.stream && x.decoder) {
      x.stream(x.decoder.decode());
      x.stream('\n\n');
    }
    if (x.llm && x.llmInfo) this.#host.emit(this.#modelCall(x, x.llm, x.llmInfo, partial));
    if (x.mcp && !x.res) for (const e of x.mcp.abandon('http', this.#httpHost(x))) this.#host.emit(e);
  }

  #vectorCall(x: Exchange, v: VectorRequest, partial: boolean): void {
    const facts = x.vectorFacts ?? { filterKeys: [], texts: [] };
    if (facts.notVector) return;
    let response: { results?: number; texts: string[] } = { texts: [] };
    if (x.res && x.resKept > 0) {
      const body = decodeBody(joined(x.resParts), x.res.headers.get('content-encoding'), this.#host.maxBytes);
      x.resParts = [];
      x.resKept = 0;
      try {
        if (body !== undefined) response = readVectorResponse(v, JSON.parse(body.toString('utf8')));
      } catch {
        if (!partial) this.#host.skip('invalid JSON body', this.id, 0);
      }
    }
    const host = this.#httpHost(x);
    // A Pinecone index is named by its host (`<index>-<project>.svc.<env>.pinecone.io`).
    const collection = v.collection ?? (v.store === 'pinecone' ? host.split('.')[0]! : v.store);
    const ev: EventOf<'retrieval'> = {
      ...x.env,
      kind: 'retrieval',
      dataSource: collection,
      store: v.store,
      endpoint: host,
      operation: v.operation,
      command: v.command,
      collections: [collection],
    };
    if (v.operation !== 'query') ev.written = [collection];
    if (x.vectorHash !== undefined) ev.statementHash = x.vectorHash;
    if (facts.topK !== undefined) ev.topK = facts.topK;
    if (facts.filterKeys.length > 0) ev.filterKeys = facts.filterKeys;
    const key = credentialOf(x.req.headers);
    if (key !== undefined) ev.principalHash = sha256Hex(key);
    if (response.results !== undefined) ev.documents = response.results;
    if (x.res && (x.res.status < 200 || x.res.status >= 300)) ev.error = String(x.res.status);
    if (partial) ev.partial = true;
    if (this.#host.content) {
      const texts = v.operation === 'upsert' ? facts.texts : response.texts;
      if (texts.length > 0) ev.texts = texts.map(redactSecrets);
    }
    this.#host.emit(ev);
  }

  #httpHost(x: Exchange): string {
    const h = x.req.headers.get('host');
    if (h)
      return /\]:\d+$/.test(h) || /^[^:]+:\d+$/.test(h) ? h : `${h}:${this.transport === 'tls' ? 443 : 80}`;
    return this.#peer || 'unknown';
  }

  #modelCall(
    x: Exchange,
    llm: ModelCallAccumulator,
    info: { api: LlmApi; operation: string },
    partial: boolean,
  ): EventOf<'model.call'> {
    const host = this.#httpHost(x);
    const fields = llm.result(partial);
    const provider = providerOfHost(host) ?? defaultProvider(info.api, false);
    const ev: EventOf<'model.call'> = {
      ...x.env,
      kind: 'model.call',
      provider,
      model: fields.model,
      operation: info.operation,
      endpoint: `${this.transport === 'tls' ? 'https' : 'http'}://${host}`,
      path: x.req.target.split('?')[0] ?? x.req.target,
      streaming: fields.streaming,
      requestBytes: x.reqBytes,
    };
    if (fields.inputTokens !== undefined) ev.inputTokens = fields.inputTokens;
    if (fields.outputTokens !== undefined) ev.outputTokens = fields.outputTokens;
    if (fields.responseModel !== undefined) ev.responseModel = fields.responseModel;
    if (fields.toolsOffered) ev.toolsOffered = fields.toolsOffered;
    if (fields.toolCalls) ev.toolCalls = fields.toolCalls;
    if (fields.finishReason !== undefined) ev.finishReason = fields.finishReason;
    if (x.res) {
      ev.status = x.res.status;
      if (x.lastTs >= x.env.ts) ev.durationMs = (x.lastTs - x.env.ts) / 1e6;
      ev.responseBytes = x.resBytes;
    }
    if (fields.promptText !== undefined) ev.promptText = fields.promptText;
    if (fields.completionText !== undefined) ev.completionText = fields.completionText;
    if (fields.partial) ev.partial = true;
    return ev;
  }

  // --- JSON lines (MCP over stdio) ---------------------------------------------

  #mcpTransport(): 'stdio' | 'http' {
    return isLocalTransport(this.transport) ? 'stdio' : 'http';
  }

  #fallbackServer(): string {
    return this.#peer || (this.#env ? `${this.#env.comm}[${this.#env.pid}]` : 'unknown');
  }

  #feedLines(chunk: PayloadChunk, dir: PayloadDirection, lost: number): void {
    if (!this.#lines || !this.#decoders) {
      this.#session = new McpSession(this.#host.content);
      const max = this.#host.maxBytes;
      const onLine = (line: string): void => this.#onLine(line);
      this.#lines = { egress: new LineSplitter(max, onLine), ingress: new LineSplitter(max, onLine) };
      this.#decoders = { egress: new TextDecoder(), ingress: new TextDecoder() };
    }
    this.#lineDir = dir;
    this.#lineCut = false;
    const lines = this.#lines[dir];
    const before = lines.overlong;
    lines.push(this.#decoders[dir].decode(chunk.bytes, { stream: lost === 0 }));
    if (lost > 0) {
      // The write's tail (and its newline) is gone: what is held is a cut message.
      this.#lineCut = true;
      lines.flush();
      this.#lineCut = false;
    }
    if (lines.overlong > before) this.#host.skip('line too long', this.id, this.#offset[dir]);
  }

  /** The envelope of the chunk being read, built once per chunk and only when an event needs it. */
  #envelope(): Envelope {
    if (this.#curEnv === undefined && this.#curChunk !== undefined) this.#curEnv = envelopeOf(this.#curChunk);
    return this.#curEnv!;
  }

  #onLine(line: string): void {
    const t = line.trim();
    if (t === '' || !this.#session || !this.#curChunk) return;
    const env = this.#envelope();
    const dir = this.#lineDir;
    const bytes = Buffer.byteLength(t);
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch {
      if (this.#lineCut) {
        this.#host.skip('truncated', this.id, this.#offset[dir]);
        for (const e of this.#session.cutMessage(t, dir, env, bytes, 'stdio', this.#fallbackServer()))
          this.#host.emit(e);
      } else if (!this.#localOutputLine(this.#offset[dir]))
        this.#host.skip('invalid JSON line', this.id, this.#offset[dir]);
      return;
    }
    if (!isJsonRpc(value)) {
      if (!this.#localOutputLine(this.#offset[dir]))
        this.#host.skip('not JSON-RPC', this.id, this.#offset[dir]);
      return;
    }
    this.#rpcSeen = true;
    for (const e of this.#session.message(
      value,
      dir,
      env,
      bytes,
      this.#mcpTransport(),
      this.#fallbackServer(),
    ))
      this.#host.emit(e);
  }
}

/** The parts as one buffer; a body that came in one piece is not copied again. */
function joined(parts: readonly Buffer[]): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function isJsonRpc(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0 && v.every(isJsonRpc);
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)['jsonrpc'] === '2.0';
}

/**
 * Content-decodes a body with the output capped at `max` bytes; a cut
 * compressed stream yields what decodes. `undefined` when it cannot be decoded.
 */
function decodeBody(raw: Buffer, encoding: string | undefined, max: number): Buffer | undefined {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  const opts = { maxOutputLength: max, finishFlush: constants.Z_SYNC_FLUSH };
  try {
    switch (enc) {
      case 'identity':
      case '':
        return raw;
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(raw, opts);
      case 'deflate':
        try {
          return inflateSync(raw, opts);
        } catch {
          return inflateRawSync(raw, opts);
        }
      case 'br':
        return brotliDecompressSync(raw, {
          maxOutputLength: max,
          finishFlush: constants.BROTLI_OPERATION_FLUSH,
        });
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
