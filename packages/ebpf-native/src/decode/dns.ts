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
    let label = '';
    for (let i = off + 1; i <= off + len; i++) {
      const c = msg[i]!;
      // Printable ASCII as is; anything else escaped as \DDD (RFC 4343 presentation form).
      label +=
        c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c
          ? String.fromCharCode(c)
          : `\\${c.toString(10).padStart(3, '0')}`;
    }
    labels.push(label);
    off += 1 + len;
  }
  if (off + 4 > msg.length) fail(off, 'expected QTYPE and QCLASS after the name');
  const type = (msg[off]! << 8) | msg[off + 1]!;
  return { id, name: labels.length === 0 ? '.' : labels.join('.'), qtype: QTYPES[type] ?? `TYPE${type}` };
}
