import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type WorkloadRef, workloadFromCgroupPath } from '@vigil/core';

/** Where cgroup v2 is mounted on this machine: the hybrid layout's `unified`, else the root. */
export function cgroup2Root(): string {
  for (const p of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    try {
      statSync(join(p, 'cgroup.procs'));
      return p;
    } catch {
      // try the next
    }
  }
  return '/sys/fs/cgroup/unified';
}

/** The cgroup v2 id of a cgroup directory: its inode number. */
export function cgroupIdOf(dir: string): string {
  return statSync(dir, { bigint: true }).ino.toString();
}

/**
 * Maps cgroup v2 ids to workloads: walks the cgroup tree once, caches, and
 * rescans (at most once per `rescanMs`) when it meets an id it does not know,
 * such as a child cgroup created after the sensor started.
 */
export class CgroupResolver {
  readonly root: string;
  readonly #paths = new Map<string, string>();
  readonly #workloads = new Map<string, WorkloadRef>();
  readonly #rescanMs: number;
  #lastScan = 0;

  constructor(root = cgroup2Root(), rescanMs = 100) {
    this.root = root;
    this.#rescanMs = rescanMs;
  }

  /** Records a cgroup directory (absolute, under the root) so its id resolves without a scan. */
  add(dir: string): string {
    const id = cgroupIdOf(dir);
    const rel = dir.slice(this.root.length) || '/';
    this.#paths.set(id, rel.startsWith('/') ? rel : `/${rel}`);
    this.#workloads.delete(id);
    return id;
  }

  /** The cgroup path (relative to the cgroup v2 root) of an id, when known. */
  pathOf(id: string): string | undefined {
    let p = this.#paths.get(id);
    if (p === undefined && Date.now() - this.#lastScan >= this.#rescanMs) {
      this.scan();
      p = this.#paths.get(id);
    }
    return p;
  }

  workloadFor(id: string): WorkloadRef {
    const known = this.#workloads.get(id);
    if (known) return known;
    const path = this.pathOf(id);
    const w: WorkloadRef =
      path !== undefined
        ? workloadFromCgroupPath(path, id)
        : { id: `cgroup-id:${id}`, kind: 'cgroup', name: `cgroup ${id} (removed)`, cgroupId: id, labels: {} };
    if (path !== undefined) this.#workloads.set(id, w);
    return w;
  }

  /** Walks the whole tree (depth-limited) and refreshes the id → path map. */
  scan(maxDepth = 12): void {
    this.#lastScan = Date.now();
    const walk = (dir: string, rel: string, depth: number) => {
      let id: string;
      try {
        id = cgroupIdOf(dir);
      } catch {
        return;
      }
      this.#paths.set(id, rel);
      if (depth >= maxDepth) return;
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory())
          walk(join(dir, e.name), rel === '/' ? `/${e.name}` : `${rel}/${e.name}`, depth + 1);
      }
    };
    walk(this.root, '/', 0);
  }
}
