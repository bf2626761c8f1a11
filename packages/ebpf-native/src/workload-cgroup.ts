import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/core';
import { cgroup2Root, cgroupIdOf } from './internal/cgroup-resolver.js';

const live = new Set<WorkloadCgroup>();
let exitHookInstalled = false;

function removeAllSync(): void {
  for (const c of live) c.removeSync();
}

// SIGINT/SIGTERM: when nothing else handles the signal, remove the cgroups and
// then die of the same signal, as the process would have without this hook.
// When the host handles the signal itself, it owns the shutdown (and calls remove()).
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  removeAllSync();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.kill(process.pid, signal);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', removeAllSync);
  // First in line, so listeners the host added (even `once` ones) are still counted when the signal arrives.
  process.prependListener('SIGINT', onSignal);
  process.prependListener('SIGTERM', onSignal);
}

function singleSegment(name: string, what: string): void {
  if (name.length === 0 || name.includes('/') || name === '.' || name === '..')
    throw new VigilError('USAGE', `${what} '${name}' must be a single path segment`);
}

/**
 * Options for {@link WorkloadCgroup.create}.
 *
 * @example
 * ```ts
 * const cg = WorkloadCgroup.create({ name: 'agent-run-1' });
 * ```
 */
export interface WorkloadCgroupOptions {
  /** The cgroup v2 mount; default `/sys/fs/cgroup/unified` (hybrid) or `/sys/fs/cgroup`. */
  readonly root?: string;
  /** Directory name; default `vigil-<pid>-<random>`. */
  readonly name?: string;
  /**
   * A parent directory (one path segment) under the root to create the
   * cgroup in; created when absent and removed with the cgroup once nothing
   * else is in it. `vigil record` puts each run of a workload in
   * `vigil-NAME/run-…`, so runs of one workload can overlap.
   */
  readonly parent?: string;
}

/**
 * A fresh cgroup v2 for one workload: create it, start processes inside it
 * (they and their children stay in it), watch its id with a {@link Sensor},
 * and remove it (killing what is left) when done.
 *
 * @example
 * ```ts
 * import { WorkloadCgroup } from '@vigil/ebpf-native';
 *
 * await using cg = WorkloadCgroup.create();
 * const child = cg.spawn('curl', ['-s', 'http://127.0.0.1:8080/'], { stdio: 'inherit' });
 * ```
 */
export class WorkloadCgroup {
  /** Absolute directory of the cgroup. */
  readonly dir: string;
  /** Path relative to the cgroup v2 root, as `/proc/PID/cgroup` shows it. */
  readonly path: string;
  /** The cgroup v2 id (inode number) as a decimal string. */
  readonly id: string;
  #removed = false;
  #parentDir: string | undefined;

  private constructor(dir: string, path: string) {
    this.dir = dir;
    this.path = path;
    this.id = cgroupIdOf(dir);
  }

  /** Creates the cgroup directory; throws `CGROUP` with the reason when it cannot. */
  static create(options: WorkloadCgroupOptions = {}): WorkloadCgroup {
    const root = options.root ?? cgroup2Root();
    const name = options.name ?? `vigil-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    singleSegment(name, 'cgroup name');
    if (options.parent !== undefined) singleSegment(options.parent, 'cgroup parent');
    const parentDir = options.parent !== undefined ? join(root, options.parent) : undefined;
    const dir = join(parentDir ?? root, name);
    try {
      // Another run of the same parent may remove it between the two mkdirs: try again.
      for (let attempt = 0; ; attempt++) {
        if (parentDir !== undefined) mkdirSync(parentDir, { recursive: true });
        try {
          mkdirSync(dir);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parentDir === undefined || attempt >= 8)
            throw e;
        }
      }
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new VigilError(
        code === 'EACCES' || code === 'EPERM' ? 'PRIVILEGE_REQUIRED' : 'CGROUP',
        `cannot create cgroup ${dir}: ${(cause as Error).message}${code === 'EACCES' || code === 'EPERM' ? ' (creating cgroups needs root or a delegated cgroup subtree)' : ''}`,
        { cause },
      );
    }
    const cg = new WorkloadCgroup(
      dir,
      options.parent !== undefined ? `/${options.parent}/${name}` : `/${name}`,
    );
    cg.#parentDir = parentDir;
    live.add(cg);
    installExitHook();
    return cg;
  }

  /** Moves an existing process into this cgroup. */
  addProcess(pid: number): void {
    writeFileSync(join(this.dir, 'cgroup.procs'), `${pid}\n`);
  }

  /**
   * Spawns `command` inside this cgroup: a shell wrapper moves itself into the
   * cgroup and then execs the command, so the command's first instruction
   * already runs inside it.
   */
  spawn(command: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
    const procs = join(this.dir, 'cgroup.procs');
    return spawn(
      '/bin/sh',
      ['-c', 'echo $$ > "$1" && shift && exec "$@"', 'vigil', procs, command, ...args],
      options,
    );
  }

  /** Pids currently in the cgroup. */
  pids(): number[] {
    try {
      return readFileSync(join(this.dir, 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map(Number);
    } catch {
      return [];
    }
  }

  #killAll(): void {
    const killFile = join(this.dir, 'cgroup.kill');
    if (existsSync(killFile)) {
      try {
        writeFileSync(killFile, '1');
        return;
      } catch {
        // fall through to per-process kills
      }
    }
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Child cgroups the workload created, deepest first (they must go before their parent). */
  #children(): string[] {
    const out: string[] = [];
    const walk = (dir: string, depth: number) => {
      if (depth > 32) return;
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        walk(join(dir, e.name), depth + 1);
        out.push(join(dir, e.name));
      }
    };
    walk(this.dir, 0);
    return out;
  }

  #rmdirChildren(): void {
    for (const child of this.#children()) {
      try {
        rmdirSync(child);
      } catch {
        // retried by the caller's loop
      }
    }
  }

  /**
   * Kills what is left inside (child cgroups included), waits for it to be
   * empty, and removes the directory and any child cgroups. Idempotent.
   */
  async remove(timeoutMs = 5000): Promise<void> {
    if (this.#removed) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.pids().length > 0 || this.#children().length > 0) this.#killAll();
      this.#rmdirChildren();
      try {
        rmdirSync(this.dir);
        break;
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || Date.now() > deadline)
          throw new VigilError('CGROUP', `cannot remove cgroup ${this.dir}: ${(cause as Error).message}`, {
            cause,
          });
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    this.#removed = true;
    live.delete(this);
    this.#removeParent();
  }

  // The parent goes when this was its last run; another run still in it keeps it (EBUSY).
  #removeParent(): void {
    if (this.#parentDir === undefined) return;
    try {
      rmdirSync(this.#parentDir);
    } catch {
      // in use by another run, or already gone
    }
  }

  /** Synchronous best-effort removal, for exit hooks. */
  removeSync(): void {
    if (this.#removed) return;
    this.#killAll();
    for (let i = 0; i < 200; i++) {
      this.#rmdirChildren();
      try {
        rmdirSync(this.dir);
        break;
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'EBUSY') break;
        const until = Date.now() + 5;
        while (Date.now() < until) {
          // spin briefly: exit hooks cannot wait asynchronously
        }
      }
    }
    this.#removed = !existsSync(this.dir);
    if (this.#removed) {
      live.delete(this);
      this.#removeParent();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.remove();
  }
}
