import type { EventOf, VigilEvent } from '../../events/schema.js';

/** What the AI-BOM knows about one process while reading a capture. */
export interface ProcessRole {
  workloadId: string;
  comm: string;
  exe: string;
  ppid: number;
  /** The MCP server component this process (or an ancestor) runs. */
  mcpServerId?: string;
  /** True once the process loaded an agent framework or AI SDK. */
  agent?: boolean;
  /** Names of the agent frameworks and AI SDKs it loaded, first loaded first (a few; replaced, never mutated). */
  frameworks?: readonly string[];
}

/** What an exec changed: the process's new role, its parent's, and the MCP server it inherited. */
export interface ExecRole {
  readonly process: ProcessRole;
  readonly parent: ProcessRole | undefined;
  readonly inherited: string | undefined;
}

/**
 * The role of each process (agent, MCP server, neither) by pid, bounded
 * (oldest forgotten first). Children inherit the MCP server their parent
 * serves within the same workload.
 */
export class ProcessRoles {
  readonly #procs = new Map<number, ProcessRole>();
  readonly #max: number;

  constructor(maxProcesses: number) {
    this.#max = maxProcesses;
  }

  get(pid: number): ProcessRole | undefined {
    return this.#procs.get(pid);
  }

  /** The process behind an event, tracked from now on when new. */
  of(ev: VigilEvent): ProcessRole | undefined {
    if (ev.pid === 0) return undefined;
    let p = this.#procs.get(ev.pid);
    if (p && p.workloadId !== ev.workload.id && ev.source !== 'otel') p = undefined;
    if (!p) {
      if (this.#procs.size >= this.#max) {
        const oldest = this.#procs.keys().next().value;
        if (oldest !== undefined) this.#procs.delete(oldest);
      }
      const parent = this.#procs.get(ev.ppid);
      p = { workloadId: ev.workload.id, comm: ev.comm, exe: ev.exe, ppid: ev.ppid };
      if (parent?.mcpServerId && parent.workloadId === ev.workload.id) p.mcpServerId = parent.mcpServerId;
      this.#procs.set(ev.pid, p);
    }
    return p;
  }

  fork(ev: EventOf<'process.fork'>): void {
    const parent = this.of(ev);
    if (parent && ev.childPid > 0) this.#procs.set(ev.childPid, { ...parent, ppid: ev.pid });
  }

  /** A new program replaces the old one: the role comes from the new command line or the parent. */
  exec(ev: EventOf<'process.exec'>): ExecRole {
    const old = this.#procs.get(ev.pid);
    const parent = this.#procs.get(ev.ppid);
    const p: ProcessRole = { workloadId: ev.workload.id, comm: ev.comm, exe: ev.filename, ppid: ev.ppid };
    const inherited =
      old?.mcpServerId ?? (parent?.workloadId === ev.workload.id ? parent.mcpServerId : undefined);
    if (inherited) p.mcpServerId = inherited;
    this.#procs.set(ev.pid, p);
    return { process: p, parent, inherited };
  }

  /**
   * Who started an MCP server, through shells and launchers (sh -c, npm exec):
   * the nearest ancestor in the workload that is an agent, else the direct
   * parent; `undefined` when the parent already serves an MCP server.
   */
  spawnerOf(
    ev: EventOf<'process.exec'>,
    parent: ProcessRole | undefined,
  ): { pid: number; role: ProcessRole } | undefined {
    const direct = parent && parent.workloadId === ev.workload.id && !parent.mcpServerId ? parent : undefined;
    let spawner = direct;
    let spawnerPid = ev.ppid;
    let cur = direct;
    let curPid = ev.ppid;
    for (let hops = 0; cur && hops < 8; hops++) {
      if (cur.agent) {
        spawner = cur;
        spawnerPid = curPid;
        break;
      }
      const upPid = cur.ppid;
      const up = upPid > 0 && upPid !== curPid ? this.#procs.get(upPid) : undefined;
      if (!up || up.workloadId !== ev.workload.id || up.mcpServerId) break;
      cur = up;
      curPid = upPid;
    }
    return spawner ? { pid: spawnerPid, role: spawner } : undefined;
  }
}
