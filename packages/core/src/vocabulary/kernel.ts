/**
 * Capabilities that amount to control of the host (kernel, other processes, raw devices, any file).
 *
 * @example
 * ```ts
 * HOST_CONTROL_CAPABILITIES.has('CAP_SYS_ADMIN'); // true
 * ```
 */
export const HOST_CONTROL_CAPABILITIES: ReadonlySet<string> = new Set([
  'CAP_SYS_ADMIN',
  'CAP_SYS_MODULE',
  'CAP_SYS_PTRACE',
  'CAP_BPF',
  'CAP_SYS_RAWIO',
  'CAP_DAC_READ_SEARCH',
]);

/**
 * System calls (as baselines name them) that change the kernel or leave the container: a module load,
 * a BPF program, entering another namespace.
 *
 * @example
 * ```ts
 * KERNEL_CHANGING_SYSCALLS.has('module.load'); // true
 * ```
 */
export const KERNEL_CHANGING_SYSCALLS: ReadonlySet<string> = new Set(['module.load', 'bpf', 'setns']);

/**
 * ptrace requests that attach to another process or write into it.
 *
 * @example
 * ```ts
 * PTRACE_WRITE_REQUESTS.has('PTRACE_POKEDATA'); // true
 * ```
 */
export const PTRACE_WRITE_REQUESTS: ReadonlySet<string> = new Set([
  'PTRACE_ATTACH',
  'PTRACE_SEIZE',
  'PTRACE_POKETEXT',
  'PTRACE_POKEDATA',
  'PTRACE_POKEUSER',
  'PTRACE_SETREGS',
  'PTRACE_SETREGSET',
]);

/**
 * Namespaces whose change moves a process toward the host (both the `CLONE_*` flag and the short name).
 *
 * @example
 * ```ts
 * ESCAPE_NAMESPACES.has('CLONE_NEWUSER'); // true
 * ```
 */
export const ESCAPE_NAMESPACES: ReadonlySet<string> = new Set([
  'CLONE_NEWNS',
  'CLONE_NEWUSER',
  'CLONE_NEWPID',
  'CLONE_NEWCGROUP',
  'CLONE_NEWNET',
  'mnt',
  'user',
  'pid',
  'cgroup',
  'net',
]);
