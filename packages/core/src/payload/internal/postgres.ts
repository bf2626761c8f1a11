import type { Envelope, EventOf } from '../../events/schema.js';
import type { PayloadDirection } from '../chunk.js';
import { redactSecrets } from '../redact.js';
import { redactLiterals, type SqlSummary, splitStatements, summariseSql } from '../sql.js';
import { sha256Hex } from './canonical-json.js';

/** The 4-byte codes a PostgreSQL client's first message can carry. */
export const PG_PROTOCOL_3 = 196608;
export const PG_SSL_REQUEST = 80877103;
export const PG_GSSENC_REQUEST = 80877104;
export const PG_CANCEL_REQUEST = 80877102;

/**
 * True when `bytes` (a client's first write) starts like a PostgreSQL startup,
 * SSL, GSS or cancel request: a length of 8 to 10000 and a known code.
 * `undefined` while fewer than 8 bytes are known.
 */
export function looksLikePostgres(bytes: Uint8Array): boolean | undefined {
  if (bytes.length < 8) {
    // A 4-byte big-endian length of a startup message starts with two zero bytes.
    return bytes.length >= 2 && (bytes[0] !== 0 || bytes[1] !== 0) ? false : undefined;
  }
  const len = readInt32(bytes, 0);
  const code = readInt32(bytes, 4);
  if (len < 8 || len > 10_000) return false;
  if (code === PG_SSL_REQUEST || code === PG_GSSENC_REQUEST) return len === 8;
  if (code === PG_CANCEL_REQUEST) return len === 16;
  return code === PG_PROTOCOL_3;
}

function readInt32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
function readInt16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** What a PostgreSQL connection reports to the connection that owns it. */
export interface PgSink {
  readonly content: boolean;
  /** Most bytes of one message held; longer messages are skipped (and counted). */
  readonly maxMessage: number;
  emit(event: EventOf<'retrieval'>): void;
  skip(reason: string, offset: number): void;
  /** The envelope of the chunk being read. */
  envelope(): Envelope;
  /** `host:port` of the server. */
  endpoint(): string;
}

/** A statement sent for execution, waiting for its result. */
interface Execution {
  readonly sql: string;
  readonly summary: SqlSummary;
  readonly params: readonly (string | null)[];
  readonly env: Envelope;
  rows: number;
  texts: string[];
  textBytes: number;
}

/** One direction's framing state. */
class Framer {
  #buf: Buffer[] = [];
  #held = 0;
  /** Bytes of an over-long message still to skip. */
  #skipping = 0;
  offset = 0;
  /** The next message has no type byte (the startup phase of the client side). */
  untyped: boolean;
  dead = false;

  constructor(untyped: boolean) {
    this.untyped = untyped;
  }

  get buffered(): number {
    return this.#held;
  }

  /** Appends bytes and returns the complete messages, type (0 for untyped) and body. */
  push(
    bytes: Uint8Array,
    max: number,
    tooLong: (type: number) => void,
  ): { type: number; body: Buffer; offset: number }[] {
    const out: { type: number; body: Buffer; offset: number }[] = [];
    let data = Buffer.from(bytes);
    if (this.#skipping > 0) {
      const n = Math.min(this.#skipping, data.length);
      this.#skipping -= n;
      this.offset += n;
      data = data.subarray(n);
    }
    if (data.length === 0) return out;
    this.#buf.push(data);
    this.#held += data.length;
    let all = this.#buf.length === 1 ? this.#buf[0]! : Buffer.concat(this.#buf);
    let at = 0;
    for (;;) {
      const headLen = this.untyped ? 4 : 5;
      if (all.length - at < headLen) break;
      const type = this.untyped ? 0 : all[at]!;
      const len = readInt32(all, at + headLen - 4);
      if (len < 4 || len > 0x3fffffff) {
        this.dead = true;
        break;
      }
      const total = len + (this.untyped ? 0 : 1);
      if (total > max) {
        tooLong(type);
        const have = all.length - at;
        this.#skipping = Math.max(0, total - have);
        this.offset += Math.min(total, have);
        at = Math.min(all.length, at + total);
        this.untyped = false;
        continue;
      }
      if (all.length - at < total) break;
      out.push({ type, body: all.subarray(at + headLen, at + total), offset: this.offset });
      this.offset += total;
      at += total;
    }
    all = all.subarray(at);
    this.#buf = all.length > 0 ? [Buffer.from(all)] : [];
    this.#held = all.length;
    if (this.dead) {
      this.#buf = [];
      this.#held = 0;
    }
    return out;
  }

  reset(): void {
    this.#buf = [];
    this.#held = 0;
    this.#skipping = 0;
    this.dead = true;
  }
}

const MAX_PREPARED = 256;
const MAX_PENDING = 1024;
const MAX_TEXT_BYTES = 64 * 1024;

function cstring(b: Buffer, at: number): { value: string; next: number } | undefined {
  const end = b.indexOf(0, at);
  if (end < 0) return undefined;
  return { value: b.toString('utf8', at, end), next: end + 1 };
}

/**
 * The PostgreSQL frontend/backend protocol (version 3) of one connection, both
 * directions: the startup message (user, database), simple and extended
 * queries, their results (`CommandComplete`, `DataRow`, `ErrorResponse`), each
 * executed statement becoming a `retrieval` event. TLS after `SSLRequest` is
 * counted and left alone. Holds at most one message per direction and a
 * bounded number of prepared statements and pending executions.
 */
export class PgConnection {
  readonly #sink: PgSink;
  readonly #front = new Framer(true);
  readonly #back = new Framer(false);
  #user: string | undefined;
  #database: string | undefined;
  #application: string | undefined;
  /** `S` answered to `SSLRequest`: everything after is TLS. */
  #sslAsked = false;
  #encrypted = false;
  readonly #prepared = new Map<string, string>();
  readonly #portals = new Map<string, { sql: string; params: (string | null)[] }>();
  #pending: Execution[] = [];
  /** Rows of the result being read belong to the head of `#pending`. */
  #rowsSeen = 0;

  constructor(sink: PgSink) {
    this.#sink = sink;
  }

  get buffered(): number {
    return this.#front.buffered + this.#back.buffered;
  }

  get encrypted(): boolean {
    return this.#encrypted;
  }

  push(dir: PayloadDirection, bytes: Uint8Array): void {
    if (this.#encrypted) return;
    const framer = dir === 'egress' ? this.#front : this.#back;
    if (framer.dead) return;
    if (dir === 'ingress' && this.#sslAsked) {
      // The one-byte answer to SSLRequest: `S` then TLS, `N` then a startup message in clear.
      this.#sslAsked = false;
      const answer = bytes[0];
      framer.offset += 1;
      if (answer === 0x53 || answer === 0x47) {
        this.#encrypted = true;
        this.#sink.skip('postgres: tls', framer.offset);
        return;
      }
      bytes = bytes.subarray(1);
    }
    const messages = framer.push(bytes, this.#sink.maxMessage, (type) =>
      this.#sink.skip(
        `postgres: message too long (${type === 0 ? 'startup' : String.fromCharCode(type)})`,
        framer.offset,
      ),
    );
    if (framer.dead) {
      this.#sink.skip('postgres: invalid message length', framer.offset);
      this.#flushPending(true);
      return;
    }
    for (const m of messages) {
      if (dir === 'egress') this.#frontend(m.type, m.body, m.offset);
      else this.#backend(m.type, m.body, m.offset);
      if (this.#encrypted) return;
    }
  }

  /** Bytes were lost on `dir`: the stream cannot be framed any more; flush what is open as partial. */
  lost(dir: PayloadDirection): void {
    (dir === 'egress' ? this.#front : this.#back).reset();
    this.#flushPending(true);
  }

  close(): void {
    this.#flushPending(true);
    this.#prepared.clear();
    this.#portals.clear();
  }

  #frontend(type: number, body: Buffer, offset: number): void {
    if (type === 0) {
      const code = body.length >= 4 ? readInt32(body, 0) : 0;
      if (code === PG_SSL_REQUEST || code === PG_GSSENC_REQUEST) {
        this.#sslAsked = true;
        return;
      }
      if (code === PG_CANCEL_REQUEST) return;
      if (code !== PG_PROTOCOL_3) {
        this.#sink.skip('postgres: unknown startup code', offset);
        this.#front.reset();
        return;
      }
      this.#front.untyped = false;
      let at = 4;
      while (at < body.length && body[at] !== 0) {
        const k = cstring(body, at);
        const v = k && cstring(body, k.next);
        if (!k || !v) {
          this.#sink.skip('postgres: malformed startup', offset);
          return;
        }
        if (k.value === 'user') this.#user = v.value;
        else if (k.value === 'database') this.#database = v.value;
        else if (k.value === 'application_name') this.#application = v.value;
        at = v.next;
      }
      return;
    }
    switch (type) {
      case 0x51: {
        // Q: simple query, possibly several statements.
        const q = cstring(body, 0);
        if (!q) {
          this.#sink.skip('postgres: malformed Query', offset);
          return;
        }
        for (const sql of splitStatements(q.value)) this.#enqueue(sql, []);
        return;
      }
      case 0x50: {
        // P: Parse (statement name, query, parameter types).
        const name = cstring(body, 0);
        const q = name && cstring(body, name.next);
        if (!name || !q) {
          this.#sink.skip('postgres: malformed Parse', offset);
          return;
        }
        if (!this.#prepared.has(name.value) && this.#prepared.size >= MAX_PREPARED) {
          const oldest = this.#prepared.keys().next().value;
          if (oldest !== undefined) this.#prepared.delete(oldest);
        }
        this.#prepared.set(name.value, q.value);
        return;
      }
      case 0x42: {
        // B: Bind (portal, statement, formats, parameters, result formats).
        const portal = cstring(body, 0);
        const stmt = portal && cstring(body, portal.next);
        if (!portal || !stmt) {
          this.#sink.skip('postgres: malformed Bind', offset);
          return;
        }
        const sql = this.#prepared.get(stmt.value);
        if (sql === undefined) {
          this.#sink.skip('postgres: Bind of an unknown statement', offset);
          this.#portals.delete(portal.value);
          return;
        }
        this.#portals.set(portal.value, { sql, params: readBindParams(body, stmt.next) ?? [] });
        if (this.#portals.size > MAX_PREPARED) {
          const oldest = this.#portals.keys().next().value;
          if (oldest !== undefined) this.#portals.delete(oldest);
        }
        return;
      }
      case 0x45: {
        // E: Execute (portal, max rows).
        const portal = cstring(body, 0);
        if (!portal) {
          this.#sink.skip('postgres: malformed Execute', offset);
          return;
        }
        const p = this.#portals.get(portal.value);
        if (!p) {
          this.#sink.skip('postgres: Execute of an unknown portal', offset);
          return;
        }
        this.#enqueue(p.sql, p.params);
        return;
      }
      case 0x43: {
        // C: Close a statement (S) or portal (P).
        const name = cstring(body, 1);
        if (name && body[0] === 0x53) this.#prepared.delete(name.value);
        else if (name) this.#portals.delete(name.value);
        return;
      }
      case 0x58: // X: Terminate
      case 0x53: // S: Sync
      case 0x48: // H: Flush
      case 0x44: // D: Describe
      case 0x70: // p: password / SASL
      case 0x64: // d: CopyData
      case 0x63: // c: CopyDone
      case 0x66: // f: CopyFail
      case 0x46: // F: FunctionCall
        return;
      default:
        this.#sink.skip('postgres: unknown frontend message', offset);
        this.#front.reset();
    }
  }

  #backend(type: number, body: Buffer, offset: number): void {
    switch (type) {
      case 0x44: {
        // D: DataRow.
        this.#rowsSeen++;
        const head = this.#pending[0];
        if (head && this.#sink.content) collectTexts(head, body);
        return;
      }
      case 0x43: {
        // C: CommandComplete with its tag (`SELECT 3`, `INSERT 0 1`, `UPDATE 2`).
        const tag = cstring(body, 0)?.value ?? '';
        const n = /(\d+)$/.exec(tag);
        this.#complete(n ? Number(n[1]) : this.#rowsSeen, undefined);
        return;
      }
      case 0x49: // I: EmptyQueryResponse
        this.#complete(0, undefined);
        return;
      case 0x45: {
        // E: ErrorResponse: fields of a code byte and a string; C is the SQLSTATE.
        let code = 'error';
        let at = 0;
        while (at < body.length && body[at] !== 0) {
          const f = body[at]!;
          const v = cstring(body, at + 1);
          if (!v) break;
          if (f === 0x43) code = v.value;
          at = v.next;
        }
        // Before any statement (authentication) an error ends the connection; nothing is pending.
        if (this.#pending.length > 0) this.#complete(undefined, code);
        // After an error the server skips the rest of the batch up to Sync / the end of the query.
        this.#skipBatch = true;
        return;
      }
      case 0x5a: // Z: ReadyForQuery: whatever was not answered in this batch never ran.
        this.#pending = [];
        this.#rowsSeen = 0;
        this.#skipBatch = false;
        return;
      case 0x73: // s: PortalSuspended (Execute with a row limit)
        this.#complete(this.#rowsSeen, undefined, true);
        return;
      case 0x54: // T: RowDescription
        this.#rowsSeen = 0;
        return;
      case 0x52: // R: Authentication*
      case 0x53: // S: ParameterStatus
      case 0x4b: // K: BackendKeyData
      case 0x31: // 1: ParseComplete
      case 0x32: // 2: BindComplete
      case 0x33: // 3: CloseComplete
      case 0x6e: // n: NoData
      case 0x74: // t: ParameterDescription
      case 0x4e: // N: NoticeResponse
      case 0x41: // A: NotificationResponse
      case 0x47: // G: CopyInResponse
      case 0x48: // H: CopyOutResponse
      case 0x57: // W: CopyBothResponse
      case 0x64: // d: CopyData
      case 0x63: // c: CopyDone
      case 0x56: // V: FunctionCallResponse
      case 0x76: // v: NegotiateProtocolVersion
        return;
      default:
        this.#sink.skip('postgres: unknown backend message', offset);
        this.#back.reset();
    }
  }

  #skipBatch = false;

  #enqueue(sql: string, params: (string | null)[]): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.#sink.skip('postgres: too many pending statements', this.#front.offset);
      const old = this.#pending.shift();
      if (old) this.#emit(old, undefined, undefined, true);
    }
    this.#pending.push({
      sql,
      summary: summariseSql(sql),
      params,
      env: this.#sink.envelope(),
      rows: 0,
      texts: [],
      textBytes: 0,
    });
  }

  #complete(rows: number | undefined, error: string | undefined, suspended = false): void {
    const x = this.#pending.shift();
    this.#rowsSeen = 0;
    if (!x) {
      if (!this.#skipBatch) this.#sink.skip('postgres: result without statement', this.#back.offset);
      return;
    }
    this.#emit(x, rows, error, suspended);
  }

  #flushPending(partial: boolean): void {
    const open = this.#pending;
    this.#pending = [];
    for (const x of open) this.#emit(x, undefined, undefined, partial);
  }

  #emit(x: Execution, rows: number | undefined, error: string | undefined, partial: boolean): void {
    const s = x.summary;
    const database = this.#database ?? this.#user;
    const ev: EventOf<'retrieval'> = {
      ...x.env,
      kind: 'retrieval',
      dataSource: s.tables[0] ?? database ?? 'postgresql',
      store: 'postgresql',
      endpoint: this.#sink.endpoint(),
      operation: s.operation,
      command: s.command,
      collections: s.tables,
      statementHash: sha256Hex(x.sql),
    };
    if (database !== undefined) ev.database = database;
    if (this.#user !== undefined) ev.principal = this.#user;
    if (this.#application) ev.client = this.#application;
    if (s.written.length > 0) ev.written = s.written;
    if (s.distances.length > 0) ev.distances = s.distances;
    if (s.filterKeys.length > 0) ev.filterKeys = s.filterKeys;
    const limit =
      typeof s.limit === 'number'
        ? s.limit
        : s.limit !== undefined
          ? Number(x.params[s.limit.param - 1] ?? Number.NaN)
          : undefined;
    if (limit !== undefined && Number.isSafeInteger(limit) && limit >= 0) ev.topK = limit;
    if (rows !== undefined) ev.documents = rows;
    if (error !== undefined) ev.error = error;
    if (partial) ev.partial = true;
    if (this.#sink.content) {
      ev.statementText = redactSecrets(redactLiterals(x.sql));
      // What a write puts into the corpus: its text parameters; what a read returns: its text columns.
      const texts =
        s.operation === 'upsert'
          ? [...x.params.filter((p): p is string => p !== null), ...literalTexts(x.sql)]
          : x.texts;
      const kept = capTexts(texts);
      if (kept.length > 0) ev.texts = kept.map(redactSecrets);
    }
    this.#sink.emit(ev);
  }
}

/** The text-format parameter values of a Bind message body, from `at` (after the statement name). */
function readBindParams(body: Buffer, at: number): (string | null)[] | undefined {
  if (at + 2 > body.length) return undefined;
  const nFormats = readInt16(body, at);
  at += 2;
  const formats: number[] = [];
  for (let i = 0; i < nFormats; i++) {
    if (at + 2 > body.length) return undefined;
    formats.push(readInt16(body, at));
    at += 2;
  }
  if (at + 2 > body.length) return undefined;
  const n = readInt16(body, at);
  at += 2;
  const out: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    if (at + 4 > body.length) return undefined;
    const len = readInt32(body, at) | 0;
    at += 4;
    if (len < 0) {
      out.push(null);
      continue;
    }
    if (at + len > body.length) return undefined;
    const format = nFormats === 0 ? 0 : nFormats === 1 ? formats[0] : formats[i];
    out.push(format === 0 ? body.toString('utf8', at, at + len) : null);
    at += len;
  }
  return out;
}

/** Text columns of a DataRow, into the execution's sample (bounded). */
function collectTexts(x: Execution, body: Buffer): void {
  if (body.length < 2 || x.textBytes >= MAX_TEXT_BYTES) return;
  const n = readInt16(body, 0);
  let at = 2;
  for (let i = 0; i < n && at + 4 <= body.length; i++) {
    const len = readInt32(body, at) | 0;
    at += 4;
    if (len < 0) continue;
    if (at + len > body.length) return;
    const text = body.toString('utf8', at, at + len);
    at += len;
    // Only prose-like values: numbers, booleans and vectors say nothing about the corpus.
    if (text.length >= 16 && /[A-Za-z]{3}/.test(text) && !/^\[[-0-9.,e ]*\]$/.test(text)) {
      x.texts.push(text);
      x.textBytes += len;
      if (x.textBytes >= MAX_TEXT_BYTES) return;
    }
  }
}

/** The string literals of a statement (the documents of an `INSERT … VALUES ('…')`). */
function literalTexts(sql: string): string[] {
  const out: string[] = [];
  for (const m of sql.matchAll(/'((?:[^']|'')*)'/g)) {
    const v = m[1]!.replaceAll("''", "'");
    if (v.length >= 16 && /[A-Za-z]{3}/.test(v)) out.push(v);
  }
  return out;
}

function capTexts(texts: readonly string[]): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (const t of texts) {
    if (bytes >= MAX_TEXT_BYTES || out.length >= 64) break;
    const kept = t.slice(0, MAX_TEXT_BYTES - bytes);
    out.push(kept);
    bytes += kept.length;
  }
  return out;
}
