import { ALL_CAPABILITIES } from '@vigil/core';

/** x86-64 syscall numbers the capture reports (native/bpf/syscalls/x86.h holds the same numbers). */
const X86_64_SYSCALLS: Readonly<Record<number, string>> = {
  2: 'open',
  42: 'connect',
  43: 'accept',
  44: 'sendto',
  46: 'sendmsg',
  49: 'bind',
  50: 'listen',
  101: 'ptrace',
  105: 'setuid',
  106: 'setgid',
  113: 'setreuid',
  114: 'setregid',
  117: 'setresuid',
  119: 'setresgid',
  122: 'setfsuid',
  123: 'setfsgid',
  126: 'capset',
  165: 'mount',
  166: 'umount2',
  175: 'init_module',
  257: 'openat',
  272: 'unshare',
  288: 'accept4',
  307: 'sendmmsg',
  308: 'setns',
  313: 'finit_module',
  319: 'memfd_create',
  321: 'bpf',
  437: 'openat2',
};

/**
 * Syscall tables by Node.js architecture name: a capture addon exists only for
 * the architectures listed here (another needs its table, its vmlinux.h and its
 * BPF syscall header; see the package README).
 */
export const SYSCALL_TABLES: Readonly<
  Partial<Record<NodeJS.Architecture, Readonly<Record<number, string>>>>
> = {
  x64: X86_64_SYSCALLS,
};

/** The syscall numbers of the architecture this process runs on, by number. */
export const SYSCALL_NAMES: Readonly<Record<number, string>> = SYSCALL_TABLES[process.arch] ?? {};

export const PTRACE_REQUESTS: Readonly<Record<number, string>> = {
  0: 'PTRACE_TRACEME',
  1: 'PTRACE_PEEKTEXT',
  2: 'PTRACE_PEEKDATA',
  3: 'PTRACE_PEEKUSER',
  4: 'PTRACE_POKETEXT',
  5: 'PTRACE_POKEDATA',
  6: 'PTRACE_POKEUSER',
  7: 'PTRACE_CONT',
  8: 'PTRACE_KILL',
  9: 'PTRACE_SINGLESTEP',
  12: 'PTRACE_GETREGS',
  13: 'PTRACE_SETREGS',
  16: 'PTRACE_ATTACH',
  17: 'PTRACE_DETACH',
  24: 'PTRACE_SYSCALL',
  16896: 'PTRACE_SETOPTIONS',
  16897: 'PTRACE_GETEVENTMSG',
  16898: 'PTRACE_GETSIGINFO',
  16899: 'PTRACE_SETSIGINFO',
  16900: 'PTRACE_GETREGSET',
  16901: 'PTRACE_SETREGSET',
  16902: 'PTRACE_SEIZE',
  16903: 'PTRACE_INTERRUPT',
  16904: 'PTRACE_LISTEN',
};

/** `CLONE_NEW*` flags, as unshare/setns/clone take them. */
export const NAMESPACE_FLAGS: readonly (readonly [number, string])[] = [
  [0x00000080, 'CLONE_NEWTIME'],
  [0x00020000, 'CLONE_NEWNS'],
  [0x02000000, 'CLONE_NEWCGROUP'],
  [0x04000000, 'CLONE_NEWUTS'],
  [0x08000000, 'CLONE_NEWIPC'],
  [0x10000000, 'CLONE_NEWUSER'],
  [0x20000000, 'CLONE_NEWPID'],
  [0x40000000, 'CLONE_NEWNET'],
];

export const BPF_PROG_TYPES: readonly string[] = [
  'unspec',
  'socket_filter',
  'kprobe',
  'sched_cls',
  'sched_act',
  'tracepoint',
  'xdp',
  'perf_event',
  'cgroup_skb',
  'cgroup_sock',
  'lwt_in',
  'lwt_out',
  'lwt_xmit',
  'sock_ops',
  'sk_skb',
  'cgroup_device',
  'sk_msg',
  'raw_tracepoint',
  'cgroup_sock_addr',
  'lwt_seg6local',
  'lirc_mode2',
  'sk_reuseport',
  'flow_dissector',
  'cgroup_sysctl',
  'raw_tracepoint_writable',
  'cgroup_sockopt',
  'tracing',
  'struct_ops',
  'ext',
  'lsm',
  'sk_lookup',
  'syscall',
  'netfilter',
];

// Capability numbers are the kernel's; core keeps the one table (ALL_CAPABILITIES, in number order).
const CAPABILITIES = ALL_CAPABILITIES;

/** Capability names of a 64-bit capability set (low bit = capability 0). */
export function capabilityNames(set: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; i < 64; i++) {
    if ((set >> BigInt(i)) & 1n) out.push(CAPABILITIES[i] ?? `CAP_${i}`);
  }
  return out;
}
