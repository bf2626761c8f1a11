import { readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { type PayloadChunk, VigilError, type VigilEvent, type WorkloadRef } from '@vigil/core';
import { type DnsAnswer, type DnsQuestion, parseDnsQuery, parseDnsResponse } from './dns.js';
import {
  FIXED_SIZE,
  HDR,
  LAYOUT,
  MAX_RECORD_BYTES,
  PayloadTransportCode,
  RecordFlag,
  RecordKind,
} from './layout.js';
import { BPF_PROG_TYPES, capabilityNames, NAMESPACE_FLAGS, PTRACE_REQUESTS, SYSCALL_NAMES } from './names.js';

/**
 * What the decoder needs from its host: workload identity and the wall clock.
 *
 * @example
 * ```ts
 * const ctx: DecodeContext = { workloadFor: () => HOST_WORKLOAD, wallOffsetNs: 0 };
 * ```
 */
export interface DecodeContext {
  /** The workload of a cgroup v2 id (decimal string). Called often: cache. */
  workloadFor(cgroupId: string): WorkloadRef;
  /** Nanoseconds to add to a CLOCK_MONOTONIC timestamp to get ns since the epoch. */
  readonly wallOffsetNs: number;
  /** Reads a process's executable when no exec was seen for it; default `/proc/PID/exe`. */
  readonly readExe?: ((pid: number) => string) | undefined;
}

/**
 * The outcome of decoding one batch.
 *
 * @example
 * ```ts
 * const { events, errors } = new RecordDecoder(ctx).decode(batch);
 * ```
 */
export interface DecodedBatch {
  readonly events: VigilEvent[];
  /** Records rejected as malformed (each with its byte offset), never mis-decoded. */
  readonly errors: VigilError[];
  /** Records read, including those rejected and those with nothing to report. */
  readonly records: number;
  /** Well-formed records that describe nothing the event model carries (e.g. a netlink connect). */
  readonly skipped: number;
  /**
   * Payload records (opt-in payload capture), in ring-buffer order: the input of a
   * `PayloadDecoder` from `@vigil/core`, not events themselves.
   */
  readonly chunks: PayloadChunk[];
}

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_PATH = 0o10000000;
const BPF_PROG_LOAD = 5;
const SOURCE = '<ring buffer>';
/** Dentry walks remembered by the decoder (see `#dpath`). */
const DPATH_CACHE_SIZE = 4096;

/** An event under construction: fields are added in place (no spreads on the hot path). */
type Fields = Record<string, unknown>;
const STRING_FIELDS: Readonly<Record<number, readonly string[]>> = {
  [RecordKind.Exec]: ['filename', 'exe', 'cwd', 'argv'],
  [RecordKind.Open]: ['path', 'dir'],
  [RecordKind.Connect]: ['path'],
  [RecordKind.Accept]: ['path'],
  [RecordKind.Bind]: ['path'],
  [RecordKind.Listen]: ['path'],
  [RecordKind.Dns]: ['payload'],
  [RecordKind.Ns]: ['source', 'target', 'fstype'],
  [RecordKind.Module]: ['name'],
  [RecordKind.Memfd]: ['name'],
  [RecordKind.Payload]: ['data'],
};
const BODY: Readonly<Record<number, Readonly<Record<string, number>>>> = {
  [RecordKind.Exec]: LAYOUT.exec.fields,
  [RecordKind.Open]: LAYOUT.open.fields,
  [RecordKind.Connect]: LAYOUT.net.fields,
  [RecordKind.Accept]: LAYOUT.net.fields,
  [RecordKind.Bind]: LAYOUT.net.fields,
  [RecordKind.Listen]: LAYOUT.net.fields,
  [RecordKind.Dns]: LAYOUT.dns.fields,
  [RecordKind.Ns]: LAYOUT.ns.fields,
  [RecordKind.Module]: LAYOUT.module.fields,
  [RecordKind.Memfd]: LAYOUT.memfd.fields,
  [RecordKind.Payload]: LAYOUT.payload.fields,
};
const TRANSPORTS: Readonly<Record<number, PayloadChunk['transport']>> = {
  [PayloadTransportCode.Tcp]: 'tcp',
  [PayloadTransportCode.Tls]: 'tls',
  [PayloadTransportCode.Pipe]: 'pipe',
  [PayloadTransportCode.Unix]: 'unix',
};

function defaultReadExe(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

function ipv4(b: Buffer, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

function ipv6(b: Buffer, off: number): string {
  // IPv4-mapped addresses read better in dotted form.
  let mapped = true;
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) mapped = false;
  if (mapped && b[off + 10] === 0xff && b[off + 11] === 0xff) return `::ffff:${ipv4(b, off + 12)}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(off + i * 2));
  // RFC 5952: compress the longest run (>= 2) of zero groups.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Decodes batches of ring-buffer records into schema-valid {@link VigilEvent}s.
 * Every record is bounds-checked against its declared size and every string
 * against the record; malformed records are rejected with their offset.
 * Keeps the per-process state events need (the executable of each pid).
 *
 * @example
 * ```ts
 * const decoder = new RecordDecoder({ workloadFor: () => HOST_WORKLOAD, wallOffsetNs: 0 });
 * const { events, errors } = decoder.decode(batch);
 * ```
 */
export class RecordDecoder {
  readonly #ctx: DecodeContext;
  readonly #readExe: (pid: number) => string;
  readonly #exe = new Map<number, string>();
  /** Offset of the record being decoded in its batch, for error locations. */
  #base = 0;

  constructor(ctx: DecodeContext) {
    this.#ctx = ctx;
    this.#readExe = ctx.readExe ?? defaultReadExe;
  }

  /** Decodes one batch: records back to back, each `hdr.size` bytes long. */
  decode(buf: Buffer): DecodedBatch {
    const events: VigilEvent[] = [];
    const errors: VigilError[] = [];
    const chunks: PayloadChunk[] = [];
    let records = 0;
    let skipped = 0;
    let off = 0;
    while (off < buf.length) {
      records++;
      if (buf.length - off < HDR.size) {
        errors.push(
          this.#err(off, `expected a ${HDR.size}-byte record header, ${buf.length - off} bytes left`),
        );
        break;
      }
      const kind = buf.readUInt16LE(off);
      const size = buf.readUInt16LE(off + 2);
      const fixed = FIXED_SIZE[kind];
      if (fixed === undefined) {
        errors.push(this.#err(off, `unknown record kind ${kind}`));
        break; // the size field cannot be trusted either: stop this batch
      }
      if (size < fixed || size > MAX_RECORD_BYTES || size % 8 !== 0 || off + size > buf.length) {
        errors.push(
          this.#err(
            off,
            `record of kind ${kind} declares ${size} bytes; expected a multiple of 8 between ${fixed} and ${Math.min(MAX_RECORD_BYTES, buf.length - off)}`,
          ),
        );
        break;
      }
      const rec = buf.subarray(off, off + size);
      try {
        this.#checkStrings(rec, kind, fixed, off);
        this.#base = off;
        if (kind === RecordKind.Payload) {
          chunks.push(this.#chunk(rec));
        } else {
          const ev = this.#event(rec, kind);
          if (ev) events.push(ev as unknown as VigilEvent);
          else skipped++;
        }
      } catch (e) {
        if (e instanceof VigilError) errors.push(e);
        else throw e;
      }
      off += size;
    }
    return { events, errors, records, skipped, chunks };
  }

  /** A payload record as a chunk; connection ids follow `docs/payloads.md`. */
  #chunk(rec: Buffer): PayloadChunk {
    const f = LAYOUT.payload.fields;
    const flags = rec.readUInt32LE(4);
    const code = rec[f.transport]!;
    const transport = TRANSPORTS[code];
    if (transport === undefined)
      throw this.#err(this.#base + f.transport, `payload record with unknown transport ${code}`);
    const env = this.#envelope(rec) as Fields & { pid: number };
    const conn = rec.readBigUInt64LE(f.conn);
    const fd = rec.readInt32LE(f.fd);
    const so = rec.readUInt16LE(f.data);
    const len = rec.readUInt16LE(f.data + 2);
    // A copy: the batch buffer is released as soon as possible.
    const bytes = new Uint8Array(len);
    if (len > 0) rec.copy(bytes, 0, so, so + len);
    // A process's stdin and stdout are one stdio session (an MCP server's requests in, responses out).
    env['connection'] =
      transport === 'tls'
        ? `tls:${env.pid}:${conn.toString(16)}`
        : (flags & RecordFlag.PayloadStdio) !== 0
          ? `stdio:${env.pid}`
          : `${transport}:${env.pid}:${fd}:${conn}`;
    env['direction'] = rec[f.direction] === 1 ? 'ingress' : 'egress';
    env['transport'] = transport;
    env['seq'] = rec.readUInt32LE(f.seq);
    env['bytes'] = bytes;
    env['originalLength'] = rec.readUInt32LE(f.len);
    if (fd >= 0) env['fd'] = fd;
    const family = rec.readUInt16LE(f.family);
    if (family === AF_INET || family === AF_INET6) {
      const addr = (at: number) => (family === AF_INET6 ? ipv6(rec, at) : ipv4(rec, at));
      env['local'] = { addr: addr(f.laddr), port: rec.readUInt16LE(f.lport) };
      env['peer'] = { addr: addr(f.raddr), port: rec.readUInt16LE(f.rport) };
    }
    if ((flags & RecordFlag.PayloadEnd) !== 0) env['end'] = true;
    return env as unknown as PayloadChunk;
  }

  #err(offset: number, message: string): VigilError {
    return new VigilError('PARSE', message, { location: { file: SOURCE, offset } });
  }

  #checkStrings(rec: Buffer, kind: number, fixed: number, base: number): void {
    const names = STRING_FIELDS[kind];
    const body = BODY[kind];
    if (!names || !body) return;
    for (const name of names) {
      const at = body[name]!;
      const so = rec.readUInt16LE(at);
      const len = rec.readUInt16LE(at + 2);
      if (len === 0) continue;
      if (so < fixed || so + len > rec.length) {
        throw this.#err(
          base + at,
          `string '${name}' (offset ${so}, ${len} bytes) lies outside the string area ${fixed}..${rec.length} of a kind-${kind} record`,
        );
      }
    }
  }

  #str(rec: Buffer, at: number): string {
    const so = rec.readUInt16LE(at);
    const len = rec.readUInt16LE(at + 2);
    return len === 0 ? '' : rec.toString('utf8', so, so + len);
  }

  #bytes(rec: Buffer, at: number): Buffer {
    const so = rec.readUInt16LE(at);
    const len = rec.readUInt16LE(at + 2);
    return rec.subarray(so, so + len);
  }

  /**
   * Paths of recent dentry walks by their raw form: a workload execs the same
   * binaries from the same directories and opens relative to the same ones, so
   * most walks repeat. Cleared when full.
   */
  readonly #dpaths = new Map<string, string>();

  /** A leaf-first, NUL-separated dentry walk as an absolute path. */
  #dpath(rec: Buffer, at: number): string {
    const raw = this.#str(rec, at);
    if (raw.length === 0) return '';
    let path = this.#dpaths.get(raw);
    if (path !== undefined) return path;
    path = '';
    let end = raw.length;
    for (let i = raw.length - 1; i >= -1; i--) {
      if (i >= 0 && raw.charCodeAt(i) !== 0) continue;
      if (end > i + 1) path = `${path}/${raw.slice(i + 1, end)}`;
      end = i;
    }
    if (path === '') path = '/';
    if (this.#dpaths.size >= DPATH_CACHE_SIZE) this.#dpaths.clear();
    this.#dpaths.set(raw, path);
    return path;
  }

  #cgLo = -1;
  #cgHi = -1;
  #cgId = '';

  #cgroupId(rec: Buffer): string {
    const lo = rec.readUInt32LE(16);
    const hi = rec.readUInt32LE(20);
    if (lo !== this.#cgLo || hi !== this.#cgHi) {
      this.#cgLo = lo;
      this.#cgHi = hi;
      this.#cgId = hi === 0 ? String(lo) : (BigInt(lo) + (BigInt(hi) << 32n)).toString();
    }
    return this.#cgId;
  }

  #comm(rec: Buffer): string {
    let out = '';
    for (let i = 40; i < 56; i++) {
      const c = rec[i]!;
      if (c === 0) break;
      if (c >= 0x80) {
        let end = i;
        while (end < 56 && rec[end] !== 0) end++;
        return rec.toString('utf8', 40, end);
      }
      out += String.fromCharCode(c);
    }
    return out;
  }

  // One object per event, built without spreads: the hot path of the decoder.
  #envelope(rec: Buffer): Fields {
    const pid = rec.readUInt32LE(24);
    const tid = rec.readUInt32LE(28);
    const cgroupId = this.#cgroupId(rec);
    let exe = this.#exe.get(pid);
    if (exe === undefined) {
      exe = this.#readExe(pid);
      this.#exe.set(pid, exe);
    }
    const env: Fields = {
      ts: rec.readUInt32LE(8) + rec.readUInt32LE(12) * 4294967296 + this.#ctx.wallOffsetNs,
      workload: this.#ctx.workloadFor(cgroupId),
      pid,
      ppid: rec.readUInt32LE(32),
      comm: this.#comm(rec),
      exe,
      source: 'ebpf',
      uid: rec.readUInt32LE(36),
      cgroupId,
    };
    if (tid !== pid) env['tid'] = tid;
    return env;
  }

  // One small method per frequent kind: V8 optimizes a function after a number of calls that
  // grows with its size, and an exec storm's few records a second would leave one large
  // switch in the interpreter for thousands of records.
  #event(rec: Buffer, kind: number): Fields | undefined {
    switch (kind) {
      case RecordKind.Exec:
        return this.#exec(rec);
      case RecordKind.Fork:
        return this.#fork(rec);
      case RecordKind.Exit:
        return this.#exit(rec);
      case RecordKind.Open:
        return this.#open(rec);
      case RecordKind.Connect:
      case RecordKind.Accept:
      case RecordKind.Bind:
      case RecordKind.Listen:
        return this.#net(rec, kind);
      default:
        return this.#rare(rec, kind);
    }
  }

  #exec(rec: Buffer): Fields {
    const flags = rec.readUInt32LE(4);
    const f = LAYOUT.exec.fields;
    const pid = rec.readUInt32LE(24);
    const exe = this.#dpath(rec, f.exe);
    const filename = this.#str(rec, f.filename);
    this.#exe.set(pid, exe || filename);
    const argvRaw = this.#str(rec, f.argv);
    const argv = argvRaw.length === 0 ? [] : argvRaw.split('\0');
    if (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
    const cwd = this.#dpath(rec, f.cwd);
    const e = this.#envelope(rec);
    e['kind'] = 'process.exec';
    e['filename'] = filename;
    e['argv'] = argv;
    if (cwd) e['cwd'] = cwd;
    if ((flags & RecordFlag.Fileless) !== 0) e['fileless'] = true;
    if ((flags & RecordFlag.ArgvTruncated) !== 0) e['argvTruncated'] = true;
    e['result'] = 0;
    return e;
  }

  #fork(rec: Buffer): Fields {
    const child = rec.readUInt32LE(LAYOUT.fork.fields.child_tgid);
    const env = this.#envelope(rec);
    this.#exe.set(child, env['exe'] as string);
    env['kind'] = 'process.fork';
    env['childPid'] = child;
    return env;
  }

  #exit(rec: Buffer): Fields {
    const code = rec.readInt32LE(LAYOUT.exit.fields.code);
    const env = this.#envelope(rec);
    this.#exe.delete(rec.readUInt32LE(24));
    const signal = code & 0x7f;
    env['kind'] = 'process.exit';
    env['exitCode'] = (code >> 8) & 0xff;
    if (signal !== 0) env['signal'] = signal;
    return env;
  }

  #open(rec: Buffer): Fields {
    const f = LAYOUT.open.fields;
    const oflags = rec.readUInt32LE(f.flags);
    const raw = this.#str(rec, f.path);
    const dir = this.#dpath(rec, f.dir);
    const path = raw.startsWith('/') || dir === '' ? raw : posix.join(dir, raw);
    const acc = oflags & O_ACCMODE;
    const result = rec.readInt32LE(f.result);
    const e = this.#envelope(rec);
    e['kind'] = 'file.open';
    e['path'] = path;
    e['flags'] = oflags;
    e['access'] = (oflags & O_PATH) !== 0 ? 'path' : acc === 0 ? 'read' : acc === 1 ? 'write' : 'readwrite';
    if ((oflags & O_CREAT) !== 0 && (oflags & O_EXCL) !== 0 && result >= 0) e['created'] = true;
    e['result'] = result;
    return e;
  }

  #rare(rec: Buffer, kind: number): Fields | undefined {
    const flags = rec.readUInt32LE(4);
    switch (kind) {
      case RecordKind.Dns: {
        const f = LAYOUT.dns.fields;
        const payload = this.#bytes(rec, f.payload);
        const response = (flags & RecordFlag.DnsResponse) !== 0;
        let q: DnsQuestion | DnsAnswer;
        try {
          q = response ? parseDnsResponse(payload, SOURCE) : parseDnsQuery(payload, SOURCE);
        } catch {
          return undefined; // a UDP datagram on a DNS port that is not DNS
        }
        const family = rec.readUInt16LE(f.family);
        const e = this.#envelope(rec);
        e['kind'] = 'dns.query';
        e['name'] = q.name;
        e['qtype'] = q.qtype;
        e['server'] = family === AF_INET6 ? ipv6(rec, f.daddr) : ipv4(rec, f.daddr);
        e['serverPort'] = rec.readUInt16LE(f.dport);
        if (response) e['answers'] = [...(q as DnsAnswer).answers];
        return e;
      }
      case RecordKind.Priv: {
        const f = LAYOUT.priv.fields;
        const nr = rec.readUInt32LE(f.syscall);
        const name = SYSCALL_NAMES[nr];
        const result = rec.readInt32LE(f.result);
        if (name === 'capset') {
          return {
            ...this.#envelope(rec),
            kind: 'priv.change',
            syscall: 'capset',
            capEffective: capabilityNames(rec.readBigUInt64LE(f.cap_effective)),
            capPermitted: capabilityNames(rec.readBigUInt64LE(f.cap_permitted)),
            result,
          };
        }
        const syscall = PRIV_SYSCALLS.find((s) => s === name);
        if (!syscall)
          throw this.#err(
            this.#base + f.syscall,
            `priv record with syscall ${nr}, which is not a privilege change`,
          );
        const nids = Math.min(rec.readUInt32LE(f.nids), 3);
        const ids: number[] = [];
        for (let i = 0; i < nids; i++) ids.push(rec.readInt32LE(f.ids + i * 4));
        return { ...this.#envelope(rec), kind: 'priv.change', syscall, ids, result };
      }
      case RecordKind.Ns: {
        const f = LAYOUT.ns.fields;
        const nr = rec.readUInt32LE(f.syscall);
        const name = SYSCALL_NAMES[nr];
        const nsFlags = Number(rec.readBigUInt64LE(f.flags) & 0xffffffffn);
        const result = rec.readInt32LE(f.result);
        const env = this.#envelope(rec);
        if (name === 'unshare' || name === 'setns') {
          const namespaces = NAMESPACE_FLAGS.filter(([bit]) => (nsFlags & bit) !== 0).map(([, n]) => n);
          return { ...env, kind: 'ns.change', syscall: name, namespaces, flags: nsFlags, result };
        }
        if (name === 'mount' || name === 'umount2') {
          const source = this.#str(rec, f.source);
          const target = this.#str(rec, f.target);
          const fstype = this.#str(rec, f.fstype);
          return {
            ...env,
            kind: 'ns.change',
            syscall: name === 'mount' ? 'mount' : 'umount',
            flags: nsFlags,
            ...(source ? { mountSource: source } : {}),
            ...(target ? { target } : {}),
            ...(fstype ? { fstype } : {}),
            result,
          };
        }
        throw this.#err(
          this.#base + f.syscall,
          `ns record with syscall ${nr}, which is not a namespace change`,
        );
      }
      case RecordKind.Ptrace: {
        const f = LAYOUT.ptrace.fields;
        // The request is an `enum __ptrace_request` (an int) passed in a long register.
        const request = rec.readInt32LE(f.request);
        return {
          ...this.#envelope(rec),
          kind: 'ptrace',
          request,
          requestName: PTRACE_REQUESTS[request] ?? `PTRACE_${request}`,
          targetPid: rec.readInt32LE(f.target),
          result: rec.readInt32LE(f.result),
        };
      }
      case RecordKind.Module: {
        const f = LAYOUT.module.fields;
        const nr = rec.readUInt32LE(f.syscall);
        return {
          ...this.#envelope(rec),
          kind: 'module.load',
          name: this.#str(rec, f.name).replace(/\.ko(\.(xz|zst|gz))?$/, ''),
          syscall: SYSCALL_NAMES[nr] ?? `syscall_${nr}`,
          result: rec.readInt32LE(f.result),
        };
      }
      case RecordKind.Bpf: {
        const f = LAYOUT.bpf.fields;
        const cmd = rec.readUInt32LE(f.cmd);
        const type = rec.readUInt32LE(f.prog_type);
        let end = f.prog_name;
        while (end < f.prog_name + 16 && rec[end] !== 0) end++;
        const programName = rec.toString('utf8', f.prog_name, end);
        return {
          ...this.#envelope(rec),
          kind: 'bpf.load',
          command: cmd === BPF_PROG_LOAD ? 'BPF_PROG_LOAD' : `BPF_CMD_${cmd}`,
          programType: BPF_PROG_TYPES[type] ?? `type_${type}`,
          ...(programName ? { programName } : {}),
          result: rec.readInt32LE(f.result),
        };
      }
      case RecordKind.Memfd: {
        const f = LAYOUT.memfd.fields;
        return {
          ...this.#envelope(rec),
          kind: 'memfd.create',
          name: this.#str(rec, f.name),
          flags: rec.readUInt32LE(f.flags),
          result: rec.readInt32LE(f.result),
        };
      }
      default:
        return undefined;
    }
  }

  #net(rec: Buffer, kind: number): Fields | undefined {
    const f = LAYOUT.net.fields;
    const famNum = rec.readUInt16LE(f.family);
    const family =
      famNum === AF_INET ? 'inet' : famNum === AF_INET6 ? 'inet6' : famNum === AF_UNIX ? 'unix' : undefined;
    if (!family) return undefined; // netlink, AF_UNSPEC disconnects and the like
    const proto = rec.readUInt16LE(f.protocol);
    const type = rec.readUInt16LE(f.type);
    const protocol =
      family === 'unix'
        ? 'other'
        : proto === 6
          ? 'tcp'
          : proto === 17
            ? 'udp'
            : type === 3 || proto === 255
              ? 'raw'
              : type === 1
                ? 'tcp'
                : type === 2
                  ? 'udp'
                  : 'other';
    const addr = (at: number) =>
      family === 'unix' ? this.#str(rec, f.path) : family === 'inet6' ? ipv6(rec, at) : ipv4(rec, at);
    const rport = rec.readUInt16LE(f.rport);
    const lport = rec.readUInt16LE(f.lport);
    const result = rec.readInt32LE(f.result);
    const env = this.#envelope(rec);
    switch (kind) {
      case RecordKind.Connect:
        env['kind'] = 'net.connect';
        env['family'] = family;
        env['protocol'] = protocol;
        env['daddr'] = addr(f.raddr);
        env['dport'] = family === 'unix' ? 0 : rport;
        if (family !== 'unix' && lport !== 0) {
          env['saddr'] = addr(f.laddr);
          env['sport'] = lport;
        }
        env['result'] = result;
        return env;
      case RecordKind.Accept:
        return {
          ...env,
          kind: 'net.accept',
          family,
          protocol,
          laddr: addr(f.laddr),
          lport: family === 'unix' ? 0 : lport,
          raddr: family === 'unix' ? '' : addr(f.raddr),
          rport: family === 'unix' ? 0 : rport,
          result,
        };
      case RecordKind.Bind:
        return {
          ...env,
          kind: 'net.bind',
          family,
          protocol,
          addr: addr(f.laddr),
          port: family === 'unix' ? 0 : lport,
          result,
        };
      default:
        return {
          ...env,
          kind: 'net.listen',
          family,
          protocol,
          addr: addr(f.laddr),
          port: family === 'unix' ? 0 : lport,
          backlog: rec.readInt32LE(f.backlog),
          result,
        };
    }
  }
}

const PRIV_SYSCALLS = [
  'setuid',
  'setgid',
  'setreuid',
  'setregid',
  'setresuid',
  'setresgid',
  'setfsuid',
  'setfsgid',
] as const;
