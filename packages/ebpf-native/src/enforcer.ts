import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  type Consumer,
  type EnforcementPolicy,
  type EventOf,
  parseCidr,
  VigilError,
  type WorkloadRef,
  workloadFromCgroupPath,
} from '@vigil/core';
import { ENFORCE_RECORD_KIND, LAYOUT } from './decode/layout.js';
import { loadBinding, type NativeEnforcer, type NativeEnforcerCounters } from './internal/binding.js';
import { cgroup2Root, cgroupIdOf } from './internal/cgroup-resolver.js';
import { bpfLsmActive } from './internal/lsm.js';
import { assertCapturePrerequisites } from './preflight.js';

/** How a policy is applied: `monitor` reports what it would block; `enforce` blocks it. */
export type EnforcementMode = 'monitor' | 'enforce';

/** A decision the kernel reported: the `policy.violation` event. */
export type PolicyViolationEvent = EventOf<'policy.violation'>;

const MODE = { monitor: 1, enforce: 2 } as const;
const FLAG = { egress: 1, exec: 2, loopback: 4 } as const;
const OPS = { 1: 'connect', 2: 'connect', 3: 'sendmsg', 4: 'sendmsg', 5: 'exec' } as const;
const ACTIONS = { 1: 'would-block', 2: 'blocked', 3: 'killed' } as const;

/**
 * Options for {@link Enforcer.open}.
 *
 * @example
 * ```ts
 * const enforcer = await Enforcer.open({ signal: AbortSignal.timeout(60_000) });
 * ```
 */
export interface EnforcerOptions {
  /** Closes the enforcer (and releases every program) when aborted. */
  readonly signal?: AbortSignal;
  /** Ring buffer of decisions, bytes (a power of two). Default 1 MiB. */
  readonly ringBufferBytes?: number;
  /**
   * How execs outside the allowlist are stopped: `lsm` refuses them at
   * `lsm/bprm_check_security` (execve fails with EPERM; needs a kernel that runs
   * the bpf LSM), `signal` kills the new program at `tp_btf/sched_process_exec`
   * (SIGKILL before it runs an instruction of its own), `auto` (default) uses
   * `lsm` where the bpf LSM is active and loads, `signal` otherwise.
   */
  readonly exec?: 'auto' | 'lsm' | 'signal';
}

/**
 * How an {@link Enforcer} stops execs outside the allowlist, and why that way.
 *
 * @example
 * ```ts
 * const { hook, action, reason } = enforcer.execEnforcement;
 * console.log(`${action} at ${hook}${reason ? ` (${reason})` : ''}`);
 * ```
 */
export interface ExecEnforcement {
  readonly hook: 'lsm/bprm_check_security' | 'tp_btf/sched_process_exec';
  /** `refuse`: execve fails with EPERM; `kill`: the new program gets SIGKILL before it runs. */
  readonly action: 'refuse' | 'kill';
  /** Why BPF-LSM is not used, when it is not. */
  readonly reason?: string;
}

/**
 * What applying a policy put into the kernel.
 *
 * @example
 * ```ts
 * const applied: AppliedPolicy = await enforcer.apply(cg.dir, policy, 'monitor');
 * console.log(applied.egressEntries, applied.execEntries, applied.unresolved);
 * ```
 */
export interface AppliedPolicy {
  readonly cgroup: string;
  readonly policy: string;
  readonly mode: EnforcementMode;
  /** Address entries written (rules × resolved addresses). */
  readonly egressEntries: number;
  /** Executable entries written (files, interpreters of scripts). */
  readonly execEntries: number;
  /** Rules that matched nothing on this host (a name that does not resolve, a program that is not installed), with the reason. */
  readonly unresolved: readonly string[];
}

interface Target {
  readonly dir: string;
  readonly id: bigint;
  readonly workload: WorkloadRef;
  policy: EnforcementPolicy;
  slot: number;
  mode: EnforcementMode;
  /** host rule → its rule number, for addresses learned from DNS answers later */
  hosts: Map<string, { port: number | null; rule: number; pattern: RegExp }>;
  /** name → addresses learned from DNS answers, replayed when the policy is applied again */
  learned: Map<string, Set<string>>;
}

/** The kernel's dev_t ((major << 20) | minor) of a user-space st_dev (glibc's encoding). */
function kernelDev(stDev: bigint): bigint {
  const major = ((stDev >> 8n) & 0xfffn) | ((stDev >> 32n) & ~0xfffn);
  const minor = (stDev & 0xffn) | ((stDev >> 12n) & ~0xffn);
  return (major << 20n) | minor;
}

function hostPattern(host: string): RegExp {
  const esc = host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc.replace(/^\*\\\./, '(?:[a-z0-9_-]+\\.)+')}$`);
}

async function interpreterOf(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fh.read(buf, 0, 256, 0);
    if (bytesRead < 3 || buf[0] !== 0x23 || buf[1] !== 0x21) return undefined;
    const line = buf.subarray(2, bytesRead).toString('latin1').split('\n')[0]!.trim();
    const interp = line.split(/\s+/)[0];
    return interp?.startsWith('/') ? interp : undefined;
  } finally {
    await fh.close();
  }
}

/**
 * Observe-to-enforce in the kernel: an egress allowlist on the workload's
 * cgroup (`cgroup/connect4`, `connect6`, `sendmsg4`, `sendmsg6`: refused with
 * EPERM) and an exec allowlist (`tp_btf/sched_process_exec`: SIGKILL through
 * `bpf_send_signal` before the new program runs a single instruction of its
 * own). Per workload, `monitor` reports what would be blocked and `enforce`
 * blocks it; modes and policies change through maps, without detaching. Every
 * decision outside the allowlist is a `policy.violation` event.
 *
 * The programs are BPF links owned by this process: they go away with
 * {@link Enforcer.close} or when the process dies, however it dies.
 *
 * @example
 * ```ts
 * import { synthesizePolicy } from '@vigil/core';
 * import { Enforcer, WorkloadCgroup } from '@vigil/ebpf-native';
 *
 * const cg = WorkloadCgroup.create({ name: 'agent' });
 * const enforcer = await Enforcer.open();
 * enforcer.on('violation', (v) => console.log(v.action, v.operation, v.daddr ?? v.path));
 * await enforcer.apply(cg.dir, synthesizePolicy(baseline), 'enforce');
 * cg.spawn('node', ['agent.js'], { stdio: 'inherit' }).once('exit', () => void enforcer.close());
 * ```
 */
export class Enforcer {
  readonly #native: NativeEnforcer;
  readonly #events = new EventEmitter();
  readonly #targets = new Map<string, Target>();
  readonly #bySlot = new Map<number, Target>();
  #nextSlot = 1;
  #closed = false;
  #unattributed = 0;
  readonly #wallOffset = Date.now() * 1e6 - Number(process.hrtime.bigint());
  readonly #onAbort = () => void this.close();
  readonly #signal: AbortSignal | undefined;
  /** How execs outside the allowlist are stopped on this kernel. */
  readonly execEnforcement: ExecEnforcement;

  private constructor(native: NativeEnforcer, signal: AbortSignal | undefined, exec: ExecEnforcement) {
    this.#native = native;
    this.#signal = signal;
    this.execEnforcement = exec;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Loads the enforcement programs; throws `PRIVILEGE_REQUIRED`, `BPF_LOAD_FAILED` or
   * `NATIVE_ADDON_MISSING` with the reason. With `exec: 'auto'` a kernel without a
   * working bpf LSM falls back to SIGKILL at exec, and {@link Enforcer.execEnforcement} says why.
   */
  static async open(options: EnforcerOptions = {}): Promise<Enforcer> {
    if (options.signal?.aborted) throw new VigilError('ABORTED', 'aborted before the enforcer was opened');
    assertCapturePrerequisites();
    const binding = loadBinding();
    const mode = options.exec ?? 'auto';
    const load = async (lsmExec: boolean): Promise<NativeEnforcer> => {
      const native = new binding.NativeEnforcer({
        ...(options.ringBufferBytes === undefined ? {} : { ringBufferBytes: options.ringBufferBytes }),
        lsmExec,
      });
      try {
        await native.load();
        return native;
      } catch (cause) {
        native.close();
        const msg = (cause as Error).message;
        throw new VigilError(msg.startsWith('BPF_ATTACH') ? 'BPF_ATTACH_FAILED' : 'BPF_LOAD_FAILED', msg, {
          cause,
        });
      }
    };
    const signalExec = (reason: string): ExecEnforcement => ({
      hook: 'tp_btf/sched_process_exec',
      action: 'kill',
      reason,
    });
    let native: NativeEnforcer | undefined;
    let exec: ExecEnforcement;
    if (mode === 'signal') {
      exec = signalExec('SIGKILL at exec was asked for');
    } else {
      const lsm = bpfLsmActive();
      if (!lsm.active) {
        // An LSM program loads on such a kernel but is never called: it would enforce nothing.
        if (mode === 'lsm')
          throw new VigilError('BPF_LOAD_FAILED', `exec refusal needs the bpf LSM: ${lsm.reason ?? ''}`);
        exec = signalExec(lsm.reason ?? 'the bpf LSM is not active');
      } else {
        try {
          native = await load(true);
          exec = { hook: 'lsm/bprm_check_security', action: 'refuse' };
        } catch (e) {
          if (mode === 'lsm') throw e;
          exec = signalExec(`lsm/bprm_check_security did not load: ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
    native ??= await load(false);
    const e = new Enforcer(native, options.signal, exec);
    const n = native;
    n.start((buf, count) => e.#onBatch(buf, count));
    return e;
  }

  /** Listens for decisions (`violation`) and for errors that do not stop enforcement (`error`). */
  on(event: 'violation', listener: (v: PolicyViolationEvent) => void): this;
  on(event: 'error', listener: (e: VigilError) => void): this;
  on(event: 'violation' | 'error', listener: (arg: never) => void): this {
    this.#events.on(event, listener as (...a: unknown[]) => void);
    return this;
  }

  /** Removes a listener added with {@link Enforcer.on}. */
  off(event: 'violation' | 'error', listener: (arg: never) => void): this {
    this.#events.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  /**
   * Applies (or replaces) the policy of a cgroup and its subtree: resolves DNS
   * names and program paths on this host, fills the allowlists under a new
   * slot, switches the cgroup to it in one map update, then frees the old slot,
   * so no connect or exec ever sees a half-written policy.
   */
  async apply(
    cgroup: string,
    policy: EnforcementPolicy,
    mode: EnforcementMode,
    options: { readonly workload?: WorkloadRef } = {},
  ): Promise<AppliedPolicy> {
    this.#assertOpen();
    const root = cgroup2Root();
    const dir = isAbsolute(cgroup) ? cgroup : join(root, cgroup);
    let id: bigint;
    try {
      id = BigInt(cgroupIdOf(dir));
    } catch (cause) {
      throw new VigilError('CGROUP', `cannot enforce on ${dir}: ${(cause as Error).message}`, { cause });
    }
    const slot = this.#nextSlot++;
    const unresolved: string[] = [];
    const hosts = new Map<string, { port: number | null; rule: number; pattern: RegExp }>();
    let egressEntries = 0;
    let execEntries = 0;
    try {
      for (const [i, rule] of policy.egress.rules.entries()) {
        const ruleNo = i + 1;
        const port = rule.port ?? 0;
        if (rule.cidr !== undefined) {
          const c = parseCidr(rule.cidr);
          this.#native.allowEgress(slot, c.family, Buffer.from(c.bytes), c.bits, port, ruleNo);
          egressEntries++;
          continue;
        }
        const host = rule.host!;
        hosts.set(host, { port: rule.port, rule: ruleNo, pattern: hostPattern(host) });
        if (host.startsWith('*.')) {
          unresolved.push(
            `${rule.id} ${host}: a wildcard name; its addresses are allowed as the workload's DNS answers show them`,
          );
          continue;
        }
        const addrs = await lookup(host, { all: true, verbatim: true }).catch(() => []);
        if (addrs.length === 0) unresolved.push(`${rule.id} ${host}: does not resolve on this host`);
        for (const a of addrs) {
          const c = parseCidr(`${a.address}/${a.family === 4 ? 32 : 128}`);
          this.#native.allowEgress(slot, c.family, Buffer.from(c.bytes), c.bits, port, ruleNo);
          egressEntries++;
        }
      }
      for (const [i, rule] of policy.exec.rules.entries()) {
        const files = new Set<string>();
        const real = await realpath(rule.path).catch(() => undefined);
        if (!real) {
          unresolved.push(`${rule.id} ${rule.path}: not on this host`);
          continue;
        }
        files.add(real);
        // A script runs as its interpreter: the kernel sees the interpreter's file at exec.
        const interp = await interpreterOf(real);
        if (interp) {
          const ri = await realpath(interp).catch(() => undefined);
          if (ri) files.add(ri);
        }
        for (const f of files) {
          const st = await stat(f, { bigint: true });
          this.#native.allowExec(slot, kernelDev(st.dev), st.ino, i + 1);
          execEntries++;
        }
      }
    } catch (cause) {
      this.#native.clearPolicy(slot);
      throw cause instanceof VigilError
        ? cause
        : new VigilError(
            'BPF_LOAD_FAILED',
            `cannot apply policy ${policy.id}@${policy.version}: ${(cause as Error).message}`,
            {
              cause,
            },
          );
    }
    this.#native.attachCgroup(dir);
    const old = this.#targets.get(dir);
    this.#native.setTarget(id, slot, MODE[mode], this.#flags(policy));
    const workload =
      options.workload ??
      old?.workload ??
      workloadFromCgroupPath(dir.slice(root.length) || '/', id.toString());
    const target: Target = { dir, id, workload, policy, slot, mode, hosts, learned: new Map() };
    this.#targets.set(dir, target);
    this.#bySlot.set(slot, target);
    // Addresses the workload's DNS answers showed stay allowed across a re-apply (a tightened or updated policy).
    if (old) for (const [name, addrs] of old.learned) this.learnDnsAnswer(dir, name, [...addrs]);
    if (old) {
      this.#native.clearPolicy(old.slot);
      // Decisions of the old slot still in the ring buffer keep their target.
      setTimeout(() => this.#bySlot.delete(old.slot), 1000).unref();
    }
    return {
      cgroup: dir,
      policy: `${policy.id}@${policy.version}`,
      mode,
      egressEntries,
      execEntries,
      unresolved,
    };
  }

  /** Switches a cgroup between `monitor` and `enforce` without touching its allowlists. */
  setMode(cgroup: string, mode: EnforcementMode): void {
    const t = this.#target(cgroup);
    this.#native.setTarget(t.id, t.slot, MODE[mode], this.#flags(t.policy));
    t.mode = mode;
  }

  /** The mode a cgroup is in, or undefined when it has no policy. */
  modeOf(cgroup: string): EnforcementMode | undefined {
    return this.#targets.get(this.#dir(cgroup))?.mode;
  }

  /**
   * Allows the addresses a DNS answer gave for a name the cgroup's policy
   * allows (names resolve differently over time and per resolver). Returns
   * how many entries were added. Feed it the `dns.query` events of a sensor
   * watching the same workload to keep names current.
   */
  learnDnsAnswer(cgroup: string, name: string, addresses: readonly string[]): number {
    const t = this.#targets.get(this.#dir(cgroup));
    if (!t) return 0;
    const n = name.toLowerCase().replace(/\.$/, '');
    let added = 0;
    for (const h of t.hosts.values()) {
      if (!h.pattern.test(n)) continue;
      for (const a of addresses) {
        let c: ReturnType<typeof parseCidr>;
        try {
          c = parseCidr(`${a}/${a.includes(':') ? 128 : 32}`);
        } catch {
          continue;
        }
        this.#native.allowEgress(t.slot, c.family, Buffer.from(c.bytes), c.bits, h.port ?? 0, h.rule);
        const known = t.learned.get(n) ?? new Set<string>();
        known.add(a);
        t.learned.set(n, known);
        added++;
      }
    }
    return added;
  }

  /**
   * A pipeline consumer that keeps a cgroup's DNS names current: every
   * `dns.query` event with answers (a sensor on the same cgroup, `dnsPorts`
   * covering the resolver's port) goes to {@link Enforcer.learnDnsAnswer}.
   * `onLearned` hears each answer that allowed something. An answer reaches the
   * map a few milliseconds after the workload read it (ring buffer, poll
   * thread): a connect issued within that time is decided without it.
   *
   * @example
   * ```ts
   * import { Vigil } from '@vigil/core';
   *
   * const vigil = new Vigil({ source: sensor, consumers: [enforcer.dnsFeed(cg.dir)] });
   * void vigil.run();
   * ```
   */
  dnsFeed(
    cgroup: string,
    onLearned?: (name: string, addresses: readonly string[], entries: number) => void,
  ): Consumer {
    return {
      name: 'enforcer-dns',
      onBatch: (batch) => {
        if (this.#closed) return;
        for (const ev of batch) {
          if (ev.kind !== 'dns.query' || !ev.answers || ev.answers.length === 0) continue;
          const n = this.learnDnsAnswer(cgroup, ev.name, ev.answers);
          if (n > 0) onLearned?.(ev.name, ev.answers, n);
        }
      },
    };
  }

  /** Removes a cgroup's policy and detaches its programs. */
  release(cgroup: string): void {
    const dir = this.#dir(cgroup);
    const t = this.#targets.get(dir);
    if (!t) return;
    this.#native.removeTarget(t.id);
    this.#native.detachCgroup(dir);
    this.#native.clearPolicy(t.slot);
    this.#targets.delete(dir);
  }

  /**
   * What the kernel counted (checks, allows, would-blocks, blocks, kills, lost records), and
   * `unattributed`: decisions that could not be reported as events (an unknown policy slot).
   */
  counters(): NativeEnforcerCounters & { readonly unattributed: number } {
    return { ...this.#native.counters(), unattributed: this.#unattributed };
  }

  /** Ids of the loaded BPF programs (for `bpftool prog show id …`). */
  programIds(): number[] {
    return this.#native.programIds();
  }

  /** Detaches and unloads everything. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#native.close();
    this.#targets.clear();
  }

  /** `await using enforcer = await Enforcer.open()` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #flags(policy: EnforcementPolicy): number {
    return (
      (policy.egress.enforce ? FLAG.egress : 0) |
      (policy.exec.enforce ? FLAG.exec : 0) |
      (policy.egress.allowLoopback ? FLAG.loopback : 0)
    );
  }

  #dir(cgroup: string): string {
    return isAbsolute(cgroup) ? cgroup : join(cgroup2Root(), cgroup);
  }

  #target(cgroup: string): Target {
    this.#assertOpen();
    const t = this.#targets.get(this.#dir(cgroup));
    if (!t) throw new VigilError('USAGE', `no policy is applied to ${cgroup}`);
    return t;
  }

  #assertOpen(): void {
    if (this.#closed) throw new VigilError('SOURCE_CLOSED', 'the enforcer is closed');
  }

  // Counted always; an 'error' event too when someone listens (an unheard 'error' would throw here).
  #unreported(message: string): void {
    this.#unattributed++;
    if (this.#events.listenerCount('error') > 0)
      this.#events.emit('error', new VigilError('INTERNAL', message));
  }

  #onBatch(buf: Buffer, _records: number): void {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = 0;
    const L = LAYOUT.enforce.fields;
    while (off + LAYOUT.enforce.size <= buf.length) {
      const kind = view.getUint16(off + LAYOUT.hdr.fields.kind, true);
      const size = view.getUint16(off + LAYOUT.hdr.fields.size, true);
      if (kind !== ENFORCE_RECORD_KIND || size < LAYOUT.enforce.size || off + size > buf.length) {
        this.#unreported(`malformed enforcement record at byte ${off}; the rest of the batch is skipped`);
        return;
      }
      const slot = view.getUint32(off + L.policy, true);
      const target = this.#bySlot.get(slot);
      const op = OPS[view.getUint32(off + L.op, true) as keyof typeof OPS];
      const action = ACTIONS[view.getUint32(off + L.action, true) as keyof typeof ACTIONS];
      if (target && op && action)
        this.#events.emit('violation', this.#decode(buf, view, off, target, op, action));
      else
        this.#unreported(
          `enforcement decision at byte ${off} names an unknown policy slot (${slot}) or operation; not reported`,
        );
      off += size;
    }
  }

  #decode(
    buf: Buffer,
    view: DataView,
    off: number,
    t: Target,
    operation: PolicyViolationEvent['operation'],
    action: PolicyViolationEvent['action'],
  ): PolicyViolationEvent {
    const L = LAYOUT.enforce.fields;
    const H = LAYOUT.hdr.fields;
    const commBytes = buf.subarray(off + H.comm, off + H.comm + 16);
    const nul = commBytes.indexOf(0);
    const comm = commBytes.subarray(0, nul < 0 ? 16 : nul).toString('utf8');
    const ev: PolicyViolationEvent = {
      kind: 'policy.violation',
      ts: Number(view.getBigUint64(off + H.ts_mono, true)) + this.#wallOffset,
      workload: t.workload,
      pid: view.getUint32(off + H.tgid, true),
      ppid: view.getUint32(off + H.ppid, true),
      comm,
      exe: '',
      source: 'ebpf',
      uid: view.getUint32(off + H.uid, true),
      cgroupId: view.getBigUint64(off + H.cgroup_id, true).toString(),
      action,
      operation,
      mode: view.getUint32(off + L.mode, true) === MODE.enforce ? 'enforce' : 'monitor',
      policy: `${t.policy.id}@${t.policy.version}`,
      rule: operation === 'exec' ? 'exec.default-deny' : 'egress.default-deny',
    };
    if (operation === 'exec') {
      const so = view.getUint16(off + L.path, true);
      const sl = view.getUint16(off + L.path + 2, true);
      ev.path = buf.subarray(off + so, off + so + sl).toString('utf8');
      ev.exe = ev.path;
    } else {
      const family = view.getUint16(off + L.family, true);
      const proto = view.getUint16(off + L.protocol, true);
      ev.family = family === 10 ? 'ipv6' : 'ipv4';
      ev.protocol = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : 'other';
      ev.dport = view.getUint16(off + L.rport, true);
      const a = buf.subarray(off + L.raddr, off + L.raddr + 16);
      ev.daddr = family === 10 ? formatIpv6(a) : `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
    }
    return ev;
  }
}

function formatIpv6(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff')
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  // Longest run of zero groups becomes '::'.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
