import { RecordDecoder } from '../decode/decoder.js';
import { LAYOUT, RecordFlag, RecordKind } from '../decode/layout.js';
import { SYSCALL_NAMES } from '../decode/names.js';
import { CgroupResolver } from './cgroup-resolver.js';
import { asDecoderInput, liveDecodeContext } from './live-decode-context.js';
import {
  buildRecord,
  connectRecord,
  dnsQuery,
  dnsRecord,
  execRecord,
  type HeaderInput,
  openRecord,
  payloadRecord,
} from './record-builder.js';

const nr = (name: string): number => {
  for (const [n, s] of Object.entries(SYSCALL_NAMES)) if (s === name) return Number(n);
  return 0;
};

/** A network record of any kind and family (`addr` 4 or 16 bytes; unix: `path`). */
function netRecord(
  kind: number,
  family: number,
  h: Partial<HeaderInput>,
  p: { addr?: readonly number[]; port?: number; path?: string; backlog?: number },
): Buffer {
  const f = LAYOUT.net.fields;
  const ints: [number, 1 | 2 | 4 | 8, number | bigint][] = [
    [f.result, 4, kind === RecordKind.Accept ? 5 : 0],
    [f.family, 2, family],
    [f.type, 2, 1],
    [f.protocol, 2, family === 1 ? 0 : 6],
    [f.rport, 2, p.port ?? 0],
    [f.lport, 2, kind === RecordKind.Connect ? 0 : (p.port ?? 0)],
    [f.backlog, 4, p.backlog ?? 0],
  ];
  (p.addr ?? []).forEach((b, i) => {
    ints.push([f.raddr + i, 1, b], [f.laddr + i, 1, b]);
  });
  return buildRecord({ kind, ...h }, LAYOUT.net.size, ints, p.path ? [[f.path, p.path]] : []);
}

/**
 * Above the largest pid_max Linux allows (2^22): the warm-up's parents are pids
 * the decoder has not seen, and looking up their executable must find nothing.
 */
const NO_SUCH_PID = 4_200_000;

/**
 * One batch of made-up records of every kind the decoder reads, shaped like a
 * capture: mostly what a fork+exec yields (fork, exec, the loader's opens,
 * exit) and opens and connects, then one of each rarer kind, all in the cgroup
 * `cgroupId`.
 */
export function warmUpBatch(cgroupId: bigint): Buffer {
  const out: Buffer[] = [];
  const cg = { cgroupId, ppid: 1, uid: 1000 };
  for (let i = 0; i < 4; i++) {
    const parent = { ...cg, tgid: NO_SUCH_PID + i, comm: 'sh' };
    const child = { ...cg, tgid: NO_SUCH_PID + 100 + i, ppid: NO_SUCH_PID + i, comm: 'true' };
    out.push(
      buildRecord({ kind: RecordKind.Fork, ...parent }, LAYOUT.fork.size, [
        [LAYOUT.fork.fields.child_tgid, 4, NO_SUCH_PID + 100 + i],
      ]),
      // The kernel's argv ends with a NUL, which the decoder drops; a made-up one may not.
      execRecord('/bin/true', ['true', `--round=${i}`, ...(i % 2 === 0 ? [''] : [])], 'work\0home', child),
      openRecord('/etc/ld.so.cache', 0o2000000, 3, child),
      openRecord('/lib/x86_64-linux-gnu/libc.so.6', 0o2000000, 3, child),
      openRecord('notes.txt', 0o101, i === 0 ? -2 : 4, { ...child, tid: 2100 + i }, 'work\0home'),
      openRecord('/tmp/new', 0o301, 5, child),
      openRecord('/proc/self/fd', 0o10000000, 6, child),
      connectRecord([127, 0, 0, 1], 8080 + i, i === 0 ? -111 : 0, child),
      buildRecord({ kind: RecordKind.Exit, ...child }, LAYOUT.exit.size, [
        [LAYOUT.exit.fields.code, 4, i === 3 ? 9 : i << 8],
      ]),
    );
  }
  const h = { ...cg, tgid: NO_SUCH_PID + 200, comm: 'agent' };
  const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 7];
  out.push(
    netRecord(RecordKind.Connect, 10, h, { addr: v6, port: 443 }),
    netRecord(RecordKind.Connect, 10, h, { addr: mapped, port: 443 }),
    netRecord(RecordKind.Connect, 1, h, { path: '/run/agent.sock' }),
    netRecord(RecordKind.Connect, 16, h, {}),
    netRecord(RecordKind.Accept, 2, h, { addr: [127, 0, 0, 1], port: 9000 }),
    netRecord(RecordKind.Bind, 2, h, { addr: [0, 0, 0, 0], port: 9000 }),
    netRecord(RecordKind.Listen, 10, h, { addr: v6, port: 9000, backlog: 128 }),
    netRecord(RecordKind.Accept, 1, h, { path: '/run/agent.sock' }),
    dnsRecord(dnsQuery('api.example.com'), 53, h),
    dnsRecord(Buffer.from('not dns'), 53, h),
    buildRecord({ kind: RecordKind.Priv, ...h }, LAYOUT.priv.size, [
      [LAYOUT.priv.fields.syscall, 4, nr('setresuid')],
      [LAYOUT.priv.fields.nids, 4, 3],
      [LAYOUT.priv.fields.ids, 4, 0],
    ]),
    buildRecord({ kind: RecordKind.Priv, ...h }, LAYOUT.priv.size, [
      [LAYOUT.priv.fields.syscall, 4, nr('capset')],
      [LAYOUT.priv.fields.cap_effective, 8, 1n << 21n],
    ]),
    buildRecord({ kind: RecordKind.Ns, ...h }, LAYOUT.ns.size, [
      [LAYOUT.ns.fields.syscall, 4, nr('unshare')],
      [LAYOUT.ns.fields.flags, 8, 0x20000],
    ]),
    buildRecord(
      { kind: RecordKind.Ns, ...h },
      LAYOUT.ns.size,
      [[LAYOUT.ns.fields.syscall, 4, nr('mount')]],
      [
        [LAYOUT.ns.fields.source, 'tmpfs'],
        [LAYOUT.ns.fields.target, '/mnt'],
        [LAYOUT.ns.fields.fstype, 'tmpfs'],
      ],
    ),
    buildRecord({ kind: RecordKind.Ptrace, ...h }, LAYOUT.ptrace.size, [
      [LAYOUT.ptrace.fields.request, 4, 16],
      [LAYOUT.ptrace.fields.target, 4, NO_SUCH_PID + 201],
    ]),
    buildRecord(
      { kind: RecordKind.Module, ...h },
      LAYOUT.module.size,
      [[LAYOUT.module.fields.syscall, 4, nr('finit_module')]],
      [[LAYOUT.module.fields.name, 'dummy.ko.xz']],
    ),
    buildRecord({ kind: RecordKind.Bpf, ...h }, LAYOUT.bpf.size, [
      [LAYOUT.bpf.fields.cmd, 4, 5],
      [LAYOUT.bpf.fields.prog_type, 4, 1],
      [LAYOUT.bpf.fields.prog_name, 4, 0x6f6f66],
    ]),
    buildRecord(
      { kind: RecordKind.Memfd, ...h, flags: RecordFlag.Truncated },
      LAYOUT.memfd.size,
      [[LAYOUT.memfd.fields.flags, 4, 1]],
      [[LAYOUT.memfd.fields.name, 'jit']],
    ),
    payloadRecord('GET / HTTP/1.1\r\n\r\n', { conn: 7n, transport: 1 }, h),
    payloadRecord('{}', { conn: 8n, transport: 2, direction: 1, end: true }, h),
    payloadRecord('{"jsonrpc":"2.0"}\n', { conn: 9n, transport: 3, stdio: true }, h),
  );
  return Buffer.concat(out);
}

/**
 * Passes over the made-up batch: about 24,000 records, what V8 needs before it
 * has optimized every function of the decoder (an exec storm reaches that after
 * some 5,000 fork+execs).
 */
const WARM_UP_PASSES = 400;
let warmedUp = false;

/**
 * Decodes made-up records of every kind with live decode contexts, once per
 * process, and discards the result, so that the decoder is compiled before a
 * capture starts rather than on the traced machine's time while it runs (where
 * an exec storm's few records a second would leave it in the interpreter for
 * thousands of records). Two decoders with two contexts, so that V8's call
 * feedback is keyed to where the contexts' functions are made
 * ({@link liveDecodeContext}), not to one of them. Later calls do nothing.
 */
export function warmUpLiveDecoding(): void {
  if (warmedUp) return;
  warmedUp = true;
  const resolver = new CgroupResolver();
  let cgroupId = 1n;
  try {
    cgroupId = BigInt(resolver.add(resolver.root));
  } catch {
    // no cgroup v2 here: the records name a cgroup the resolver does not know, which also decodes
  }
  const made = warmUpBatch(cgroupId);
  const batch = asDecoderInput(made);
  // A wall-clock offset as large as a real one: V8 stores a field as a small integer until
  // it meets a larger number, and changing that later would discard the compiled decoder.
  const decoders = [0, 1].map(() => new RecordDecoder(liveDecodeContext(resolver, Date.now() * 1e6)));
  for (let i = 0; i < WARM_UP_PASSES; i++) {
    // A newly watched cgroup's first record takes the resolver's slow path: often enough to count.
    if (i < 16) resolver.add(resolver.root);
    decoders[i % 2]!.decode(batch);
  }
}
