import type { VigilEvent } from '../events/schema.js';
import type { ProcessTree } from '../stream/enricher.js';
import { argumentPattern } from '../vocabulary/generalise.js';
import { basename, isOwnProcPath, isShellExec } from '../vocabulary/public.js';
import type { BaselineObservation } from './observation.js';

/**
 * The shell an event happened under: the outermost shell among the process
 * and its ancestors, and the program that started it. Baselines learn what
 * runs under a shell per starting program and its argument shape (the
 * `shells` domain), so an agent whose shell tool runs `ls` and `grep` is
 * learnable while a new program, file or peer under that shell stays drift.
 *
 * @example
 * ```ts
 * const sc = shellContextOf(ev, vigil.processes, 12);
 * if (sc) console.log(`${sc.shell} started by ${sc.parent} (${sc.parentArgs})`);
 * ```
 */
export interface ShellContext {
  /** The pid of the outermost shell. */
  readonly shellPid: number;
  /** The shell's executable. */
  readonly shell: string;
  /** The executable of the program that started the shell, when known. */
  readonly parent: string | undefined;
  /** The generalised argument pattern of that program (`agent.mjs --seed <num>`). */
  readonly parentArgs: string;
  /** The context as a `shells` pattern prefix: parent name, its argument pattern, `>` and the shell's name. */
  readonly segments: readonly string[];
}

const MAX_DEPTH = 32;

/**
 * Finds the shell an event happened under from the pipeline's process tree;
 * undefined when no ancestor (nor the process itself) is a shell, or the
 * tree does not know the process.
 *
 * @example
 * ```ts
 * shellContextOf(lsExec, tree, 12)?.segments; // ['node', '/work/agent.mjs <num>', '>sh']
 * ```
 */
export function shellContextOf(
  ev: VigilEvent,
  tree: ProcessTree | undefined,
  maxArgs: number,
): ShellContext | undefined {
  if (tree === undefined || ev.pid === 0) return undefined;
  let cur = tree.get(ev.pid);
  let shell: { pid: number; exe: string; ppid: number } | undefined;
  for (let i = 0; cur !== undefined && i < MAX_DEPTH; i++) {
    if (isShellExec(cur.exe, cur.argv)) shell = { pid: cur.pid, exe: cur.exe, ppid: cur.ppid };
    // A shell that exec'd its last command (`sh -c 'ls -la'`) is still the shell it ran under.
    else if (cur.previousExe !== undefined && isShellExec(cur.previousExe, cur.previousArgv ?? []))
      shell = { pid: cur.pid, exe: cur.previousExe, ppid: cur.ppid };
    const parent = cur.ppid > 0 && cur.ppid !== cur.pid ? tree.get(cur.ppid) : undefined;
    if (parent === undefined || parent.workloadId !== cur.workloadId) break;
    cur = parent;
  }
  if (shell === undefined) return undefined;
  const starter = shell.ppid > 0 ? tree.get(shell.ppid) : undefined;
  const parent = starter?.exe || undefined;
  const parentArgs = starter ? argumentPattern(starter.argv, maxArgs) : '';
  return {
    shellPid: shell.pid,
    shell: shell.exe,
    parent,
    parentArgs,
    segments: [parent ? basename(parent) : '?', parentArgs, `>${basename(shell.exe)}`],
  };
}

const UNDER_SHELL = new Set(['processes', 'files', 'peers', 'dns']);

/**
 * The `shells` observations of an event under a shell: the context itself
 * for the shell's own exec, otherwise each process, file, peer and DNS
 * observation of the event prefixed with the context. A process reading its
 * own `/proc` pseudo-files ({@link isOwnProcPath}) gives none: what a process
 * learns about itself is not what the shell's task did.
 *
 * @example
 * ```ts
 * shellObservations(sc, ev, observeEvent(ev, DEFAULT_GENERALISATION));
 * // [{ domain: 'shells', segments: ['node', 'agent.mjs', '>sh', '@processes', 'usr', 'bin', 'ls', '⟨args⟩', '-la'], … }]
 * ```
 */
export function shellObservations(
  ctx: ShellContext,
  ev: VigilEvent,
  inner: readonly BaselineObservation[],
): BaselineObservation[] {
  const under = `${basename(ctx.shell)} under ${ctx.parent ? basename(ctx.parent) : '?'}`;
  if (ev.kind === 'process.exec' && ev.pid === ctx.shellPid && isShellExec(ev.filename, ev.argv))
    return [{ domain: 'shells', segments: ctx.segments, concrete: under }];
  // A process under the shell reading its own /proc pseudo-files (a runtime reading /proc/self/maps at
  // start) learns about itself: that is not activity of the shell's task, and differs with each program.
  if (
    ev.kind === 'file.open' &&
    (ev.access === 'read' || ev.access === 'path') &&
    isOwnProcPath(ev.path, ev.pid, ev.tid)
  )
    return [];
  const out: BaselineObservation[] = [];
  for (const o of inner)
    if (UNDER_SHELL.has(o.domain))
      out.push({
        domain: 'shells',
        segments: [...ctx.segments, `@${o.domain}`, ...o.segments],
        concrete: `${under}: ${o.concrete}`,
      });
  return out;
}

/**
 * Remembers the shell context of the last process asked about; any exec or
 * fork in the stream forgets it (the tree changed). Events of one process
 * come in runs, so most lookups cost one comparison. Between
 * {@link ShellContextCache.beginBatch} and {@link ShellContextCache.endBatch}
 * (a pipeline batch, whose process tree the enrichers completed before any
 * consumer ran) it remembers every process asked about, so interleaved
 * processes are not walked up the tree again at each switch; an exec or fork
 * forgets them all, as it forgets the last one.
 */
export class ShellContextCache {
  #pid = -1;
  #ctx: ShellContext | undefined;
  /** The contexts of this batch's processes, by pid (null: no shell). */
  readonly #batch = new Map<number, ShellContext | null>();
  #inBatch = false;

  /** Forgets the remembered context (the tree changed without a lookup). */
  forget(): void {
    this.#pid = -1;
    this.#batch.clear();
  }

  /** Starts a batch: the tree will not change until {@link ShellContextCache.endBatch}. */
  beginBatch(): void {
    this.#batch.clear();
    this.#inBatch = true;
  }

  /** Ends the batch: the tree may change again. */
  endBatch(): void {
    this.#batch.clear();
    this.#inBatch = false;
  }

  of(ev: VigilEvent, tree: ProcessTree | undefined, maxArgs: number): ShellContext | undefined {
    if (ev.kind === 'process.exec' || ev.kind === 'process.fork') {
      this.forget();
      return shellContextOf(ev, tree, maxArgs);
    }
    if (ev.pid === this.#pid) return this.#ctx;
    let ctx: ShellContext | undefined;
    if (this.#inBatch) {
      const known = this.#batch.get(ev.pid);
      if (known === undefined) {
        ctx = shellContextOf(ev, tree, maxArgs);
        this.#batch.set(ev.pid, ctx ?? null);
      } else ctx = known ?? undefined;
    } else ctx = shellContextOf(ev, tree, maxArgs);
    this.#pid = ev.pid;
    this.#ctx = ctx;
    return ctx;
  }
}
