import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VigilError } from '@vigil/core';
import type { StructLayout } from '../decode/layout.js';

/** Options the native sensor takes at construction. */
export interface NativeSensorOptions {
  readonly ringBufferBytes?: number;
  readonly dedup?: boolean;
  readonly selfTgid?: number;
  readonly batchBytes?: number;
  readonly maxQueuedBatches?: number;
  readonly flushMs?: number;
  /** Per-event payload byte cap; 0 (default) leaves payload capture off. */
  readonly payloadBytes?: number;
  /** With payload capture: plaintext TCP sockets too. Default true. */
  readonly payloadSockets?: boolean;
}

/** Counters the native side keeps (kernel per-CPU counters summed, poll thread counters). */
export interface NativeCounters {
  readonly submitted: number;
  readonly ringbufFull: number;
  readonly dedup: number;
  /** Payload records lost to a full ring buffer. */
  readonly payloadFull: number;
  readonly batchesSent: number;
  readonly recordsSent: number;
  readonly refusedRecords: number;
  readonly refusedBatches: number;
  readonly pollErrors: number;
}

/** The native sensor object: one loaded set of capture programs. */
export interface NativeSensor {
  load(): Promise<void>;
  start(onBatch: (batch: Buffer, records: number) => void): void;
  watch(cgroupId: bigint, subtree?: boolean): void;
  unwatch(cgroupId: bigint): void;
  setWatchAll(all: boolean): void;
  setDnsPorts(ports: readonly number[]): void;
  /** Attaches the SSL_* uprobes to a file at the given file offsets; resolves with the functions attached. */
  attachTls(path: string, offsets: Readonly<Record<string, number>>): Promise<string[]>;
  counters(): NativeCounters;
  programIds(): number[];
  close(): void;
}

/** Counters of the native enforcer (kernel per-CPU counters summed, poll thread counters). */
export interface NativeEnforcerCounters {
  readonly checked: number;
  readonly allowed: number;
  readonly wouldBlock: number;
  readonly blocked: number;
  readonly killed: number;
  readonly ringbufFull: number;
  readonly recordsSent: number;
  readonly refusedRecords: number;
  readonly pollErrors: number;
}

/** The native enforcer object: the loaded enforcement programs and their maps. */
export interface NativeEnforcer {
  load(): Promise<void>;
  start(onBatch: (batch: Buffer, records: number) => void): void;
  attachCgroup(dir: string): void;
  detachCgroup(dir: string): void;
  setTarget(cgroupId: bigint, policy: number, mode: number, flags: number): void;
  removeTarget(cgroupId: bigint): void;
  allowEgress(
    policy: number,
    family: 4 | 6,
    addr: Buffer,
    prefixBits: number,
    port: number,
    rule: number,
  ): void;
  allowExec(policy: number, dev: bigint, ino: bigint, rule: number): void;
  clearPolicy(policy: number): number;
  counters(): NativeEnforcerCounters;
  programIds(): number[];
  close(): void;
}

/** One feature's probe result as the addon reports it. */
export interface NativeFeature {
  readonly supported: boolean;
  readonly reason?: string;
}

/** The addon's exports. */
export interface NativeBinding {
  readonly NativeSensor: new (options: NativeSensorOptions) => NativeSensor;
  readonly NativeEnforcer: new (options: {
    ringBufferBytes?: number;
    flushMs?: number;
    lsmExec?: boolean;
  }) => NativeEnforcer;
  layout(): Record<string, StructLayout> & { constants: Record<string, number> };
  probe(): Promise<Record<string, NativeFeature>>;
  readonly libbpfVersion: string;
}

const ADDON_FILE = 'vigil_native.node';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === '@vigil/ebpf-native')
          return dir;
      } catch {
        // keep looking
      }
    }
    dir = dirname(dir);
  }
  throw new VigilError('NATIVE_ADDON_MISSING', 'cannot find the @vigil/ebpf-native package directory');
}

/**
 * The prebuilt folder's name for this process: platform, architecture and C
 * library, e.g. `linux-x64-glibc` (scripts/prebuilt.mjs computes the same).
 */
export function prebuiltKey(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  const libc = process.platform !== 'linux' ? 'unknown' : header?.glibcVersionRuntime ? 'glibc' : 'musl';
  return `${process.platform}-${process.arch}-${libc}`;
}

/** One place the loader looks for the addon, in order. */
export interface AddonCandidate {
  /** `VIGIL_NATIVE_ADDON`, the module shipped in the package, or one built from source at install. */
  readonly kind: 'override' | 'prebuilt' | 'source-build';
  readonly path: string;
}

/**
 * Where the addon is looked for, in order: `VIGIL_NATIVE_ADDON` when set (then
 * nothing else), the prebuilt module for this platform shipped in the package,
 * and the module the install step built from source.
 */
export function addonCandidates(): AddonCandidate[] {
  const override = process.env['VIGIL_NATIVE_ADDON'];
  if (override) return [{ kind: 'override', path: override }];
  const root = packageRoot();
  return [
    { kind: 'prebuilt', path: join(root, 'prebuilds', prebuiltKey(), ADDON_FILE) },
    { kind: 'source-build', path: join(root, 'build', 'Release', ADDON_FILE) },
  ];
}

/** The addon path the loader uses first: `VIGIL_NATIVE_ADDON`, else the first candidate that exists. */
export function addonPath(): string {
  const all = addonCandidates();
  return (all.find((c) => existsSync(c.path)) ?? all[0]!).path;
}

const BUILD_HINT =
  "build it from source with 'npm rebuild @vigil/ebpf-native' (needs clang >= 11, bpftool, cmake, pkg-config, " +
  'a C++ compiler, libbpf-dev >= 1.0, libelf-dev, zlib1g-dev), or point VIGIL_NATIVE_ADDON at a built vigil_native.node';

let cached: NativeBinding | undefined;

/** Loads the addon once; throws a `NATIVE_ADDON_MISSING` error that says how to get it. */
export function loadBinding(): NativeBinding {
  if (cached) return cached;
  if (process.platform !== 'linux') {
    throw new VigilError(
      'UNSUPPORTED_PLATFORM',
      `live capture needs Linux with eBPF; this is ${process.platform}. Replayed and ingested events work everywhere.`,
    );
  }
  const candidates = addonCandidates();
  const failures: string[] = [];
  const load = createRequire(import.meta.url);
  for (const c of candidates) {
    if (!existsSync(c.path)) {
      if (c.kind === 'override')
        throw new VigilError(
          'NATIVE_ADDON_MISSING',
          `VIGIL_NATIVE_ADDON names ${c.path}, which does not exist`,
        );
      continue;
    }
    try {
      cached = load(c.path) as NativeBinding;
      return cached;
    } catch (cause) {
      if (c.kind === 'override')
        throw new VigilError(
          'NATIVE_ADDON_MISSING',
          `the capture addon named by VIGIL_NATIVE_ADDON (${c.path}) failed to load: ${(cause as Error).message}`,
          { cause },
        );
      // A prebuilt module this system cannot load (an older glibc, say) falls through to a source build.
      failures.push(`${c.path} failed to load: ${(cause as Error).message}`);
    }
  }
  const tried =
    failures.length > 0
      ? failures.join('; ')
      : `no prebuilt module for ${prebuiltKey()} (the package ships linux-x64-glibc) and none built from source`;
  throw new VigilError('NATIVE_ADDON_MISSING', `the capture addon is not available: ${tried}; ${BUILD_HINT}`);
}
