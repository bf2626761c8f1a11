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

const ADDON = join('build', 'Release', 'vigil_native.node');

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

/** Where the addon is looked for: `VIGIL_NATIVE_ADDON`, else the package's build output. */
export function addonPath(): string {
  return process.env['VIGIL_NATIVE_ADDON'] ?? join(packageRoot(), ADDON);
}

let cached: NativeBinding | undefined;

/** Loads the addon once; throws a `NATIVE_ADDON_MISSING` error that says how to build it. */
export function loadBinding(): NativeBinding {
  if (cached) return cached;
  if (process.platform !== 'linux') {
    throw new VigilError(
      'UNSUPPORTED_PLATFORM',
      `live capture needs Linux with eBPF; this is ${process.platform}. Replayed and ingested events work everywhere.`,
    );
  }
  const path = addonPath();
  if (!existsSync(path)) {
    throw new VigilError(
      'NATIVE_ADDON_MISSING',
      `the capture addon is not built (${path} is missing): run 'pnpm --filter @vigil/ebpf-native build:native' (needs clang >= 11, bpftool, libbpf-dev, libelf-dev, zlib1g-dev, cmake), or 'bash scripts/setup.sh'`,
    );
  }
  try {
    cached = createRequire(import.meta.url)(path) as NativeBinding;
  } catch (cause) {
    throw new VigilError(
      'NATIVE_ADDON_MISSING',
      `the capture addon at ${path} failed to load: ${(cause as Error).message}; rebuild it with 'pnpm --filter @vigil/ebpf-native build:native'`,
      { cause },
    );
  }
  return cached;
}
