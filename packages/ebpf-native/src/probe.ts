import { existsSync } from 'node:fs';
import { arch, release } from 'node:os';
import { join } from 'node:path';
import { isVigilError } from '@vigil/core';
import { z } from 'zod';
import { addonPath, loadBinding } from './internal/binding.js';
import { cgroup2Root } from './internal/cgroup-resolver.js';
import { bpfLsmActive, LSM_LIST } from './internal/lsm.js';
import { type CapturePrivileges, capturePrivileges } from './preflight.js';
import { Sensor } from './sensor.js';
import {
  findTlsTargets,
  SSL_FUNCTIONS,
  type SslFunction,
  sslExports,
  systemSslLibraries,
  type TlsTarget,
} from './tls-targets.js';
import { WorkloadCgroup } from './workload-cgroup.js';

/**
 * Version of the {@link ProbeReport} document.
 *
 * @example
 * ```ts
 * if (report.schemaVersion !== PROBE_SCHEMA_VERSION) throw new Error('unknown probe report version');
 * ```
 */
export const PROBE_SCHEMA_VERSION = 2;

/**
 * The kernel features `probe()` checks, in report order.
 *
 * @example
 * ```ts
 * for (const name of PROBE_FEATURES) console.log(name, report.features[name]?.supported);
 * ```
 */
export const PROBE_FEATURES = [
  'btf',
  'ringbuf',
  'tp_btf',
  'raw_tp',
  'cgroup_sock_addr',
  'send_signal',
  'kprobe',
  'fentry',
  'lsm',
  'uprobe',
] as const;
/** One of {@link PROBE_FEATURES}. */
export type ProbeFeature = (typeof PROBE_FEATURES)[number];

/**
 * One feature: supported, or not with the reason (the kernel's errno text and libbpf's message).
 *
 * @example
 * ```ts
 * FeatureStatusSchema.parse({ supported: false, reason: 'load refused: Operation not permitted (errno 1)' });
 * ```
 */
export const FeatureStatusSchema = z.object({
  supported: z.boolean(),
  /** Why not, when `supported` is false. */
  reason: z.string().optional(),
});
/** @see {@link FeatureStatusSchema} */
export interface FeatureStatus {
  supported: boolean;
  /** Why not, when `supported` is false. */
  reason?: string | undefined;
}

/**
 * The steps of `vigil record`, each tried for real by {@link probe}.
 *
 * @example
 * ```ts
 * const steps = RecordPathSchema.parse(report.record);
 * if (!steps.cgroupCreate.supported) console.log(steps.cgroupCreate.reason);
 * ```
 */
export const RecordPathSchema = z.object({
  /** The cgroup v2 mount the recording cgroup is created in ('' when there is none). */
  cgroupRoot: z.string(),
  /** Creating (and removing) a cgroup there. */
  cgroupCreate: FeatureStatusSchema,
  /** Starting a process inside it. */
  cgroupAttach: FeatureStatusSchema,
  /** Loading and attaching the capture programs, watching that cgroup. */
  sensor: FeatureStatusSchema,
});
/** @see {@link RecordPathSchema} */
export interface RecordPath {
  /** The cgroup v2 mount the recording cgroup is created in ('' when there is none). */
  cgroupRoot: string;
  /** Creating (and removing) a cgroup there. */
  cgroupCreate: FeatureStatus;
  /** Starting a process inside it. */
  cgroupAttach: FeatureStatus;
  /** Loading and attaching the capture programs, watching that cgroup. */
  sensor: FeatureStatus;
}

/**
 * What `vigil enforce` can do here, from the features {@link probe} tried:
 * egress refusal, exec stopping (refused outright, or killed at exec), and
 * file rules (never: they need BPF-LSM's `file_open`, which the enforcer does not use).
 *
 * @example
 * ```ts
 * const e = EnforcementFeaturesSchema.parse(report.enforcement);
 * if (!e.execRefuse.supported) console.log('execs are killed, not refused:', e.execRefuse.reason);
 * ```
 */
export const EnforcementFeaturesSchema = z.object({
  /** Connects and UDP sends refused with EPERM: `cgroup/connect4/6`, `cgroup/sendmsg4/6` (the `cgroup_sock_addr` feature). */
  egress: FeatureStatusSchema,
  /** A program outside the exec allowlist killed before it runs: `bpf_send_signal(SIGKILL)` at `tp_btf/sched_process_exec` (`send_signal`). */
  execKill: FeatureStatusSchema,
  /** An exec refused outright (EPERM) at BPF-LSM `bprm_check_security`: the `lsm` feature, with `bpf` in the active LSM list. */
  execRefuse: FeatureStatusSchema,
  /** Kernel function probes, which the enforcer does not need (the `kprobe` feature). */
  kprobe: FeatureStatusSchema,
  /** How `vigil enforce` stops execs here. */
  exec: z.enum(['refuse', 'kill', 'none']),
});
/** @see {@link EnforcementFeaturesSchema} */
export interface EnforcementFeatures {
  /** Connects and UDP sends refused with EPERM: `cgroup/connect4/6`, `cgroup/sendmsg4/6` (the `cgroup_sock_addr` feature). */
  egress: FeatureStatus;
  /** A program outside the exec allowlist killed before it runs: `bpf_send_signal(SIGKILL)` at `tp_btf/sched_process_exec` (`send_signal`). */
  execKill: FeatureStatus;
  /** An exec refused outright (EPERM) at BPF-LSM `bprm_check_security`: the `lsm` feature, with `bpf` in the active LSM list. */
  execRefuse: FeatureStatus;
  /** Kernel function probes, which the enforcer does not need (the `kprobe` feature). */
  kprobe: FeatureStatus;
  /** How `vigil enforce` stops execs here. */
  exec: 'none' | 'refuse' | 'kill';
}

/**
 * What this machine can do for live capture: platform, privileges, the addon,
 * and each BPF feature, probed by loading and attaching a minimal program.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 *
 * const report = ProbeReportSchema.parse(JSON.parse(readFileSync('probe.json', 'utf8')));
 * ```
 */
export const ProbeReportSchema = z.object({
  schemaVersion: z.literal(PROBE_SCHEMA_VERSION),
  platform: z.string(),
  arch: z.string(),
  kernelRelease: z.string(),
  privileges: z.object({
    uid: z.number().int(),
    capSysAdmin: z.boolean(),
    capBpf: z.boolean(),
    capPerfmon: z.boolean(),
    capNetAdmin: z.boolean(),
    sufficient: z.boolean(),
  }),
  addon: z.object({
    available: z.boolean(),
    path: z.string(),
    libbpfVersion: z.string().optional(),
    error: z.string().optional(),
  }),
  features: z.record(z.enum(PROBE_FEATURES), FeatureStatusSchema),
  /**
   * What `vigil record` does, tried for real: create a cgroup under the cgroup
   * v2 root, start a process inside it, and load and attach the capture programs
   * filtered to it.
   */
  record: RecordPathSchema,
  /** What enforcement can use here (absent in reports written before it was added). */
  enforcement: EnforcementFeaturesSchema.optional(),
  /** One line per missing privilege or part: what to change so that live capture works. */
  hints: z.array(z.string()),
  /** True only when the whole `record` path works here: the kernel features and every step of {@link RecordPathSchema}. */
  captureReady: z.boolean(),
  /**
   * Payload capture (`vigil record --payloads`): the capture programs loaded with
   * payloads on and the TLS uprobes attached to this Node.js binary (when it exports
   * OpenSSL), tried only when `record` works.
   */
  payloadCapture: FeatureStatusSchema.optional(),
  /**
   * Files that export OpenSSL's `SSL_*` functions: those mapped by running processes (with their
   * pids), and the system's OpenSSL libraries, which a sensor with payloads attaches to at open.
   */
  tlsTargets: z
    .array(
      z.object({
        path: z.string(),
        functions: z.array(z.enum(SSL_FUNCTIONS)),
        pids: z.array(z.number().int()).optional(),
      }),
    )
    .optional(),
});
/** @see {@link ProbeReportSchema} */
export interface ProbeReport {
  schemaVersion: 2;
  platform: string;
  arch: string;
  kernelRelease: string;
  privileges: {
    uid: number;
    capSysAdmin: boolean;
    capBpf: boolean;
    capPerfmon: boolean;
    capNetAdmin: boolean;
    sufficient: boolean;
  };
  addon: {
    available: boolean;
    path: string;
    libbpfVersion?: string | undefined;
    error?: string | undefined;
  };
  features: Record<
    | 'kprobe'
    | 'btf'
    | 'ringbuf'
    | 'tp_btf'
    | 'raw_tp'
    | 'cgroup_sock_addr'
    | 'send_signal'
    | 'fentry'
    | 'lsm'
    | 'uprobe',
    FeatureStatus
  >;
  /**
   * What `vigil record` does, tried for real: create a cgroup under the cgroup
   * v2 root, start a process inside it, and load and attach the capture programs
   * filtered to it.
   */
  record: RecordPath;
  /** What enforcement can use here (absent in reports written before it was added). */
  enforcement?: EnforcementFeatures | undefined;
  /** One line per missing privilege or part: what to change so that live capture works. */
  hints: string[];
  /** True only when the whole `record` path works here: the kernel features and every step of {@link RecordPathSchema}. */
  captureReady: boolean;
  /**
   * Payload capture (`vigil record --payloads`): the capture programs loaded with
   * payloads on and the TLS uprobes attached to this Node.js binary (when it exports
   * OpenSSL), tried only when `record` works.
   */
  payloadCapture?: FeatureStatus | undefined;
  /** Files mapped by running processes that export OpenSSL's `SSL_*` functions: where the TLS uprobes would go. */
  tlsTargets?:
    | {
        path: string;
        functions: ('SSL_write' | 'SSL_write_ex' | 'SSL_read' | 'SSL_read_ex' | 'SSL_free')[];
        pids?: number[] | undefined;
      }[]
    | undefined;
}

const REQUIRED: readonly ProbeFeature[] = ['btf', 'ringbuf', 'tp_btf'];

/**
 * Probes the kernel for the BPF features Vigil uses and says, for each one
 * that is missing, why. Never throws for a missing feature: without the addon
 * or without privileges, features are reported unsupported with that reason.
 *
 * @example
 * ```ts
 * import { probe } from '@vigil/ebpf-native';
 *
 * const report = await probe();
 * for (const [name, f] of Object.entries(report.features)) console.log(name, f.supported ? 'yes' : `no: ${f.reason}`);
 * ```
 */
export async function probe(): Promise<ProbeReport> {
  const privileges = capturePrivileges();
  const btf = existsSync('/sys/kernel/btf/vmlinux');
  let path = '';
  try {
    path = addonPath();
  } catch {
    // reported below through loadBinding's error
  }
  const addon: ProbeReport['addon'] = { available: false, path };
  let features: Partial<Record<ProbeFeature, FeatureStatus>> = {};
  let why: string | undefined;
  try {
    const binding = loadBinding();
    addon.available = true;
    addon.libbpfVersion = binding.libbpfVersion;
    if (!privileges.sufficient) {
      why = 'not probed: loading BPF programs needs root or CAP_BPF + CAP_PERFMON';
    } else {
      const native = await binding.probe();
      for (const name of PROBE_FEATURES) {
        const f = native[name];
        if (f)
          features[name] = f.supported ? { supported: true } : { supported: false, reason: f.reason ?? '' };
      }
    }
  } catch (e) {
    addon.error = isVigilError(e) ? e.message : String(e);
    why = `not probed: ${addon.error}`;
  }
  if (why !== undefined) {
    features = Object.fromEntries(
      PROBE_FEATURES.map((n) => [n, { supported: false, reason: why }]),
    ) as Record<ProbeFeature, FeatureStatus>;
  }
  if (!btf)
    features.btf = {
      supported: false,
      reason: '/sys/kernel/btf/vmlinux is missing: kernel built without BTF',
    };
  else if (why !== undefined) features.btf = { supported: true };
  for (const name of PROBE_FEATURES)
    features[name] ??= { supported: false, reason: 'not reported by the addon' };
  // An LSM program loads on a kernel built with CONFIG_BPF_LSM even when the bpf LSM is not active; then it is never called.
  const lsmList = bpfLsmActive();
  if (why === undefined && !lsmList.active) {
    const loaded = features.lsm?.supported === true;
    features.lsm = {
      supported: false,
      reason: loaded
        ? `loads, but ${lsmList.reason ?? `bpf is not in ${LSM_LIST}`}`
        : `${oneLine(features.lsm?.reason)}; ${lsmList.reason ?? ''}`,
    };
  }
  for (const name of PROBE_FEATURES) {
    const f = features[name];
    if (f && !f.supported) f.reason = oneLine(f.reason);
  }
  const kernelReady = REQUIRED.every((n) => features[n]?.supported === true);
  const record = await probeRecordPath(kernelReady && addon.available && privileges.sufficient);
  const full = features as Record<ProbeFeature, FeatureStatus>;
  const captureReady =
    kernelReady && record.cgroupCreate.supported && record.cgroupAttach.supported && record.sensor.supported;
  let tlsTargets: TlsTarget[] | undefined;
  if (process.platform === 'linux') {
    try {
      tlsTargets = findTlsTargets();
      for (const path of systemSslLibraries()) {
        if (tlsTargets.some((t) => t.path === path)) continue;
        let functions: SslFunction[] = [];
        try {
          functions = sslExports(path);
        } catch {
          // unreadable or malformed: not a target
        }
        if (functions.length > 0) tlsTargets.push({ path, functions });
      }
    } catch {
      tlsTargets = undefined; // no /proc
    }
  }
  return ProbeReportSchema.parse({
    schemaVersion: PROBE_SCHEMA_VERSION,
    platform: process.platform,
    arch: arch(),
    kernelRelease: release(),
    privileges,
    addon,
    features,
    record,
    enforcement: enforcementFeatures(full),
    hints: probeHints(privileges, addon, full, record),
    captureReady,
    ...(captureReady ? { payloadCapture: await probePayloadCapture(full.uprobe) } : {}),
    ...(tlsTargets ? { tlsTargets } : {}),
  });
}

/** A reason on one line: libbpf's log tail can span several. */
function oneLine(reason: string | undefined): string {
  return (reason ?? '').replace(/\s*\n\s*/g, '; ').trim();
}

function enforcementFeatures(f: Record<ProbeFeature, FeatureStatus>): EnforcementFeatures {
  const needs = (name: ProbeFeature, also?: ProbeFeature): FeatureStatus => {
    for (const n of [name, also]) {
      if (n === undefined) continue;
      const s = f[n];
      if (!s.supported) return { supported: false, reason: `${n}: ${s.reason ?? ''}` };
    }
    return { supported: true };
  };
  const execKill = needs('tp_btf', 'send_signal');
  const execRefuse = needs('lsm');
  return {
    egress: needs('cgroup_sock_addr'),
    execKill,
    execRefuse,
    kprobe: needs('kprobe'),
    exec: execRefuse.supported ? 'refuse' : execKill.supported ? 'kill' : 'none',
  };
}

// Loads the capture programs with payloads on and attaches the TLS uprobes to this Node.js.
async function probePayloadCapture(uprobe: FeatureStatus): Promise<FeatureStatus> {
  if (!uprobe.supported) return { supported: false, reason: `uprobes: ${uprobe.reason ?? 'unsupported'}` };
  let sensor: Sensor | undefined;
  try {
    sensor = await Sensor.open({ payloads: 'meta' });
    let exported: readonly string[] = [];
    try {
      exported = sslExports(process.execPath);
    } catch {
      exported = [];
    }
    if (exported.length === 0) return { supported: true };
    const [t] = await sensor.attachTls(process.execPath);
    if (!t || t.functions.length === 0)
      return {
        supported: false,
        reason: `TLS uprobes on ${process.execPath}: ${t?.error ?? 'not attached'}`,
      };
    return { supported: true };
  } catch (e) {
    return { supported: false, reason: (e as Error).message };
  } finally {
    await sensor?.close();
  }
}

const NOT_TRIED = (why: string): FeatureStatus => ({ supported: false, reason: `not tried: ${why}` });

// Does what `vigil record` does, in a throwaway cgroup, and says which step fails and why.
async function probeRecordPath(bpfUsable: boolean): Promise<RecordPath> {
  if (process.platform !== 'linux') {
    const no = NOT_TRIED(`not Linux (${process.platform})`);
    return { cgroupRoot: '', cgroupCreate: no, cgroupAttach: no, sensor: no };
  }
  const root = cgroup2Root();
  if (!existsSync(join(root, 'cgroup.procs'))) {
    const no: FeatureStatus = {
      supported: false,
      reason: 'cgroup v2 is not mounted (no /sys/fs/cgroup or /sys/fs/cgroup/unified with cgroup.procs)',
    };
    return {
      cgroupRoot: '',
      cgroupCreate: no,
      cgroupAttach: NOT_TRIED('no cgroup v2'),
      sensor: NOT_TRIED('no cgroup v2'),
    };
  }
  let cg: WorkloadCgroup;
  try {
    cg = WorkloadCgroup.create({
      root,
      name: `vigil-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    });
  } catch (e) {
    const why = NOT_TRIED('the cgroup could not be created');
    return {
      cgroupRoot: root,
      cgroupCreate: { supported: false, reason: (e as Error).message },
      cgroupAttach: why,
      sensor: why,
    };
  }
  try {
    const cgroupAttach = await startInside(cg);
    let sensor: FeatureStatus;
    if (!bpfUsable) sensor = NOT_TRIED('the BPF features or privileges above are missing');
    else {
      try {
        const s = await Sensor.open({ cgroups: [cg.dir], dnsPorts: [53], descendants: true });
        await s.close();
        sensor = { supported: true };
      } catch (e) {
        sensor = { supported: false, reason: (e as Error).message };
      }
    }
    return { cgroupRoot: root, cgroupCreate: { supported: true }, cgroupAttach, sensor };
  } finally {
    await cg.remove().catch(() => undefined);
  }
}

// Starts a process in the cgroup the way `record` does, and checks where it ran.
function startInside(cg: WorkloadCgroup): Promise<FeatureStatus> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    const child = cg.spawn('cat', ['/proc/self/cgroup'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.once('error', (e) => resolve({ supported: false, reason: e.message }));
    child.once('close', (code) => {
      if (code === 0 && out.split('\n').some((l) => l.startsWith('0::') && l.slice(3) === cg.path))
        resolve({ supported: true });
      else
        resolve({
          supported: false,
          reason: `cannot start a process inside ${cg.dir}: ${err.trim().replace(/\s*\n\s*/g, '; ') || `it ran in ${out.trim() || 'another cgroup'}`}`,
        });
    });
  });
}

function errnoIn(reason: string | undefined, ...codes: string[]): boolean {
  return reason !== undefined && codes.some((c) => reason.includes(c));
}

/**
 * What to change so live capture works here, one hint per missing part.
 *
 * @internal
 */
export function probeHints(
  p: CapturePrivileges,
  addon: ProbeReport['addon'],
  features: Record<ProbeFeature, FeatureStatus>,
  record: RecordPath,
): string[] {
  const hints: string[] = [];
  if (!addon.available)
    hints.push(
      `build the native addon: pnpm --filter @vigil/ebpf-native build:native (${addon.error ?? 'not found'})`,
    );
  if (!p.sufficient)
    hints.push(
      "missing CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root, or grant them to node with 'setcap cap_bpf,cap_perfmon+ep'",
    );
  if (!features.btf.supported)
    hints.push('the kernel has no BTF: use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux >= 5.8)');
  const c = record.cgroupCreate;
  if (record.cgroupRoot === '' && !c.supported)
    hints.push(
      'mount cgroup v2 (mount -t cgroup2 none /sys/fs/cgroup, or boot with systemd.unified_cgroup_hierarchy=1)',
    );
  else if (!c.supported && errnoIn(c.reason, 'EROFS', 'read-only'))
    hints.push(
      `the cgroup v2 tree ${record.cgroupRoot} is read-only here (a container?): record on the host, or give the container a private, writable cgroup namespace (e.g. --cgroupns=private with /sys/fs/cgroup mounted rw)`,
    );
  else if (!c.supported && errnoIn(c.reason, 'EACCES', 'EPERM', 'permission denied', 'not permitted'))
    hints.push(
      `record creates a cgroup under ${record.cgroupRoot} and moves the command into it: that needs root${p.uid === 0 ? '' : ` (uid ${p.uid} may not write there${p.capBpf ? '; CAP_BPF and CAP_PERFMON alone are not enough' : ''})`}, or CAP_SYS_ADMIN with write access to the cgroup tree`,
    );
  else if (!c.supported) hints.push(`cannot create a cgroup under ${record.cgroupRoot}: ${c.reason ?? ''}`);
  if (c.supported && !record.cgroupAttach.supported)
    hints.push(
      'a process cannot be moved into a new cgroup here: record needs write access to cgroup.procs of the cgroup v2 root (run as root; in a container, a private cgroup namespace)',
    );
  if (record.sensor.reason !== undefined && !record.sensor.reason.startsWith('not tried'))
    hints.push(`the capture programs do not load here: ${record.sensor.reason}`);
  const sock = features.cgroup_sock_addr;
  if (!sock.supported && !p.capNetAdmin && errnoIn(sock.reason, 'errno 1)', 'errno 13)', 'not permitted'))
    hints.push(
      'cgroup socket programs (cgroup_sock_addr, used by enforcement) also need CAP_NET_ADMIN: run as root, or add cap_net_admin to the capabilities given to node',
    );
  return hints;
}
