import { probe } from '@vigil/ebpf-native';
import { renderReport, reportFormats } from '@vigil/reporters';
import type { Command } from '../command.js';

export const probeCommand: Command = {
  name: 'probe',
  summary:
    'Report what live capture and enforcement can use on this machine: BTF, ring buffer, tracepoints, cgroup programs, send_signal, kprobe, fentry, LSM, uprobe',
  usage: `[--format ${reportFormats('probe').join('|')}]`,
  description:
    'Loads and attaches one minimal BPF program per feature and reports, for each one that is missing, the reason (errno text and libbpf message). Then tries what `vigil record` does, in a throwaway cgroup: create a cgroup under the cgroup v2 root, start a process inside it, load and attach the capture programs. "ready" means all of it worked; otherwise each missing privilege or part gets a hint (CAP_BPF + CAP_PERFMON for the programs, root or a writable cgroup v2 tree for the cgroup, CAP_NET_ADMIN for cgroup socket programs). The enforcement section says what `vigil enforce` can do: refuse egress (cgroup sock_addr programs), kill a program at exec (bpf_send_signal at the exec tracepoint), refuse an exec outright (BPF-LSM bprm_check_security, which needs bpf in /sys/kernel/security/lsm as well as a program that loads), with one line of reason for each missing one. When that works, it also loads the programs with payload capture on and attaches the TLS uprobes to this Node.js (payload capture), and lists the files mapped by running processes that export the SSL_* functions of OpenSSL. Without CAP_BPF + CAP_PERFMON (or root) the features are reported as not probed. Exits 0 whether or not capture is possible: the report is the result.',
  options: {},
  formats: reportFormats('probe'),
  maxPositionals: 0,
  async run(ctx) {
    await ctx.emit(renderReport('probe', ctx.format, await probe()));
    return 0;
  },
};
