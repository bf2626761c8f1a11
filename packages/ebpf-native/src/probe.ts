import { existsSync } from 'node:fs';
import { arch, release } from 'node:os';
import { isVigilError } from '@vigil/core';
import { z } from 'zod';
import { addonPath, loadBinding } from './internal/binding.js';
import { capturePrivileges } from './preflight.js';

/**
 * Version of the {@link ProbeReport} document.
 *
 * @example
 * ```ts
 * if (report.schemaVersion !== PROBE_SCHEMA_VERSION) throw new Error('unknown probe report version');
 * ```
 */
export const PROBE_SCHEMA_VERSION = 1;

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
export type FeatureStatus = z.infer<typeof FeatureStatusSchema>;

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
    sufficient: z.boolean(),
  }),
  addon: z.object({
    available: z.boolean(),
    path: z.string(),
    libbpfVersion: z.string().optional(),
    error: z.string().optional(),
  }),
  features: z.record(z.enum(PROBE_FEATURES), FeatureStatusSchema),
  /** True when everything `Sensor` needs (BTF, ring buffer, tp_btf) works. */
  captureReady: z.boolean(),
});
/** @see {@link ProbeReportSchema} */
export type ProbeReport = z.infer<typeof ProbeReportSchema>;

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
  return ProbeReportSchema.parse({
    schemaVersion: PROBE_SCHEMA_VERSION,
    platform: process.platform,
    arch: arch(),
    kernelRelease: release(),
    privileges,
    addon,
    features,
    captureReady: REQUIRED.every((n) => features[n]?.supported === true),
  });
}
