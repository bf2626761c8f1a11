import type { EventOf, VigilEvent } from '../events/schema.js';

/**
 * A step that adds context to events before consumers see them. Enrichers
 * change events in place (the pipeline owns them) and must not throw.
 *
 * @example
 * ```ts
 * const tagger: Enricher = { name: 'tag', enrich(batch) { for (const e of batch) e.workload.labels['team'] ??= 'ml'; } };
 * ```
 */
export interface Enricher {
  readonly name: string;
  /** Enriches a batch in place; an enricher that orders events may hold some back (removing them) and release them in a later batch. */
  enrich(batch: VigilEvent[]): void;
  /** When the source ends: the events still held, in order (enrichers that hold none omit it). */
  flush?(): VigilEvent[];
}

/** Options for {@link DnsEnricher}. */
export interface DnsEnricherOptions {
  /** Most address → name entries kept per workload (oldest evicted first). Default 4096. */
  readonly maxEntriesPerWorkload?: number;
  /** Most workloads tracked. Default 10,000. */
  readonly maxWorkloads?: number;
}

/**
 * Remembers which DNS name each address was resolved from (per workload, from
 * `dns.query` events with answers) and sets `dnsName` on later `net.connect`
 * events to those addresses. Memory is bounded.
 *
 * @example
 * ```ts
 * const vigil = new Vigil({ source, enrichers: [new DnsEnricher()] });
 * ```
 */
export class DnsEnricher implements Enricher {
  readonly name = 'dns';
  readonly #byWorkload = new Map<string, Map<string, string>>();
  readonly #maxEntries: number;
  readonly #maxWorkloads: number;
  #lastWorkload: object | undefined;
  #lastMap: Map<string, string> | undefined;

  constructor(options: DnsEnricherOptions = {}) {
    this.#maxEntries = options.maxEntriesPerWorkload ?? 4096;
    this.#maxWorkloads = options.maxWorkloads ?? 10_000;
  }

  enrich(batch: VigilEvent[]): void {
    for (const ev of batch) {
      if (ev.kind === 'dns.query') this.#learn(ev);
      else if (ev.kind === 'net.connect' && ev.dnsName === undefined) {
        const name = this.lookup(ev.workload.id, ev.daddr);
        if (name !== undefined) ev.dnsName = name;
      }
    }
  }

  /** The name `address` was last resolved from in `workloadId`, if known. */
  lookup(workloadId: string, address: string): string | undefined {
    return this.#byWorkload.get(workloadId)?.get(address);
  }

  #learn(ev: EventOf<'dns.query'>): void {
    if (!ev.answers || ev.answers.length === 0) return;
    // Events of one workload usually share its WorkloadRef object: skip the lookup on a run of them.
    let map = ev.workload === this.#lastWorkload ? this.#lastMap : this.#byWorkload.get(ev.workload.id);
    if (!map) {
      if (this.#byWorkload.size >= this.#maxWorkloads) {
        const oldest = this.#byWorkload.keys().next().value;
        if (oldest !== undefined) this.#byWorkload.delete(oldest);
        this.#lastWorkload = undefined;
      }
      map = new Map();
      this.#byWorkload.set(ev.workload.id, map);
    }
    this.#lastWorkload = ev.workload;
    this.#lastMap = map;
    const name = ev.name;
    for (const addr of ev.answers) {
      // An answer seen again for the same name moves to the young end only once the
      // table is half full: before that nothing is evicted, and re-inserting costs a
      // hole in the map for every repeated answer.
      if (map.get(addr) === name && map.size <= this.#maxEntries >>> 1) continue;
      map.delete(addr);
      map.set(addr, name);
      if (map.size > this.#maxEntries) {
        const oldest = map.keys().next().value;
        if (oldest !== undefined) map.delete(oldest);
      }
    }
  }
}

/** What the process tree knows of one process. */
export interface ProcessInfo {
  readonly pid: number;
  ppid: number;
  exe: string;
  comm: string;
  argv: readonly string[];
  workloadId: string;
  /** Nanoseconds since the epoch of the exec (or first sight). */
  startTs: number;
  exited: boolean;
  /**
   * The program this pid ran before its last exec, when the tree saw it: a
   * shell that execs its last command (`sh -c 'ls'`) leaves `sh` here.
   */
  previousExe?: string;
  previousArgv?: readonly string[];
}

/**
 * The one process tree the pipeline maintains and gives every consumer
 * (`ConsumerContext.processes`): the rule engine, drift and incidents read it
 * instead of keeping their own.
 *
 * @example
 * ```ts
 * const root = ctx.processes?.root(ev.pid) ?? ev.pid;
 * ```
 */
export interface ProcessTree {
  /** What is known of `pid`. */
  get(pid: number): ProcessInfo | undefined;
  /** The chain of known ancestors of `pid`, nearest first. */
  ancestors(pid: number, limit?: number): ProcessInfo[];
  /**
   * The topmost known ancestor of `pid` in the same workload (`pid` itself
   * when its parent is unknown or belongs to another workload): what groups a
   * tool's shell, its children and their pipes into one process tree.
   */
  root(pid: number): number;
}

/** Options for {@link ProcessTreeEnricher}. */
export interface ProcessTreeOptions {
  /** Most processes tracked (oldest evicted first). Default 65,536. */
  readonly maxProcesses?: number;
}

/**
 * Tracks the process tree from exec, fork and exit events; fills `exe` and
 * `ppid` on events that lack them, and answers ancestry questions for rules.
 *
 * @example
 * ```ts
 * const tree = new ProcessTreeEnricher();
 * const vigil = new Vigil({ source, enrichers: [tree] });
 * await vigil.run();
 * tree.ancestors(1234).map((p) => p.exe);
 * ```
 */
export class ProcessTreeEnricher implements Enricher, ProcessTree {
  readonly name = 'process-tree';
  readonly #procs = new Map<number, ProcessInfo>();
  readonly #max: number;
  /** The last pid looked up and what the map held for it. */
  #lastPid = -1;
  #lastInfo: ProcessInfo | undefined;

  constructor(options: ProcessTreeOptions = {}) {
    this.#max = options.maxProcesses ?? 65_536;
  }

  enrich(batch: VigilEvent[]): void {
    for (const ev of batch) {
      if (ev.pid === 0) continue;
      if (ev.kind === 'process.exec' && (ev.result === undefined || ev.result >= 0)) {
        const prev = this.#procs.get(ev.pid);
        const info: ProcessInfo = {
          pid: ev.pid,
          ppid: ev.ppid || prev?.ppid || 0,
          exe: ev.filename,
          comm: ev.comm,
          argv: ev.argv,
          workloadId: ev.workload.id,
          startTs: ev.ts,
          exited: false,
        };
        if (prev !== undefined && !prev.exited && prev.workloadId === ev.workload.id) {
          info.previousExe = prev.exe;
          info.previousArgv = prev.argv;
        }
        this.#put(info);
      } else if (ev.kind === 'process.fork') {
        const parent = this.#procs.get(ev.pid);
        this.#put({
          pid: ev.childPid,
          ppid: ev.pid,
          exe: parent?.exe ?? ev.exe,
          comm: parent?.comm ?? ev.comm,
          argv: parent?.argv ?? [],
          workloadId: ev.workload.id,
          startTs: ev.ts,
          exited: false,
        });
      } else {
        // Runs of events from one process are common: skip the map for them.
        const known = ev.pid === this.#lastPid ? this.#lastInfo : this.#procs.get(ev.pid);
        this.#lastPid = ev.pid;
        this.#lastInfo = known;
        if (known) {
          if (ev.exe === '') ev.exe = known.exe;
          if (ev.ppid === 0) ev.ppid = known.ppid;
          if (ev.kind === 'process.exit') known.exited = true;
        } else if (ev.ppid !== 0 || ev.exe !== '') {
          this.#put({
            pid: ev.pid,
            ppid: ev.ppid,
            exe: ev.exe,
            comm: ev.comm,
            argv: [],
            workloadId: ev.workload.id,
            startTs: ev.ts,
            exited: ev.kind === 'process.exit',
          });
        }
      }
    }
  }

  /** What is known of `pid`. */
  get(pid: number): ProcessInfo | undefined {
    return this.#procs.get(pid);
  }

  /** The chain of known ancestors of `pid`, nearest first (cycles and unknown parents end it). */
  ancestors(pid: number, limit = 64): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    const seen = new Set<number>([pid]);
    let cur = this.#procs.get(pid);
    while (cur && out.length < limit) {
      const parent = this.#procs.get(cur.ppid);
      if (!parent || seen.has(parent.pid)) break;
      seen.add(parent.pid);
      out.push(parent);
      cur = parent;
    }
    return out;
  }

  /** The topmost known ancestor of `pid` within its workload (see {@link ProcessTree.root}). */
  root(pid: number, limit = 64): number {
    let cur = this.#procs.get(pid);
    if (cur === undefined) return pid;
    const wid = cur.workloadId;
    let root = pid;
    for (let i = 0; i < limit; i++) {
      const parent = this.#procs.get(cur.ppid);
      if (parent === undefined || parent.workloadId !== wid || parent.pid === root) break;
      root = parent.pid;
      cur = parent;
    }
    return root;
  }

  /** Processes tracked now. */
  get size(): number {
    return this.#procs.size;
  }

  #put(info: ProcessInfo): void {
    this.#procs.delete(info.pid);
    this.#procs.set(info.pid, info);
    if (info.pid === this.#lastPid) this.#lastInfo = info;
    if (this.#procs.size > this.#max) {
      const oldest = this.#procs.keys().next().value;
      if (oldest !== undefined) this.#procs.delete(oldest);
      if (oldest === this.#lastPid) this.#lastPid = -1;
    }
  }
}
