/** A parsed HTTP/1.x start line and headers. Header names are lower-cased. */
export interface HttpHead {
  readonly type: 'request' | 'response';
  readonly method: string;
  readonly target: string;
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  /** Bytes of the start line and headers. */
  readonly headBytes: number;
}

/** What a direction's parser reports as it goes. */
export interface HttpStreamSink {
  head(head: HttpHead): void;
  /** Body bytes after transfer decoding (still content-encoded). */
  body(bytes: Uint8Array): void;
  /** `n` body bytes were never seen (cut at the capture's cap); they still count towards sizes. */
  lost(n: number): void;
  /** The message ended; `partial` when bytes of it were never seen. */
  end(partial: boolean): void;
  /** The stream can no longer be framed: what went wrong, for the skip counters. */
  desync(reason: string): void;
}

/** For a response: whether the request it answers can have a body in the response (HEAD cannot). */
export type BodyRule = (head: HttpHead) => 'none' | 'framed';

type State =
  | 'head'
  | 'length'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-crlf'
  | 'trailers'
  | 'until-close'
  | 'dead';

const REQUEST_LINE = /^([A-Z][A-Z-]{0,15}) (\S{1,8192}) HTTP\/1\.[01]$/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
const CR = 13;
const LF = 10;

/** The HTTP/2 connection preface a client sends first. */
export const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/**
 * A streaming HTTP/1.1 parser for one direction of a connection: framing by
 * content-length, chunked transfer coding, or the connection's end; bytes it
 * never saw (cut at a capture cap) are skipped inside bodies and end framing
 * anywhere else. Holds at most `maxHeadBytes` of a head and one chunk-size line.
 */
export class HttpStream {
  #state: State = 'head';
  #head: Buffer[] = [];
  #p1 = 0;
  #p2 = 0;
  #headLen = 0;
  #remaining = 0;
  #line = '';
  #partial = false;
  #cur: HttpHead | undefined;
  readonly #sink: HttpStreamSink;
  readonly #maxHead: number;
  readonly #bodyRule: BodyRule;

  constructor(sink: HttpStreamSink, bodyRule: BodyRule, maxHeadBytes = 64 * 1024) {
    this.#sink = sink;
    this.#bodyRule = bodyRule;
    this.#maxHead = maxHeadBytes;
  }

  /** Bytes held while waiting for more. */
  get buffered(): number {
    return this.#headLen + this.#line.length;
  }

  get dead(): boolean {
    return this.#state === 'dead';
  }

  /** True between messages. */
  get idle(): boolean {
    return this.#state === 'head' && this.#headLen === 0;
  }

  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && this.#state !== 'dead') i = this.#step(bytes, i);
  }

  /** `n` bytes of this direction were lost (a read or write cut at the capture's cap). */
  skip(n: number): void {
    if (n <= 0) return;
    if ((this.#state === 'length' || this.#state === 'chunk-data') && n <= this.#remaining) {
      this.#partial = true;
      this.#remaining -= n;
      this.#sink.lost(n);
      if (this.#state === 'length' && this.#remaining === 0) this.#finish();
      else if (this.#state === 'chunk-data' && this.#remaining === 0) this.#state = 'chunk-crlf';
      return;
    }
    if (this.#state === 'until-close') {
      this.#partial = true;
      this.#sink.lost(n);
      return;
    }
    this.#kill('cut inside framing');
  }

  /** The connection closed: a body read until close ends here; anything else open is partial. */
  close(): void {
    if (this.#state === 'until-close') {
      this.#finish();
    } else if (this.#cur !== undefined && this.#state !== 'head' && this.#state !== 'dead') {
      this.#partial = true;
      this.#finish();
    }
    this.#state = 'dead';
    this.#head = [];
    this.#headLen = 0;
  }

  #kill(reason: string): void {
    if (this.#cur !== undefined) {
      this.#cur = undefined;
      this.#sink.end(true);
    }
    this.#state = 'dead';
    this.#head = [];
    this.#headLen = 0;
    this.#line = '';
    this.#sink.desync(reason);
  }

  #step(b: Uint8Array, i: number): number {
    switch (this.#state) {
      case 'head': {
        const start = i;
        let end = -1;
        let p1 = this.#p1;
        let p2 = this.#p2;
        for (let j = i; j < b.length; j++) {
          const c = b[j]!;
          if (c === LF && (p1 === LF || (p1 === CR && p2 === LF))) {
            end = j + 1;
            break;
          }
          p2 = p1;
          p1 = c;
        }
        this.#p1 = p1;
        this.#p2 = p2;
        const stop = end < 0 ? b.length : end;
        if (this.#headLen + (stop - start) > this.#maxHead) {
          this.#kill('header too large');
          return b.length;
        }
        if (end < 0) {
          this.#head.push(Buffer.from(b.subarray(start, stop)));
          this.#headLen += stop - start;
          return b.length;
        }
        // A head that arrived whole (the usual case) is read in place, without copies.
        const here = Buffer.from(b.buffer, b.byteOffset + start, stop - start);
        const text =
          this.#head.length === 0
            ? here.toString('latin1')
            : Buffer.concat([...this.#head, here]).toString('latin1');
        this.#head = [];
        this.#headLen = 0;
        this.#p1 = 0;
        this.#p2 = 0;
        if (/^\s*$/.test(text)) return end; // stray CRLF between messages
        this.#onHead(text);
        return end;
      }
      case 'length': {
        const n = Math.min(this.#remaining, b.length - i);
        if (n > 0) this.#sink.body(b.subarray(i, i + n));
        this.#remaining -= n;
        if (this.#remaining === 0) this.#finish();
        return i + n;
      }
      case 'until-close': {
        this.#sink.body(b.subarray(i));
        return b.length;
      }
      case 'chunk-size':
      case 'trailers':
      case 'chunk-crlf': {
        let j = i;
        while (j < b.length && b[j] !== LF) j++;
        this.#line += Buffer.from(b.subarray(i, j)).toString('latin1');
        if (this.#line.length > 4096) {
          this.#kill('chunk line too long');
          return b.length;
        }
        if (j === b.length) return j;
        const line = this.#line.replace(/\r$/, '');
        this.#line = '';
        if (this.#state === 'chunk-crlf') {
          if (line !== '') this.#kill('missing CRLF after chunk');
          else this.#state = 'chunk-size';
        } else if (this.#state === 'chunk-size') {
          const m = /^([0-9a-fA-F]{1,8})(;.*)?$/.exec(line.trim());
          if (!m) {
            this.#kill('bad chunk size');
            return j + 1;
          }
          const size = Number.parseInt(m[1]!, 16);
          if (size === 0) this.#state = 'trailers';
          else {
            this.#remaining = size;
            this.#state = 'chunk-data';
          }
        } else if (line === '') this.#finish();
        return j + 1;
      }
      case 'chunk-data': {
        const n = Math.min(this.#remaining, b.length - i);
        this.#sink.body(b.subarray(i, i + n));
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = 'chunk-crlf';
        return i + n;
      }
      default:
        return b.length;
    }
  }

  #onHead(text: string): void {
    const lines = text.split(/\r?\n/);
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    while (lines.length > 0 && lines[0] === '') lines.shift();
    const first = lines[0] ?? '';
    const req = REQUEST_LINE.exec(first);
    const res = req ? null : STATUS_LINE.exec(first);
    if (!req && !res) {
      this.#kill('not an HTTP/1.x start line');
      return;
    }
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const m = HEADER.exec(l);
      if (!m) {
        this.#kill('malformed header line');
        return;
      }
      const name = m[1]!.toLowerCase();
      const prev = headers.get(name);
      headers.set(name, prev === undefined ? m[2]! : `${prev}, ${m[2]!}`);
    }
    const head: HttpHead = {
      type: req ? 'request' : 'response',
      method: req ? req[1]! : '',
      target: req ? req[2]! : '',
      status: res ? Number(res[1]) : 0,
      headers,
      headBytes: text.length,
    };
    this.#cur = head;
    this.#partial = false;
    this.#sink.head(head);
    const te = headers.get('transfer-encoding')?.toLowerCase();
    const cl = headers.get('content-length');
    const framed = this.#bodyRule(head);
    if (framed === 'none' || (head.type === 'response' && head.status >= 100 && head.status < 200)) {
      this.#finish();
    } else if (te !== undefined && /(^|,)\s*chunked\s*$/.test(te)) {
      this.#state = 'chunk-size';
    } else if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl.trim())) {
        this.#kill('bad content-length');
        return;
      }
      this.#remaining = Number(cl.trim());
      if (this.#remaining === 0) this.#finish();
      else this.#state = 'length';
    } else if (head.type === 'request') {
      this.#finish();
    } else {
      this.#state = 'until-close';
    }
  }

  #finish(): void {
    this.#state = 'head';
    const partial = this.#partial;
    this.#partial = false;
    this.#cur = undefined;
    this.#sink.end(partial);
  }
}
