import { HDR, LAYOUT, RecordFlag, RecordKind } from '../decode/layout.js';

/** Header fields of a synthetic record. */
export interface HeaderInput {
  kind: number;
  flags?: number;
  tsMono?: number;
  cgroupId?: bigint;
  tgid?: number;
  tid?: number;
  ppid?: number;
  uid?: number;
  comm?: string;
}

/**
 * Builds a record the way the BPF side lays it out: fixed part, then strings,
 * padded to 8 bytes. `ints` are [offset, bytes, value] writes into the fixed part;
 * `strings` are [field offset, content] (NUL-terminated in the string area).
 */
export function buildRecord(
  h: HeaderInput,
  fixedSize: number,
  ints: [number, 1 | 2 | 4 | 8, number | bigint][] = [],
  strings: [number, string | Buffer][] = [],
): Buffer {
  const parts: Buffer[] = [];
  let off = fixedSize;
  const refs: [number, number, number][] = [];
  for (const [at, content] of strings) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    refs.push([at, off, bytes.length]);
    parts.push(bytes, Buffer.alloc(1));
    off += bytes.length + 1;
  }
  const size = (off + 7) & ~7;
  const buf = Buffer.alloc(size);
  buf.writeUInt16LE(h.kind, HDR.fields['kind']!);
  buf.writeUInt16LE(size, HDR.fields['size']!);
  buf.writeUInt32LE(h.flags ?? 0, HDR.fields['flags']!);
  buf.writeBigUInt64LE(BigInt(h.tsMono ?? 1_000_000), HDR.fields['ts_mono']!);
  buf.writeBigUInt64LE(h.cgroupId ?? 1n, HDR.fields['cgroup_id']!);
  buf.writeUInt32LE(h.tgid ?? 100, HDR.fields['tgid']!);
  buf.writeUInt32LE(h.tid ?? h.tgid ?? 100, HDR.fields['tid']!);
  buf.writeUInt32LE(h.ppid ?? 1, HDR.fields['ppid']!);
  buf.writeUInt32LE(h.uid ?? 0, HDR.fields['uid']!);
  buf.write((h.comm ?? 'test').slice(0, 15), HDR.fields['comm']!, 'utf8');
  for (const [at, bytes, v] of ints) {
    if (bytes === 1) buf.writeUInt8(Number(v), at);
    else if (bytes === 2) buf.writeUInt16LE(Number(v), at);
    else if (bytes === 4) buf.writeInt32LE(Number(v), at);
    else buf.writeBigInt64LE(BigInt(v), at);
  }
  Buffer.concat(parts).copy(buf, fixedSize);
  for (const [at, so, len] of refs) {
    buf.writeUInt16LE(so, at);
    buf.writeUInt16LE(len, at + 2);
  }
  return buf;
}

const O = LAYOUT;

/** A file.open record for `path` (absolute, or relative with `dirLeafFirst`). */
export function openRecord(
  path: string,
  flags = 0,
  result = 3,
  h: Partial<HeaderInput> = {},
  dirLeafFirst?: string,
) {
  return buildRecord(
    { kind: RecordKind.Open, ...h },
    O.open.size,
    [
      [O.open.fields.result, 4, result],
      [O.open.fields.dirfd, 4, -100],
      [O.open.fields.flags, 4, flags],
      [O.open.fields.syscall, 4, 257],
    ],
    [
      [O.open.fields.path, path],
      ...(dirLeafFirst !== undefined ? [[O.open.fields.dir, dirLeafFirst] as [number, string]] : []),
    ],
  );
}

/** An IPv4 connect record. */
export function connectRecord(
  addr: [number, number, number, number],
  port: number,
  result: number,
  h: Partial<HeaderInput> = {},
) {
  const f = O.net.fields;
  return buildRecord({ kind: RecordKind.Connect, ...h }, O.net.size, [
    [f.result, 4, result],
    [f.family, 2, 2],
    [f.type, 2, 1],
    [f.protocol, 2, 6],
    [f.rport, 2, port],
    [f.raddr, 1, addr[0]],
    [f.raddr + 1, 1, addr[1]],
    [f.raddr + 2, 1, addr[2]],
    [f.raddr + 3, 1, addr[3]],
  ]);
}

/** An exec record. */
export function execRecord(
  filename: string,
  argv: string[],
  cwdLeafFirst: string,
  h: Partial<HeaderInput> = {},
) {
  const f = O.exec.fields;
  return buildRecord(
    { kind: RecordKind.Exec, ...h },
    O.exec.size,
    [[f.argc, 4, argv.length]],
    [
      [f.filename, filename],
      [f.exe, filename.split('/').filter(Boolean).reverse().join('\0')],
      [f.cwd, cwdLeafFirst],
      [f.argv, Buffer.from(argv.map((a) => `${a}\0`).join(''), 'utf8').subarray(0, -1)],
    ],
  );
}

/** A DNS query message for `name`, type A. */
export function dnsQuery(name: string, id = 0x1234, qtype = 1): Buffer {
  const labels = name.split('.').filter(Boolean);
  const body = Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])),
    Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]),
  ]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x0100, 2);
  head.writeUInt16BE(1, 4);
  return Buffer.concat([head, body]);
}

/** A DNS record carrying `payload` sent to 127.0.0.1:`port`. */
export function dnsRecord(payload: Buffer, port = 53, h: Partial<HeaderInput> = {}) {
  const f = O.dns.fields;
  return buildRecord(
    { kind: RecordKind.Dns, ...h },
    O.dns.size,
    [
      [f.family, 2, 2],
      [f.dport, 2, port],
      [f.daddr, 1, 127],
      [f.daddr + 3, 1, 1],
    ],
    [[f.payload, payload]],
  );
}

/** A payload record: `transport` 1 tcp, 2 tls, 3 pipe, 4 unix; `len` is what the call moved (default the data's length). */
export function payloadRecord(
  data: string | Buffer,
  p: {
    conn: bigint;
    transport: number;
    direction?: 0 | 1;
    seq?: number;
    len?: number;
    fd?: number;
    end?: boolean;
    /** Read on fd 0 or written on fd 1 (the kernel's VIGIL_F_PAYLOAD_STDIO). */
    stdio?: boolean;
  },
  h: Partial<HeaderInput> = {},
): Buffer {
  const f = LAYOUT.payload.fields;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const ints: [number, 1 | 2 | 4 | 8, number | bigint][] = [
    [f.conn, 8, p.conn],
    [f.len, 4, p.len ?? bytes.length],
    [f.fd, 4, p.fd ?? (p.transport === 2 ? -1 : 5)],
    [f.seq, 4, p.seq ?? 0],
    [f.direction, 1, p.direction ?? 0],
    [f.transport, 1, p.transport],
  ];
  if (p.transport === 1) {
    ints.push([f.family, 2, 2], [f.lport, 2, 40000], [f.rport, 2, 8080]);
    ints.push([f.laddr, 4, 0x0100007f], [f.raddr, 4, 0x0100007f]);
  }
  const rec = buildRecord(
    {
      kind: RecordKind.Payload,
      flags: (p.end ? RecordFlag.PayloadEnd : 0) | (p.stdio ? RecordFlag.PayloadStdio : 0),
      ...h,
    },
    LAYOUT.payload.size,
    ints,
    bytes.length > 0 ? [[f.data, bytes]] : [],
  );
  if (bytes.length === 0) rec.writeUInt16LE(LAYOUT.payload.size, f.data);
  return rec;
}
