/** One feature of a probe report: supported, or not with the reason. */
export interface ProbeFeatureStatus {
  readonly supported: boolean;
  readonly reason?: string | undefined;
}

/**
 * What the probe reporter reads of a probe report. `ProbeReport` of `@vigil/ebpf-native` (its
 * schema is the source of truth) is one; it is described here by shape so that the reporters do not
 * depend on the native addon's package.
 */
export interface ProbeDocument {
  readonly platform: string;
  readonly arch: string;
  readonly kernelRelease: string;
  readonly privileges: {
    readonly uid: number;
    readonly capSysAdmin: boolean;
    readonly capBpf: boolean;
    readonly capPerfmon: boolean;
    readonly capNetAdmin: boolean;
  };
  readonly addon: {
    readonly available: boolean;
    readonly path: string;
    readonly libbpfVersion?: string | undefined;
    readonly error?: string | undefined;
  };
  readonly features: Readonly<Record<string, ProbeFeatureStatus>>;
  readonly record: {
    readonly cgroupRoot: string;
    readonly cgroupCreate: ProbeFeatureStatus;
    readonly cgroupAttach: ProbeFeatureStatus;
    readonly sensor: ProbeFeatureStatus;
  };
  readonly enforcement?:
    | {
        readonly egress: ProbeFeatureStatus;
        readonly execKill: ProbeFeatureStatus;
        readonly execRefuse: ProbeFeatureStatus;
        readonly kprobe: ProbeFeatureStatus;
        readonly exec: 'refuse' | 'kill' | 'none';
      }
    | undefined;
  readonly hints: readonly string[];
  readonly captureReady: boolean;
  readonly payloadCapture?: ProbeFeatureStatus | undefined;
  readonly tlsTargets?:
    | readonly {
        readonly path: string;
        readonly functions: readonly string[];
        readonly pids?: readonly number[] | undefined;
      }[]
    | undefined;
}

/**
 * Renders a probe report (`probe()` of `@vigil/ebpf-native`, `vigil probe`) for a terminal: the
 * platform, the addon, each BPF feature, the `record` path, what enforcement can do, and what to fix.
 *
 * @example
 * ```ts
 * import { probe } from '@vigil/ebpf-native';
 * import { renderProbeText } from '@vigil/reporters';
 *
 * process.stdout.write(renderProbeText(await probe()));
 * ```
 */
export function renderProbeText(r: ProbeDocument): string {
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
  const steps: [string, ProbeFeatureStatus][] = [
    ['cgroup create', r.record.cgroupCreate],
    ['cgroup attach', r.record.cgroupAttach],
    ['capture programs', r.record.sensor],
  ];
  const rows: [string, ProbeFeatureStatus][] = [...Object.entries(r.features), ...steps];
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
    const rows: [string, ProbeFeatureStatus][] = [
      ['egress refusal (cgroup sock_addr)', e.egress],
      ['exec kill (bpf_send_signal at exec)', e.execKill],
      ['exec refusal (BPF-LSM)', e.execRefuse],
      ['kprobes (vigil enforce does not need them)', e.kprobe],
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
