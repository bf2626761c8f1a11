import { type Dirent, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { VigilError } from '../errors/vigil-error.js';
import { type CgroupIdentity, parseCgroupPath, workloadFromCgroupPath } from './cgroup-path.js';
import type { WorkloadKind, WorkloadRef } from './workload-ref.js';

/**
 * A cgroup that holds a workload, as {@link scanCgroupTree} and
 * {@link CgroupDiscovery} report it.
 */
export interface DiscoveredCgroup {
  /** Path relative to the cgroup v2 mount, as `/proc/PID/cgroup` shows it. */
  readonly path: string;
  /** Absolute directory. */
  readonly dir: string;
  /** The cgroup v2 id (the directory's inode number; what BPF sees), as a decimal string. */
  readonly id: string;
  /** What the path says (kind, pod uid, container id, runtime, unit). */
  readonly identity: CgroupIdentity;
  /** The workload the path names (without Kubernetes metadata). */
  readonly workload: WorkloadRef;
}

/** The workload kinds discovery reports by default: pods' containers, containers, services, plain leaf cgroups. */
export const DEFAULT_DISCOVERED_KINDS: readonly WorkloadKind[] = [
  'kubernetes-pod',
  'container',
  'systemd-service',
  'cgroup',
];

/** How often {@link CgroupDiscovery} polls by default, in milliseconds. */
export const DEFAULT_DISCOVERY_INTERVAL_MS = 1000;

/**
 * Where cgroup v2 is mounted: `/sys/fs/cgroup/unified` in the hybrid layout,
 * otherwise `/sys/fs/cgroup`.
 *
 * @example
 * ```ts
 * import { cgroupV2Mount } from '@vigil/core';
 *
 * cgroupV2Mount(); // '/sys/fs/cgroup'
 * ```
 */
export function cgroupV2Mount(): string {
  for (const p of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    try {
      statSync(join(p, 'cgroup.procs'));
      return p;
    } catch {
      // try the next
    }
  }
  return '/sys/fs/cgroup';
}

/**
 * Whether a cgroup holds a workload of its own rather than being a grouping
 * (a slice, a pod's or QoS class's parent) or a part of one (a container's
 * sub-cgroup): a pod's container cgroup, a container scope, a service, or a
 * leaf cgroup outside Kubernetes that is no slice. Pure: decided from the path
 * and whether the cgroup has children.
 *
 * @example
 * ```ts
 * isWorkloadCgroup('/kubepods.slice/kubepods-burstable.slice', true); // false
 * isWorkloadCgroup('/system.slice/nginx.service', false); // true
 * ```
 */
export function isWorkloadCgroup(
  path: string,
  hasChildren: boolean,
  kinds: readonly WorkloadKind[] = DEFAULT_DISCOVERED_KINDS,
): boolean {
  const ident = parseCgroupPath(path);
  if (!kinds.includes(ident.kind)) return false;
  const segs = path.split('/').filter((s) => s.length > 0);
  const last = segs[segs.length - 1] ?? '';
  switch (ident.kind) {
    case 'kubernetes-pod':
    case 'container':
      // The container's own cgroup, not one it made below itself (CRI-O's `container`, a nested runtime).
      return ident.containerId !== undefined && last.includes(ident.containerId);
    case 'systemd-service':
    case 'systemd-scope':
    case 'user-session':
      return last === ident.unit;
    case 'cgroup':
      return (
        !hasChildren &&
        !last.endsWith('.slice') &&
        !segs.some((s) => s === 'kubepods' || s === 'kubepods.slice')
      );
    default:
      return false;
  }
}

/**
 * Options for {@link scanCgroupTree} and {@link CgroupDiscovery}.
 *
 * @example
 * ```ts
 * const options: CgroupScanOptions = { root: '/sys/fs/cgroup/kubepods.slice', kinds: ['kubernetes-pod'] };
 * ```
 */
export interface CgroupScanOptions {
  /** The subtree to scan: absolute, or relative to the mount. Default: the whole mount. */
  readonly root?: string;
  /** The cgroup v2 mount. Default {@link cgroupV2Mount}. */
  readonly mount?: string;
  /** Which kinds of workload to report. Default {@link DEFAULT_DISCOVERED_KINDS}. */
  readonly kinds?: readonly WorkloadKind[];
  /** How deep below the root to look. Default 16. */
  readonly maxDepth?: number;
}

function resolveRoot(options: CgroupScanOptions): { mount: string; root: string } {
  const mount = options.mount ?? cgroupV2Mount();
  const r = options.root ?? mount;
  const root = isAbsolute(r) ? r : join(mount, r);
  if (root !== mount && !root.startsWith(`${mount}/`))
    throw new VigilError('USAGE', `cgroup root ${root} is not below the cgroup v2 mount ${mount}`);
  return { mount, root };
}

/**
 * Walks a cgroup v2 subtree once and returns every workload cgroup below its
 * root ({@link isWorkloadCgroup}), parents before children. Cgroups that vanish
 * while it walks are skipped.
 *
 * @example
 * ```ts
 * import { scanCgroupTree } from '@vigil/core';
 *
 * for (const c of scanCgroupTree({ root: 'kubepods.slice' })) console.log(c.workload.id, c.path);
 * ```
 */
export function scanCgroupTree(options: CgroupScanOptions = {}): DiscoveredCgroup[] {
  const { mount, root } = resolveRoot(options);
  const kinds = options.kinds ?? DEFAULT_DISCOVERED_KINDS;
  const maxDepth = options.maxDepth ?? 16;
  const out: DiscoveredCgroup[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    let id: string;
    try {
      id = statSync(dir, { bigint: true }).ino.toString();
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed meanwhile
    }
    const children = entries.filter((e) => e.isDirectory());
    const path = dir === mount ? '/' : dir.slice(mount.length);
    // The root is the scope, not a workload of its own.
    if (depth > 0 && isWorkloadCgroup(path, children.length > 0, kinds)) {
      out.push({
        path,
        dir,
        id,
        identity: parseCgroupPath(path),
        workload: workloadFromCgroupPath(path, id),
      });
    }
    if (depth >= maxDepth) return;
    for (const c of children) walk(join(dir, c.name), depth + 1);
  };
  walk(root, 0);
  return out;
}

/** What changed between two scans. */
export interface CgroupChanges {
  readonly added: readonly DiscoveredCgroup[];
  readonly removed: readonly DiscoveredCgroup[];
}

/**
 * The cgroups that appeared and vanished between two scans, keyed by path
 * and id: a cgroup removed and created again under the same path between
 * the scans (a restarted container) is both.
 *
 * @example
 * ```ts
 * const { added, removed } = diffCgroups(previous, scanCgroupTree());
 * ```
 */
export function diffCgroups(
  previous: Iterable<DiscoveredCgroup>,
  next: Iterable<DiscoveredCgroup>,
): CgroupChanges {
  const key = (c: DiscoveredCgroup) => `${c.id}\u0000${c.path}`;
  const before = new Map<string, DiscoveredCgroup>();
  for (const c of previous) before.set(key(c), c);
  const added: DiscoveredCgroup[] = [];
  const seen = new Set<string>();
  for (const c of next) {
    const k = key(c);
    seen.add(k);
    if (!before.has(k)) added.push(c);
  }
  const removed = [...before.entries()].filter(([k]) => !seen.has(k)).map(([, c]) => c);
  return { added, removed };
}

/** Events {@link CgroupDiscovery} emits. */
export interface CgroupDiscoveryEvents {
  /** A workload cgroup appeared. */
  added: (cgroup: DiscoveredCgroup) => void;
  /** A workload cgroup vanished. */
  removed: (cgroup: DiscoveredCgroup) => void;
  /** A scan failed (the root is gone, permissions); polling goes on. */
  error: (error: VigilError) => void;
}

/**
 * Options for {@link CgroupDiscovery}.
 *
 * @example
 * ```ts
 * const options: CgroupDiscoveryOptions = { root: 'kubepods.slice', intervalMs: 500 };
 * ```
 */
export interface CgroupDiscoveryOptions extends CgroupScanOptions {
  /**
   * Milliseconds between scans. Default {@link DEFAULT_DISCOVERY_INTERVAL_MS}.
   * cgroupfs does not report directory creation through inotify on every
   * kernel, so discovery polls; a workload's first events are not lost
   * meanwhile when the sensor watches the root with its descendants.
   */
  readonly intervalMs?: number;
}

/**
 * Watches a cgroup v2 subtree for workloads appearing and vanishing: scans
 * it every `intervalMs` and emits `added` and `removed` with each workload
 * cgroup ({@link isWorkloadCgroup}). The first scan runs in {@link start};
 * {@link poll} runs one at once.
 *
 * @example
 * ```ts
 * import { CgroupDiscovery } from '@vigil/core';
 *
 * const discovery = new CgroupDiscovery({ root: 'kubepods.slice' });
 * discovery.on('added', (c) => console.log('+', c.workload.id));
 * discovery.on('removed', (c) => console.log('-', c.workload.id));
 * discovery.start();
 * // later
 * discovery.stop();
 * ```
 */
export class CgroupDiscovery extends EventEmitter<CgroupDiscoveryEvents> {
  readonly root: string;
  readonly mount: string;
  readonly intervalMs: number;
  readonly #options: CgroupScanOptions;
  #current = new Map<string, DiscoveredCgroup>();
  #timer: NodeJS.Timeout | undefined;
  #scans = 0;

  constructor(options: CgroupDiscoveryOptions = {}) {
    super();
    const { mount, root } = resolveRoot(options);
    this.root = root;
    this.mount = mount;
    this.intervalMs = options.intervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS;
    if (!Number.isFinite(this.intervalMs) || this.intervalMs < 10)
      throw new VigilError('USAGE', `the discovery interval must be at least 10 ms (got ${this.intervalMs})`);
    this.#options = { ...options, mount, root };
  }

  /** Scans now and emits what changed since the last scan. */
  poll(): CgroupChanges {
    this.#scans++;
    let next: DiscoveredCgroup[];
    try {
      statSync(this.root);
      next = scanCgroupTree(this.#options);
    } catch (cause) {
      const err = new VigilError(
        'CGROUP',
        `cannot scan cgroups under ${this.root}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
      this.emit('error', err);
      next = [];
    }
    const changes = diffCgroups(this.#current.values(), next);
    this.#current = new Map(next.map((c) => [c.path, c]));
    for (const c of changes.removed) this.emit('removed', c);
    for (const c of changes.added) this.emit('added', c);
    return changes;
  }

  /** Starts polling (the first scan runs now). Idempotent. */
  start(): this {
    if (this.#timer !== undefined) return this;
    this.poll();
    this.#timer = setInterval(() => this.poll(), this.intervalMs);
    this.#timer.unref();
    return this;
  }

  /** Stops polling. Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The workload cgroups of the last scan, by path. */
  current(): ReadonlyMap<string, DiscoveredCgroup> {
    return this.#current;
  }

  /** Scans so far. */
  get scans(): number {
    return this.#scans;
  }

  [Symbol.dispose](): void {
    this.stop();
  }
}
