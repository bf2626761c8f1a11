import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
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
  process.removeListener('SIGHUP', onSignal);
  process.kill(process.pid, signal);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', removeAllSync);
  // First in line, so listeners the host added (even `once` ones) are still counted when the signal arrives.
  process.prependListener('SIGINT', onSignal);
  process.prependListener('SIGTERM', onSignal);
  process.prependListener('SIGHUP', onSignal);
}

/** The name the watchdog runs under; how {@link findWatchdog} recognises one. */
const WATCHDOG_NAME = 'vigil-cgroup-watchdog';

// The watchdog: a shell in its own session (so terminal signals and the recorder's process
// group do not reach it) that blocks reading a pipe from its owner. A clean owner writes
// "release" after removing the cgroup. Any other end of the pipe (the owner died, even of
// SIGKILL, since the kernel closes its descriptors) means the workload would be orphaned:
// the watchdog kills everything in the cgroup and removes it. The inode check keeps it from
// touching a later cgroup created under the same name.
const WATCHDOG_SCRIPT = `trap '' INT HUP TERM QUIT PIPE
IFS= read -r line
[ "$line" = release ] && exit 0
i=0
while [ -d "$1" ] && [ "$(stat -c %i "$1" 2>/dev/null)" = "$2" ] && [ $i -lt 400 ]; do
  if [ -e "$1/cgroup.kill" ]; then echo 1 > "$1/cgroup.kill" 2>/dev/null
  else find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null; fi
  find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
  i=$((i + 1))
  sleep 0.05
done
# A run's parent (vigil-NAME) goes too when this was its last run; rmdir refuses anything else.
case "$(basename "$(dirname "$1")")" in vigil-*) rmdir "$(dirname "$1")" 2>/dev/null ;; esac
exit 0`;

/** Pid of a live watchdog guarding `dir`, found by its command line. */
function findWatchdog(dir: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = argv.indexOf(WATCHDOG_NAME);
    if (at >= 0 && argv[at + 1] === dir) return Number(e);
  }
  return undefined;
}

/** Child cgroup directories of `dir`, deepest first (they must go before their parent). */
function childCgroups(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 32) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      walk(join(d, e.name), depth + 1);
      out.push(join(d, e.name));
    }
  };
  walk(dir, 0);
  return out;
}

/** Pids in `dir` and every cgroup below it. */
function pidsBelow(dir: string): number[] {
  const pids: number[] = [];
  for (const d of [...childCgroups(dir), dir]) {
    try {
      for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n'))
        if (l.length > 0) pids.push(Number(l));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * A process of a workload, as {@link WorkloadCgroup.processes} lists it.
 *
 * @example
 * ```ts
 * for (const p of cg.processes()) console.log(p.pid, p.comm);
 * ```
 */
export interface WorkloadProcess {
  readonly pid: number;
  /** The kernel's short command name (`/proc/PID/comm`), or `?` when it exited meanwhile. */
  readonly comm: string;
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
  /**
   * Start a watchdog: a small detached process that kills everything in the cgroup and
   * removes it when this process dies without removing it (SIGKILL, a crash), so a
   * workload is never left running unobserved. Default true.
   */
  readonly watchdog?: boolean;
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
  /**
   * True when a cgroup of this name was left by an earlier owner that died (nothing ran in
   * it and no watchdog guarded it) and was removed to create this one.
   */
  readonly reclaimed: boolean;
  /** Pid of the watchdog process, when one was started. */
  readonly watchdogPid: number | undefined;
  #removed = false;
  #parentDir: string | undefined;
  #watchdog: ChildProcess | undefined;

  private constructor(dir: string, path: string, reclaimed: boolean, watchdog: boolean) {
    this.dir = dir;
    this.path = path;
    this.id = cgroupIdOf(dir);
    this.reclaimed = reclaimed;
    if (watchdog) {
      const w = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, WATCHDOG_NAME, dir, this.id], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      w.on('error', () => undefined);
      w.stdin?.on('error', () => undefined);
      w.unref();
      (w.stdin as Socket | null)?.unref();
      this.#watchdog = w;
    }
    this.watchdogPid = this.#watchdog?.pid;
  }

  /** Creates the cgroup directory; throws `CGROUP` with the reason when it cannot. */
  static create(options: WorkloadCgroupOptions = {}): WorkloadCgroup {
    const root = options.root ?? cgroup2Root();
    const name = options.name ?? `vigil-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    singleSegment(name, 'cgroup name');
    if (options.parent !== undefined) singleSegment(options.parent, 'cgroup parent');
    const parentDir = options.parent !== undefined ? join(root, options.parent) : undefined;
    const dir = join(parentDir ?? root, name);
    let reclaimed = false;
    try {
      // Another run of the same parent may remove it between the two mkdirs: try again.
      for (let attempt = 0; ; attempt++) {
        if (parentDir !== undefined) mkdirSync(parentDir, { recursive: true });
        try {
          mkdirSync(dir);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EEXIST' && !reclaimed) {
            // A leftover of an owner that died: removed when nothing guards it or runs in it.
            WorkloadCgroup.#reclaim(dir);
            reclaimed = true;
            continue;
          }
          if (code !== 'ENOENT' || parentDir === undefined || attempt >= 8) throw e;
        }
      }
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
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
      reclaimed,
      options.watchdog ?? true,
    );
    cg.#parentDir = parentDir;
    live.add(cg);
    installExitHook();
    return cg;
  }

  /**
   * A cgroup of the wanted name already exists. When nothing guards it and nothing runs
   * in it, it is a leftover of an owner that died: remove it. Otherwise say what to do.
   */
  static #reclaim(dir: string): void {
    const owner = findWatchdog(dir);
    if (owner !== undefined) {
      throw new VigilError(
        'CGROUP',
        `cgroup ${dir} is in use by another running recorder (its watchdog is pid ${owner}); choose another name or wait for that recording to end`,
      );
    }
    const pids = pidsBelow(dir);
    if (pids.length > 0) {
      const shown = pids.slice(0, 10).join(', ') + (pids.length > 10 ? ', …' : '');
      throw new VigilError(
        'CGROUP',
        `cgroup ${dir} already exists with ${pids.length} process(es) still running in it (pid ${shown}), left by a recorder that did not finish; look at them with 'ps -o pid,args -p ${pids.slice(0, 10).join(',')}', then end them and remove the cgroup with: echo 1 > ${join(dir, 'cgroup.kill')} && rmdir ${dir}`,
      );
    }
    for (const d of [...childCgroups(dir), dir]) {
      try {
        rmdirSync(d);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new VigilError(
          'CGROUP',
          `cgroup ${dir} already exists and its leftover ${d} cannot be removed: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
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

  /**
   * Every process in the cgroup and the cgroups below it, with its command name: what is
   * still running of the workload.
   */
  processes(): WorkloadProcess[] {
    return pidsBelow(this.dir).map((pid) => {
      let comm = '?';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        // exited meanwhile
      }
      return { pid, comm };
    });
  }

  /** Whether any process runs in the cgroup or below it (the kernel's `populated` flag). */
  populated(): boolean {
    try {
      return /^populated 1$/m.test(readFileSync(join(this.dir, 'cgroup.events'), 'utf8'));
    } catch {
      return pidsBelow(this.dir).length > 0;
    }
  }

  /**
   * Sends `signal` to every process in the cgroup and below it; SIGKILL (the default)
   * goes through `cgroup.kill`, which no process can escape by forking.
   */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (signal === 'SIGKILL') {
      this.#killAll();
      return;
    }
    for (const pid of pidsBelow(this.dir)) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
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
    return childCgroups(this.dir);
  }

  /** Tells the watchdog the cgroup is gone and it can exit. */
  #release(): void {
    const w = this.#watchdog;
    this.#watchdog = undefined;
    if (w?.stdin && !w.stdin.destroyed) w.stdin.end('release\n');
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
    this.#release();
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
      this.#release();
      this.#removeParent();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.remove();
  }
}
