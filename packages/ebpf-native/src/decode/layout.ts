/**
 * The ring-buffer record layout, mirrored from `native/include/vigil_record.h`.
 * A test compares every size and offset here with what the compiled addon
 * reports (`offsetof`/`sizeof`), so the two cannot drift apart silently.
 */

/** Record kinds (`vigil_hdr.kind`). */
export const RecordKind = {
  Exec: 1,
  Fork: 2,
  Exit: 3,
  Open: 4,
  Connect: 5,
  Accept: 6,
  Bind: 7,
  Listen: 8,
  Dns: 9,
  Priv: 10,
  Ns: 11,
  Ptrace: 12,
  Module: 13,
  Bpf: 14,
  Memfd: 15,
  Payload: 17,
} as const;

/**
 * `vigil_hdr.kind` of an enforcement decision. Decisions travel on the
 * enforcer's own ring buffer, never in the capture stream, so the kind is not
 * one of {@link RecordKind}.
 */
export const ENFORCE_RECORD_KIND = 16;

/** `vigil_hdr.flags` bits. */
export const RecordFlag = {
  Truncated: 1 << 0,
  Fileless: 1 << 1,
  ArgvTruncated: 1 << 2,
  DnsResponse: 1 << 3,
  PayloadEnd: 1 << 4,
  /** A payload read on fd 0 or written on fd 1: one side of a stdio transport. */
  PayloadStdio: 1 << 5,
} as const;

/** `vigil_payload.transport`. */
export const PayloadTransportCode = { Tcp: 1, Tls: 2, Pipe: 3, Unix: 4 } as const;

/** Payload bytes one record carries at most (`VIGIL_PAYLOAD_MAX`). */
export const PAYLOAD_MAX_BYTES = 8192;

/** Largest cap of one read or write, sent as consecutive records (`VIGIL_PAYLOAD_TOTAL_MAX`). */
export const PAYLOAD_TOTAL_MAX_BYTES = 1 << 20;

/** A struct's size and field offsets, as the C compiler lays it out. */
export interface StructLayout {
  readonly size: number;
  readonly fields: Readonly<Record<string, number>>;
}

/** `struct vigil_str { u16 off; u16 len; }` */
export const STR: StructLayout = { size: 4, fields: { off: 0, len: 2 } };

/** `struct vigil_hdr`: 56 bytes at the start of every record. */
export const HDR = {
  size: 56,
  fields: {
    kind: 0,
    size: 2,
    flags: 4,
    ts_mono: 8,
    cgroup_id: 16,
    tgid: 24,
    tid: 28,
    ppid: 32,
    uid: 36,
    comm: 40,
  },
} as const satisfies StructLayout;

/** Every record body, keyed by the name the addon's `layout()` uses. */
export const LAYOUT = {
  hdr: HDR,
  str: STR,
  exec: { size: 80, fields: { argc: 56, old_tid: 60, filename: 64, exe: 68, cwd: 72, argv: 76 } },
  fork: { size: 64, fields: { child_tgid: 56 } },
  exit: { size: 64, fields: { code: 56 } },
  open: {
    size: 88,
    fields: { result: 56, dirfd: 60, flags: 64, mode: 68, syscall: 72, path: 76, dir: 80 },
  },
  net: {
    size: 112,
    fields: {
      result: 56,
      backlog: 60,
      family: 64,
      type: 66,
      protocol: 68,
      rport: 70,
      lport: 72,
      raddr: 76,
      laddr: 92,
      path: 108,
    },
  },
  dns: { size: 88, fields: { result: 56, family: 60, dport: 62, daddr: 64, payload: 80 } },
  priv: {
    size: 104,
    fields: {
      result: 56,
      syscall: 60,
      ids: 64,
      nids: 76,
      cap_effective: 80,
      cap_permitted: 88,
      cap_inheritable: 96,
    },
  },
  ns: { size: 88, fields: { result: 56, syscall: 60, flags: 64, source: 72, target: 76, fstype: 80 } },
  ptrace: { size: 72, fields: { result: 56, target: 60, request: 64 } },
  module: { size: 72, fields: { result: 56, syscall: 60, name: 64 } },
  bpf: { size: 88, fields: { result: 56, cmd: 60, prog_type: 64, prog_name: 72 } },
  memfd: { size: 72, fields: { result: 56, flags: 60, name: 64 } },
  payload: {
    size: 128,
    fields: {
      conn: 56,
      len: 64,
      fd: 68,
      seq: 72,
      direction: 76,
      transport: 77,
      family: 78,
      lport: 80,
      rport: 82,
      call: 84,
      laddr: 88,
      raddr: 104,
      data: 120,
    },
  },
  enforce: {
    size: 128,
    fields: {
      op: 56,
      action: 60,
      policy: 64,
      mode: 68,
      target_cgroup: 72,
      family: 80,
      rport: 82,
      protocol: 84,
      raddr: 88,
      dev: 104,
      ino: 112,
      path: 120,
    },
  },
} as const satisfies Record<string, StructLayout>;

/** The fixed part of each record kind: the smallest valid record of that kind. */
export const FIXED_SIZE: Readonly<Record<number, number>> = {
  [RecordKind.Exec]: LAYOUT.exec.size,
  [RecordKind.Fork]: LAYOUT.fork.size,
  [RecordKind.Exit]: LAYOUT.exit.size,
  [RecordKind.Open]: LAYOUT.open.size,
  [RecordKind.Connect]: LAYOUT.net.size,
  [RecordKind.Accept]: LAYOUT.net.size,
  [RecordKind.Bind]: LAYOUT.net.size,
  [RecordKind.Listen]: LAYOUT.net.size,
  [RecordKind.Dns]: LAYOUT.dns.size,
  [RecordKind.Priv]: LAYOUT.priv.size,
  [RecordKind.Ns]: LAYOUT.ns.size,
  [RecordKind.Ptrace]: LAYOUT.ptrace.size,
  [RecordKind.Module]: LAYOUT.module.size,
  [RecordKind.Bpf]: LAYOUT.bpf.size,
  [RecordKind.Memfd]: LAYOUT.memfd.size,
  [RecordKind.Payload]: LAYOUT.payload.size,
};

/** Largest record the kernel side writes (its per-CPU scratch buffer). */
export const MAX_RECORD_BYTES = 16384;
