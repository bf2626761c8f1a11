import { existsSync, readFileSync } from 'node:fs';
import { VigilError } from '@vigil/core';

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/**
 * What this process may do with BPF, read from `/proc/self/status`.
 *
 * @example
 * ```ts
 * const { sufficient, capBpf } = capturePrivileges();
 * ```
 */
export interface CapturePrivileges {
  readonly uid: number;
  readonly capSysAdmin: boolean;
  readonly capBpf: boolean;
  readonly capPerfmon: boolean;
  /** Needed besides CAP_BPF to attach cgroup socket programs (enforcement). */
  readonly capNetAdmin: boolean;
  /** True when the process can load and attach tracing programs. */
  readonly sufficient: boolean;
}

/**
 * Reads the effective capabilities of this process.
 *
 * @example
 * ```ts
 * if (!capturePrivileges().sufficient) console.warn('live capture needs root');
 * ```
 */
export function capturePrivileges(): CapturePrivileges {
  let eff = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) eff = BigInt(`0x${m[1]}`);
  } catch {
    // not Linux or no procfs: no capabilities
  }
  const has = (bit: bigint) => ((eff >> bit) & 1n) === 1n;
  const capSysAdmin = has(CAP_SYS_ADMIN);
  const capBpf = has(CAP_BPF);
  const capPerfmon = has(CAP_PERFMON);
  return {
    uid: process.getuid?.() ?? -1,
    capSysAdmin,
    capBpf,
    capPerfmon,
    capNetAdmin: has(CAP_NET_ADMIN),
    sufficient: capSysAdmin || (capBpf && capPerfmon),
  };
}

/**
 * Checks what live capture needs before anything is loaded, and throws a
 * {@link VigilError} that says exactly what is missing and what to do:
 * `UNSUPPORTED_PLATFORM` (not Linux), `KERNEL_FEATURE_MISSING` (no BTF),
 * `PRIVILEGE_REQUIRED` (neither CAP_SYS_ADMIN nor CAP_BPF + CAP_PERFMON).
 *
 * @example
 * ```ts
 * import { assertCapturePrerequisites } from '@vigil/ebpf-native';
 *
 * try { assertCapturePrerequisites(); } catch (e) { console.error(e.message); }
 * ```
 */
export function assertCapturePrerequisites(): void {
  if (process.platform !== 'linux') {
    throw new VigilError(
      'UNSUPPORTED_PLATFORM',
      `live capture needs Linux with eBPF; this is ${process.platform}. Replayed and ingested events (ReplaySource, MemorySource) work everywhere.`,
    );
  }
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    throw new VigilError(
      'KERNEL_FEATURE_MISSING',
      'live capture needs a kernel with BTF (/sys/kernel/btf/vmlinux is missing): use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux >= 5.8; most distribution kernels since 2021)',
    );
  }
  const p = capturePrivileges();
  if (!p.sufficient) {
    throw new VigilError(
      'PRIVILEGE_REQUIRED',
      `live capture needs root or the capabilities CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); this process (uid ${p.uid}) has none of them: run it with sudo, or grant them with 'setcap cap_bpf,cap_perfmon+ep' on the node binary`,
    );
  }
}
