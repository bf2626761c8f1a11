import { type ProbeReport, probe } from '@vigil/ebpf-native';
import type { Command } from '../command.js';

/** Renders a probe report for a terminal. */
export function renderProbeText(r: ProbeReport): string {
  const caps = [
    r.privileges.capSysAdmin ? 'CAP_SYS_ADMIN' : '',
    r.privileges.capBpf ? 'CAP_BPF' : '',
    r.privileges.capPerfmon ? 'CAP_PERFMON' : '',
  ].filter(Boolean);
  const out = [
    `platform: ${r.platform} ${r.kernelRelease} ${r.arch}, uid ${r.privileges.uid}${caps.length > 0 ? ` (${caps.join(', ')})` : ' (no BPF capabilities)'}`,
    `addon: ${r.addon.available ? `${r.addon.path} (libbpf ${r.addon.libbpfVersion ?? '?'})` : `not available: ${r.addon.error ?? r.addon.path}`}`,
    `live capture: ${r.captureReady ? 'ready' : 'not available'}`,
    '',
  ];
  const width = Math.max(...Object.keys(r.features).map((k) => k.length));
  for (const [name, f] of Object.entries(r.features)) {
    out.push(`  ${name.padEnd(width)}  ${f.supported ? 'yes' : `no   ${f.reason ?? ''}`}`);
  }
  out.push('');
  return out.join('\n');
}

export const probeCommand: Command = {
  name: 'probe',
  summary:
    'Report what live capture can use on this machine: BTF, ring buffer, tracepoints, kprobe, fentry, LSM, uprobe',
  usage: '[--format text|json]',
  description:
    'Loads and attaches one minimal BPF program per feature and reports, for each one that is missing, the reason (errno text and libbpf message). Needs root (or CAP_BPF + CAP_PERFMON) to probe; without it every feature is reported as not probed. Exits 0 whether or not capture is possible: the report is the result.',
  options: {},
  formats: ['text', 'json'],
  async run(ctx) {
    const report = await probe();
    await ctx.emit(ctx.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderProbeText(report));
    return 0;
  },
};
