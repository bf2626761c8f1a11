import { type FeatureStatus, type ProbeReport, probe } from '@vigil/ebpf-native';
import type { Command } from '../command.js';

/** Renders a probe report for a terminal. */
export function renderProbeText(r: ProbeReport): string {
  const caps = [
    r.privileges.capSysAdmin ? 'CAP_SYS_ADMIN' : '',
    r.privileges.capBpf ? 'CAP_BPF' : '',
    r.privileges.capPerfmon ? 'CAP_PERFMON' : '',
    r.privileges.capNetAdmin ? 'CAP_NET_ADMIN' : '',
  ].filter(Boolean);
  const out = [
    `platform: ${r.platform} ${r.kernelRelease} ${r.arch}, uid ${r.privileges.uid}${caps.length > 0 ? ` (${caps.join(', ')})` : ' (no BPF capabilities)'}`,
    `addon: ${r.addon.available ? `${r.addon.path} (libbpf ${r.addon.libbpfVersion ?? '?'})` : `not available: ${r.addon.error ?? r.addon.path}`}`,
    `live capture (vigil record): ${r.captureReady ? 'ready' : 'not available'}`,
    '',
  ];
  const steps: [string, FeatureStatus][] = [
    ['cgroup create', r.record.cgroupCreate],
    ['cgroup attach', r.record.cgroupAttach],
    ['capture programs', r.record.sensor],
  ];
  const rows: [string, FeatureStatus][] = [...Object.entries(r.features), ...steps];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [name, f] of Object.entries(r.features))
    out.push(`  ${name.padEnd(width)}  ${f.supported ? 'yes' : `no   ${f.reason ?? ''}`}`);
  out.push('', `record path${r.record.cgroupRoot ? ` (cgroup v2 at ${r.record.cgroupRoot})` : ''}:`);
  for (const [name, f] of steps)
    out.push(`  ${name.padEnd(width)}  ${f.supported ? 'yes' : `no   ${f.reason ?? ''}`}`);
  if (r.enforcement) {
    const e = r.enforcement;
    const how = {
      refuse: 'execs outside the allowlist are refused (BPF-LSM bprm_check_security)',
      kill: 'execs outside the allowlist are killed at exec (SIGKILL); BPF-LSM would refuse them outright',
      none: 'execs cannot be stopped here',
    }[e.exec];
    out.push('', `enforcement (vigil enforce): ${how}`);
    const rows: [string, FeatureStatus][] = [
      ['egress refusal (cgroup sock_addr)', e.egress],
      ['exec kill (bpf_send_signal at exec)', e.execKill],
      ['exec refusal (BPF-LSM)', e.execRefuse],
      ['kprobes', e.kprobe],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [name, f] of rows)
      out.push(`  ${name.padEnd(w)}  ${f.supported ? 'yes' : `no   ${f.reason ?? ''}`}`);
    out.push(
      `  ${'file rules'.padEnd(w)}  no   not enforced: they need BPF-LSM (file_open); files stay detections`,
    );
  }
  if (r.payloadCapture)
    out.push(
      '',
      `payload capture (record --payloads): ${r.payloadCapture.supported ? 'ready' : `no   ${r.payloadCapture.reason ?? ''}`}`,
    );
  if (r.tlsTargets) {
    out.push('', `files with OpenSSL's SSL_* functions mapped by running processes: ${r.tlsTargets.length}`);
    for (const t of r.tlsTargets)
      out.push(`  ${t.path}  (${t.functions.join(' ')}; ${t.pids?.length ?? 0} process(es))`);
  }
  if (r.hints.length > 0) out.push('', 'to fix:', ...r.hints.map((h) => `  - ${h}`));
  out.push('');
  return out.join('\n');
}

export const probeCommand: Command = {
  name: 'probe',
  summary:
    'Report what live capture and enforcement can use on this machine: BTF, ring buffer, tracepoints, cgroup programs, send_signal, kprobe, fentry, LSM, uprobe',
  usage: '[--format text|json]',
  description:
    'Loads and attaches one minimal BPF program per feature and reports, for each one that is missing, the reason (errno text and libbpf message). Then tries what `vigil record` does, in a throwaway cgroup: create a cgroup under the cgroup v2 root, start a process inside it, load and attach the capture programs. "ready" means all of it worked; otherwise each missing privilege or part gets a hint (CAP_BPF + CAP_PERFMON for the programs, root or a writable cgroup v2 tree for the cgroup, CAP_NET_ADMIN for cgroup socket programs). The enforcement section says what `vigil enforce` can do: refuse egress (cgroup sock_addr programs), kill a program at exec (bpf_send_signal at the exec tracepoint), refuse an exec outright (BPF-LSM bprm_check_security, which needs bpf in /sys/kernel/security/lsm as well as a program that loads), with one line of reason for each missing one. When that works, it also loads the programs with payload capture on and attaches the TLS uprobes to this Node.js (payload capture), and lists the files mapped by running processes that export the SSL_* functions of OpenSSL. Without CAP_BPF + CAP_PERFMON (or root) the features are reported as not probed. Exits 0 whether or not capture is possible: the report is the result.',
  options: {},
  formats: ['text', 'json'],
  maxPositionals: 0,
  async run(ctx) {
    const report = await probe();
    await ctx.emit(ctx.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderProbeText(report));
    return 0;
  },
};
