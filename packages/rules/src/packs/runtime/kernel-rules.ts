import { ESCAPE_NAMESPACES, PTRACE_WRITE_REQUESTS } from '@vigil/core';
import { defineRule } from '../../api/rule.js';

/** ptrace attaching to or writing into another process. */
export const ptraceAttach = defineRule({
  meta: {
    id: 'vigil.runtime.ptrace',
    title: 'Process tracing or code injection (ptrace)',
    description:
      'A process attached to another with ptrace or wrote into its memory or registers. Equivalents: Falco "PTRACE attached to process", Tracee "Anti-debugging" and "Code injection", Kubescape R1015 "Malicious ptrace usage".',
    severity: 'high',
    version: '1.0.0',
    areas: ['privilege-escalation', 'defense-evasion', 'credential-access'],
    tags: { attack: ['T1055.008'], owaspAgentic: ['ASI05'] },
    equivalents: [
      'Falco: PTRACE attached to process',
      'Tracee: Anti-debugging',
      'Kubescape: R1015 Malicious ptrace usage',
    ],
    rationale:
      'ptrace reads secrets out of other processes and injects code into them; production workloads do not debug themselves.',
    falsePositives: 'Debuggers and profilers (gdb, strace, py-spy) run on purpose.',
    tuning: 'Add an exception on `exe` for the profiler you run, scoped to the workload.',
  },
  kinds: ['ptrace'],
  onEvent(ev, ctx) {
    if (!PTRACE_WRITE_REQUESTS.has(ev.requestName)) return;
    ctx.report({
      subject: ev.requestName,
      summary: `${ev.exe || ev.comm} (pid ${ev.pid}) called ${ev.requestName} on pid ${ev.targetPid}${ev.result < 0 ? ' (refused)' : ''}`,
      ...(ev.result < 0 ? { severity: 'medium' as const } : {}),
    });
  },
});

const HOST_MOUNT_SOURCES = /^\/dev\/(sd|nvme|vd|xvd|dm-|mapper\/)|^\/proc|^\/sys/;

/** unshare, setns, mount and pivot_root in a workload: the moves of a container escape. */
export const namespaceEscape = defineRule({
  meta: {
    id: 'vigil.runtime.namespace-escape',
    title: 'Namespace or mount change toward escape',
    description:
      'A workload process called unshare or setns with mount, user, PID, cgroup or network namespaces, mounted a host device, /proc or /sys, or called pivot_root. Equivalents: Falco "Change namespace privileges via unshare" and "Mount launched in privileged container", Kubescape R1006 "Unshare system call", Tracee "Disk mount".',
    severity: 'high',
    version: '1.0.0',
    areas: ['container-escape', 'privilege-escalation'],
    tags: { attack: ['T1611'], owaspAgentic: ['ASI05'] },
    equivalents: [
      'Falco: Change namespace privileges via unshare',
      'Falco: Mount launched in privileged container',
      'Kubescape: R1006 Unshare system call',
    ],
    rationale:
      'Ordinary workloads never change namespaces or mount filesystems; escapes from containers do exactly that.',
    falsePositives:
      'Container runtimes and sandboxes (runc, crun, bubblewrap, nsjail) running inside the workload on purpose.',
    tuning: 'Add an exception on `exe` for the sandbox binary the workload uses.',
  },
  kinds: ['ns.change'],
  onEvent(ev, ctx) {
    let what: string | undefined;
    if (ev.syscall === 'unshare' || ev.syscall === 'setns') {
      const ns = (ev.namespaces ?? []).filter((n) => ESCAPE_NAMESPACES.has(n));
      if (ns.length > 0 || ev.syscall === 'setns')
        what = `${ev.syscall}(${(ev.namespaces ?? []).join('|') || 'all'})`;
    } else if (ev.syscall === 'mount') {
      const src = ev.mountSource ?? '';
      if (
        HOST_MOUNT_SOURCES.test(src) ||
        ev.fstype === 'proc' ||
        ev.fstype === 'sysfs' ||
        ev.fstype === 'cgroup'
      )
        what = `mount ${src || ev.fstype || ''} on ${ev.target ?? '?'}`;
    } else if (ev.syscall === 'pivot_root') {
      what = 'pivot_root';
    }
    if (what === undefined) return;
    ctx.report({
      subject: what,
      summary: `${ev.exe || ev.comm} (pid ${ev.pid}) called ${what}${ev.result < 0 ? ' (refused)' : ''}`,
      ...(ev.result < 0 ? { severity: 'medium' as const } : {}),
    });
  },
});

/** Loading a kernel module. */
export const kernelModuleLoad = defineRule({
  meta: {
    id: 'vigil.runtime.kernel-module-load',
    title: 'Kernel module loaded',
    description:
      'A workload process loaded a kernel module (init_module or finit_module). Equivalents: Falco "Linux Kernel Module Injection Detected", Kubescape R1002 "Kernel module load", Tracee "Kernel module loading".',
    severity: 'critical',
    version: '1.0.0',
    areas: ['privilege-escalation', 'persistence', 'container-escape'],
    tags: { attack: ['T1547.006', 'T1014'] },
    equivalents: ['Falco: Linux Kernel Module Injection Detected', 'Kubescape: R1002 Kernel module load'],
    rationale: 'A module runs with full kernel privilege: rootkits and escapes load one.',
    falsePositives: 'Device-plugin and storage DaemonSets that load modules at start-up.',
    tuning: 'Add an exception on `name` and `workload.name` for the DaemonSet.',
  },
  kinds: ['module.load'],
  onEvent(ev, ctx) {
    ctx.report({
      subject: ev.name,
      summary: `${ev.exe || ev.comm} loaded kernel module ${ev.name}${ev.result < 0 ? ' (refused)' : ''}`,
      ...(ev.result < 0 ? { severity: 'high' as const } : {}),
    });
  },
});

/** Loading a BPF program. */
export const bpfProgramLoad = defineRule({
  meta: {
    id: 'vigil.runtime.bpf-program-load',
    title: 'BPF program loaded',
    description:
      'A workload process loaded a BPF program (BPF_PROG_LOAD). Equivalents: Falco "BPF Program Not Profiled", Kubescape R0009 "eBPF program load".',
    severity: 'high',
    version: '1.0.0',
    areas: ['privilege-escalation', 'defense-evasion'],
    tags: { attack: ['T1014', 'T1562'] },
    equivalents: ['Falco: BPF Program Not Profiled', 'Kubescape: R0009 eBPF program load'],
    rationale:
      'BPF programs can read kernel memory, tamper with syscalls and hide activity; only observability agents load them.',
    falsePositives: 'Observability and networking agents (Cilium, Vigil itself, profilers).',
    tuning: 'Add an exception on `exe` or `workload.name` for the agents you run.',
  },
  kinds: ['bpf.load'],
  onEvent(ev, ctx) {
    if (ev.command !== 'BPF_PROG_LOAD') return;
    ctx.report({
      subject: `${ev.programType ?? 'unknown'}:${ev.programName ?? ''}`,
      summary:
        `${ev.exe || ev.comm} loaded a ${ev.programType ?? ''} BPF program ${ev.programName ?? ''}`.replace(
          /\s+/g,
          ' ',
        ),
    });
  },
});
