import type { EventKind, VigilEvent } from '../events/schema.js';
import type { FindingTagsSchema, Severity } from '../findings/finding.js';
import {
  basename,
  isCredentialPath,
  isFilelessPath,
  isInterpreter,
  isLocalAddress,
  isShellExec,
  isWritableTempPath,
  PTRACE_WRITE_REQUESTS,
} from '../vocabulary/public.js';
import type { BaselineView } from './baseline.js';

/** What a {@link CriticalBehaviour} can consult. */
export interface CriticalContext {
  /** The workload's baseline as it stands (being learned, or the stable one being checked against). */
  readonly baseline: BaselineView | undefined;
  /** The executable a process of this workload runs, from the exec events seen so far. */
  exeOf(pid: number): string | undefined;
  /** Scratch state for this behaviour and workload, created with `init` on first use. */
  state<T>(init: () => T): T;
}

/** A critical behaviour matched: why, and any earlier events it depends on. */
export interface CriticalMatch {
  /** One sentence. */
  readonly reason: string;
  /** Earlier events that are part of it (e.g. the token read before an egress). */
  readonly related?: readonly VigilEvent[];
}

/**
 * Behaviour that must never be admitted into a baseline silently. While
 * learning it is quarantined for review; while checking it lifts a drift
 * finding's severity. The rules package plugs its critical rules in as
 * behaviours of this shape.
 *
 * @example
 * ```ts
 * import type { CriticalBehaviour } from '@vigil/core';
 *
 * const cryptoMiner: CriticalBehaviour = {
 *   id: 'acme.critical.miner-pool', title: 'Connection to a mining pool', severity: 'critical',
 *   kinds: ['net.connect'],
 *   check: (ev) => (ev.kind === 'net.connect' && ev.dport === 3333 ? { reason: `connected to ${ev.daddr}:3333` } : undefined),
 * };
 * new BaselineLearner({ critical: [...DEFAULT_CRITICAL_BEHAVIOURS, cryptoMiner] });
 * ```
 */
export interface CriticalBehaviour {
  /** Stable id, e.g. `vigil.critical.shell-from-interpreter`. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Event kinds it looks at (all when omitted). */
  readonly kinds?: readonly EventKind[];
  readonly tags?: Partial<Record<keyof typeof FindingTagsSchema.shape, string[]>>;
  check(event: VigilEvent, ctx: CriticalContext): CriticalMatch | undefined;
}

const shellFromInterpreter: CriticalBehaviour = {
  id: 'vigil.critical.shell-from-interpreter',
  title: 'Shell spawned by an agent or interpreter',
  severity: 'critical',
  kinds: ['process.exec'],
  tags: { attack: ['T1059.004'], owaspAgentic: ['ASI05'], owaspLlm: ['LLM06'], atlas: ['AML.T0050'] },
  check(ev, ctx) {
    if (ev.kind !== 'process.exec' || !isShellExec(ev.filename, ev.argv)) return undefined;
    const parent = ctx.exeOf(ev.ppid) ?? (ev.exe !== '' && ev.exe !== ev.filename ? ev.exe : undefined);
    if (parent === undefined || !isInterpreter(parent)) return undefined;
    return { reason: `${basename(parent)} (pid ${ev.ppid}) started the shell ${ev.filename}` };
  },
};

const execFromTemp: CriticalBehaviour = {
  id: 'vigil.critical.exec-from-temp',
  title: 'Program run from a writable temp location or from memory',
  severity: 'critical',
  kinds: ['process.exec'],
  tags: { attack: ['T1105', 'T1620'], owaspAgentic: ['ASI05'] },
  check(ev) {
    if (ev.kind !== 'process.exec') return undefined;
    if (ev.fileless === true || isFilelessPath(ev.filename))
      return { reason: `${ev.filename} was run from memory (memfd or deleted file)` };
    if (isWritableTempPath(ev.filename))
      return { reason: `${ev.filename} was run from a writable temp location` };
    return undefined;
  },
};

interface CredentialState {
  read: VigilEvent | undefined;
}

const credentialRead: CriticalBehaviour = {
  id: 'vigil.critical.credential-read',
  title: 'Credential file read',
  severity: 'critical',
  kinds: ['file.open'],
  tags: { attack: ['T1528', 'T1552.001'], owaspAgentic: ['ASI03'], owaspLlm: ['LLM02'] },
  check(ev, ctx) {
    if (ev.kind !== 'file.open' || ev.result < 0 || !isCredentialPath(ev.path)) return undefined;
    ctx.state<CredentialState>(() => ({ read: undefined })).read = ev;
    return { reason: `read the credential ${ev.path}` };
  },
};

/** How long after a credential read an egress to a new peer counts as using it (ns). */
export const TOKEN_EGRESS_WINDOW_NS = 10 * 60 * 1e9;

const tokenThenEgress: CriticalBehaviour = {
  id: 'vigil.critical.token-then-egress',
  title: 'Credential read followed by egress to a new peer',
  severity: 'critical',
  kinds: ['file.open', 'net.connect'],
  tags: { attack: ['T1528', 'T1041'], owaspAgentic: ['ASI03'], owaspLlm: ['LLM02'] },
  check(ev, ctx) {
    const st = ctx.state<CredentialState>(() => ({ read: undefined }));
    if (ev.kind === 'file.open') {
      if (ev.result >= 0 && isCredentialPath(ev.path)) st.read = ev;
      return undefined;
    }
    if (ev.kind !== 'net.connect' || st.read === undefined) return undefined;
    if (ev.ts - st.read.ts > TOKEN_EGRESS_WINDOW_NS || ev.ts < st.read.ts) return undefined;
    if (ev.family === 'unix' || isLocalAddress(ev.daddr)) return undefined;
    if (ctx.baseline?.covers(ev).covered === true) return undefined;
    const peer = `${ev.dnsName ?? ev.daddr}:${ev.dport}`;
    const path = st.read.kind === 'file.open' ? st.read.path : 'a credential';
    return {
      reason: `connected to the new peer ${peer} ${Math.round((ev.ts - st.read.ts) / 1e9)} s after reading ${path}`,
      related: [st.read],
    };
  },
};

const kernelModule: CriticalBehaviour = {
  id: 'vigil.critical.kernel-module-load',
  title: 'Kernel module loaded',
  severity: 'critical',
  kinds: ['module.load'],
  tags: { attack: ['T1547.006'] },
  check: (ev) =>
    ev.kind === 'module.load' && ev.result >= 0
      ? { reason: `loaded the kernel module ${ev.name}` }
      : undefined,
};

const ptraceAttach: CriticalBehaviour = {
  id: 'vigil.critical.ptrace-attach',
  title: 'Another process attached to or written with ptrace',
  severity: 'high',
  kinds: ['ptrace'],
  tags: { attack: ['T1055.008'] },
  check: (ev) =>
    ev.kind === 'ptrace' && PTRACE_WRITE_REQUESTS.has(ev.requestName)
      ? { reason: `${ev.requestName} on pid ${ev.targetPid}` }
      : undefined,
};

const namespaceEscape: CriticalBehaviour = {
  id: 'vigil.critical.namespace-change',
  title: 'Namespace entered or user namespace created',
  severity: 'high',
  kinds: ['ns.change'],
  tags: { attack: ['T1611'] },
  check(ev) {
    if (ev.kind !== 'ns.change' || ev.result < 0) return undefined;
    if (ev.syscall === 'setns')
      return { reason: `entered another namespace (${(ev.namespaces ?? []).join(', ') || 'setns'})` };
    if (ev.syscall === 'unshare' && (ev.namespaces ?? []).includes('CLONE_NEWUSER'))
      return { reason: 'created a user namespace' };
    return undefined;
  },
};

/**
 * The critical behaviours core ships: a shell started by an agent or
 * interpreter, a program run from `/tmp`, `/dev/shm` or memory, a credential
 * read (service-account token, cloud or SSH keys), a credential read followed
 * by egress to a new peer, a kernel module load, a ptrace attach and a
 * namespace escape.
 *
 * @example
 * ```ts
 * import { BaselineLearner, DEFAULT_CRITICAL_BEHAVIOURS } from '@vigil/core';
 *
 * const learner = new BaselineLearner({ critical: DEFAULT_CRITICAL_BEHAVIOURS });
 * ```
 */
export const DEFAULT_CRITICAL_BEHAVIOURS: readonly CriticalBehaviour[] = Object.freeze([
  shellFromInterpreter,
  execFromTemp,
  credentialRead,
  tokenThenEgress,
  kernelModule,
  ptraceAttach,
  namespaceEscape,
]);

/** One behaviour that matched an event. */
export interface CriticalHit {
  readonly behaviour: CriticalBehaviour;
  readonly match: CriticalMatch;
}

const MAX_PIDS = 4096;
const MAX_WORKLOADS = 10_000;

/**
 * Runs critical behaviours over a stream, keeping the per-workload state they
 * need (which executable each pid runs, scratch state per behaviour).
 *
 * @example
 * ```ts
 * const guard = new CriticalGuard(DEFAULT_CRITICAL_BEHAVIOURS);
 * for (const ev of events) for (const hit of guard.check(ev, baseline)) console.log(hit.behaviour.id, hit.match.reason);
 * ```
 */
export class CriticalGuard {
  readonly behaviours: readonly CriticalBehaviour[];
  readonly #byKind = new Map<string, CriticalBehaviour[]>();
  readonly #workloads = new Map<string, { pids: Map<number, string>; state: Map<string, unknown> }>();

  constructor(behaviours: readonly CriticalBehaviour[] = DEFAULT_CRITICAL_BEHAVIOURS) {
    this.behaviours = behaviours;
  }

  #forKind(kind: string): CriticalBehaviour[] {
    let list = this.#byKind.get(kind);
    if (!list) {
      list = this.behaviours.filter((b) => b.kinds === undefined || b.kinds.includes(kind as EventKind));
      this.#byKind.set(kind, list);
    }
    return list;
  }

  #workload(ev: VigilEvent): { pids: Map<number, string>; state: Map<string, unknown> } {
    let w = this.#workloads.get(ev.workload.id);
    if (!w) {
      if (this.#workloads.size >= MAX_WORKLOADS) {
        const oldest = this.#workloads.keys().next().value;
        if (oldest !== undefined) this.#workloads.delete(oldest);
      }
      w = { pids: new Map(), state: new Map() };
      this.#workloads.set(ev.workload.id, w);
    }
    return w;
  }

  /** Follows processes (which executable each pid runs) without running any behaviour. */
  track(ev: VigilEvent): void {
    this.#trackPids(ev, this.#workload(ev));
  }

  /** Every behaviour the event matches (empty when none). Never throws: a failing behaviour is skipped. */
  check(ev: VigilEvent, baseline: BaselineView | undefined): CriticalHit[] {
    const w = this.#workload(ev);
    const list = this.#forKind(ev.kind);
    let hits: CriticalHit[] | undefined;
    if (list.length > 0) {
      const ws = w;
      for (const b of list) {
        const ctx: CriticalContext = {
          baseline,
          exeOf: (pid) => ws.pids.get(pid),
          state: <T>(init: () => T): T => {
            let s = ws.state.get(b.id) as T | undefined;
            if (s === undefined) {
              s = init();
              ws.state.set(b.id, s);
            }
            return s;
          },
        };
        let match: CriticalMatch | undefined;
        try {
          match = b.check(ev, ctx);
        } catch {
          match = undefined;
        }
        if (match) {
          hits ??= [];
          hits.push({ behaviour: b, match });
        }
      }
    }
    this.#trackPids(ev, w);
    return hits ?? [];
  }

  #trackPids(ev: VigilEvent, w: { pids: Map<number, string> }): void {
    if (ev.kind === 'process.exec' && (ev.result === undefined || ev.result >= 0) && ev.pid !== 0) {
      w.pids.delete(ev.pid);
      w.pids.set(ev.pid, ev.filename);
      if (w.pids.size > MAX_PIDS) {
        const oldest = w.pids.keys().next().value;
        if (oldest !== undefined) w.pids.delete(oldest);
      }
    } else if (ev.kind === 'process.fork') {
      const parent = w.pids.get(ev.pid) ?? (ev.exe !== '' ? ev.exe : undefined);
      if (parent !== undefined) w.pids.set(ev.childPid, parent);
    } else if (ev.pid !== 0 && ev.exe !== '' && !w.pids.has(ev.pid)) {
      w.pids.set(ev.pid, ev.exe);
    }
  }
}
