import { VigilError } from '@vigil/core';

/**
 * The question of a DNS query message.
 *
 * @example
 * ```ts
 * const { name, qtype } = parseDnsQuery(payload);
 * ```
 */
export interface DnsQuestion {
  /** The query name without the trailing dot, e.g. `api.openai.com`. */
  readonly name: string;
  /** The query type as a mnemonic, e.g. `A`, or `TYPE65` for numbers without one. */
  readonly qtype: string;
  /** The message id. */
  readonly id: number;
}

const QTYPES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  43: 'DS',
  48: 'DNSKEY',
  64: 'SVCB',
  65: 'HTTPS',
  255: 'ANY',
  257: 'CAA',
};

const MAX_NAME = 253;
const MAX_ANSWERS = 64;
const MAX_POINTER_HOPS = 32;

/** The question and the addresses of a DNS response. */
export interface DnsAnswer extends DnsQuestion {
  /** IPv4 and IPv6 addresses from A and AAAA answers, in message order. */
  readonly answers: readonly string[];
  /** The response code (0 = NOERROR, 3 = NXDOMAIN, ...). */
  readonly rcode: number;
}

function label(msg: Uint8Array, from: number, len: number): string {
  let out = '';
  for (let i = from; i < from + len; i++) {
    const c = msg[i]!;
    // Printable ASCII as is; anything else escaped as \DDD (RFC 4343 presentation form).
    out +=
      c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c
        ? String.fromCharCode(c)
        : `\\${c.toString(10).padStart(3, '0')}`;
  }
  return out;
}

/**
 * Reads a possibly compressed name (RFC 1035 §4.1.4). Pointers must point
 * backwards and are followed at most MAX_POINTER_HOPS times, so hostile
 * messages cannot loop. Returns the name and the offset after it.
 */
function readName(
  msg: Uint8Array,
  start: number,
  fail: (offset: number, what: string) => never,
): { name: string; next: number } {
  const labels: string[] = [];
  let off = start;
  let next = -1;
  let hops = 0;
  let length = 0;
  for (;;) {
    if (off >= msg.length) fail(off, 'name runs past the end of the message');
    const len = msg[off]!;
    if (len === 0) {
      if (next < 0) next = off + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= msg.length) fail(off, 'compression pointer cut short');
      const target = ((len & 0x3f) << 8) | msg[off + 1]!;
      if (target >= off) fail(off, `compression pointer to ${target} does not point backwards`);
      if (++hops > MAX_POINTER_HOPS) fail(off, 'too many compression pointers');
      if (next < 0) next = off + 2;
      off = target;
      continue;
    }
    if ((len & 0xc0) !== 0) fail(off, `expected a label length (0-63), found 0x${len.toString(16)}`);
    if (off + 1 + len > msg.length) fail(off, `label of ${len} bytes runs past the end of the message`);
    length += len + (labels.length > 0 ? 1 : 0);
    if (length > MAX_NAME) fail(off, `name longer than ${MAX_NAME} characters`);
    labels.push(label(msg, off + 1, len));
    off += 1 + len;
  }
  return { name: labels.length === 0 ? '.' : labels.join('.'), next };
}

/**
 * Parses the first question of a DNS query message (RFC 1035 §4.1), as sent
 * in a UDP payload. Rejects responses, messages without a question,
 * compression pointers in a query, labels running past the end and names
 * longer than 253 characters, with the byte offset of the problem.
 *
 * @example
 * ```ts
 * const q = parseDnsQuery(payload); // { id: 4660, name: 'example.com', qtype: 'A' }
 * ```
 */
export function parseDnsQuery(msg: Uint8Array, file = '<dns payload>'): DnsQuestion {
  const fail = (offset: number, what: string): never => {
    throw new VigilError('PARSE', `DNS query: ${what}`, { location: { file, offset } });
  };
  if (msg.length < 12) fail(msg.length, `expected a 12-byte header, got ${msg.length} bytes`);
  const id = (msg[0]! << 8) | msg[1]!;
  if ((msg[2]! & 0x80) !== 0) fail(2, 'expected a query (QR=0), found a response');
  const qdcount = (msg[4]! << 8) | msg[5]!;
  if (qdcount < 1) fail(4, 'expected at least one question (QDCOUNT=0)');
  const labels: string[] = [];
  let off = 12;
  let nameLen = 0;
  for (;;) {
    if (off >= msg.length) fail(off, 'name runs past the end of the message');
    const len = msg[off]!;
    if (len === 0) {
      off++;
      break;
    }
    if ((len & 0xc0) !== 0) fail(off, `expected a label length (0-63), found 0x${len.toString(16)}`);
    if (off + 1 + len > msg.length) fail(off, `label of ${len} bytes runs past the end of the message`);
    nameLen += len + (labels.length > 0 ? 1 : 0);
    if (nameLen > MAX_NAME) fail(off, `name longer than ${MAX_NAME} characters`);
    labels.push(label(msg, off + 1, len));
    off += 1 + len;
  }
  if (off + 4 > msg.length) fail(off, 'expected QTYPE and QCLASS after the name');
  const type = (msg[off]! << 8) | msg[off + 1]!;
  return { id, name: labels.length === 0 ? '.' : labels.join('.'), qtype: QTYPES[type] ?? `TYPE${type}` };
}

function ipv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6(b: Uint8Array, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!).toString(16));
  // RFC 5952: compress the longest run of two or more zero groups.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  return best < 0 ? g.join(':') : `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/**
 * Parses a DNS response (RFC 1035): the first question and the A/AAAA
 * addresses of the answer section, following compression pointers safely. A
 * response cut short (the capture keeps at most 512 bytes) yields the answers
 * read so far; a message that is not a response or whose question is
 * malformed is rejected with the byte offset of the problem.
 *
 * @example
 * ```ts
 * const r = parseDnsResponse(payload); // { name: 'api.openai.com', qtype: 'A', answers: ['104.18.6.192'], rcode: 0, id: 7 }
 * ```
 */
export function parseDnsResponse(msg: Uint8Array, file = '<dns payload>'): DnsAnswer {
  const fail = (offset: number, what: string): never => {
    throw new VigilError('PARSE', `DNS response: ${what}`, { location: { file, offset } });
  };
  if (msg.length < 12) fail(msg.length, `expected a 12-byte header, got ${msg.length} bytes`);
  const id = (msg[0]! << 8) | msg[1]!;
  if ((msg[2]! & 0x80) === 0) fail(2, 'expected a response (QR=1), found a query');
  const rcode = msg[3]! & 0x0f;
  const qdcount = (msg[4]! << 8) | msg[5]!;
  const ancount = (msg[6]! << 8) | msg[7]!;
  if (qdcount < 1) fail(4, 'expected at least one question (QDCOUNT=0)');
  const q = readName(msg, 12, fail);
  let off = q.next;
  if (off + 4 > msg.length) fail(off, 'expected QTYPE and QCLASS after the name');
  const type = (msg[off]! << 8) | msg[off + 1]!;
  off += 4;
  // Further questions (rare) are skipped.
  for (let i = 1; i < qdcount && off < msg.length; i++) off = readName(msg, off, fail).next + 4;
  const answers: string[] = [];
  for (let i = 0; i < Math.min(ancount, MAX_ANSWERS); i++) {
    if (off >= msg.length) break;
    let rr: { next: number };
    try {
      rr = readName(msg, off, fail);
    } catch {
      break; // cut short by the capture limit
    }
    const at = rr.next;
    if (at + 10 > msg.length) break;
    const rtype = (msg[at]! << 8) | msg[at + 1]!;
    const rdlen = (msg[at + 8]! << 8) | msg[at + 9]!;
    const data = at + 10;
    if (data + rdlen > msg.length) break;
    if (rtype === 1 && rdlen === 4) answers.push(ipv4(msg, data));
    else if (rtype === 28 && rdlen === 16) answers.push(ipv6(msg, data));
    off = data + rdlen;
  }
  return { id, name: q.name, qtype: QTYPES[type] ?? `TYPE${type}`, answers, rcode };
}
