import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  type EventSource,
  type EventSourceOptions,
  PayloadDecoder,
  type PayloadMode,
  type SourceStats,
  UNDECODED_PAYLOAD_PREFIX,
  type UndecodedPayloads,
  VigilError,
  type VigilEvent,
} from '@vigil/core';
import { RecordDecoder } from './decode/decoder.js';
import { PAYLOAD_TOTAL_MAX_BYTES } from './decode/layout.js';
import { loadBinding, type NativeCounters, type NativeSensor } from './internal/binding.js';
import { CgroupResolver } from './internal/cgroup-resolver.js';
import { warmUpLiveDecoding } from './internal/decoder-warm-up.js';
import { asDecoderInput, type LiveDecodeContext, liveDecodeContext } from './internal/live-decode-context.js';
import { assertCapturePrerequisites } from './preflight.js';
import {
  candidateFiles,
  isSslLibraryPath,
  type SslFunction,
  sslSymbolOffsets,
  systemSslLibraries,
  type TlsTarget,
} from './tls-targets.js';

/**
 * The payload bytes kept of one read or write when no cap is given: enough for a
 * chat request with its tool definitions, or a large MCP `tools/list`, in one piece.
 *
 * @example
 * ```ts
 * import { DEFAULT_PAYLOAD_BYTES, Sensor } from '@vigil/ebpf-native';
 *
 * const sensor = await Sensor.open({ payloads: 'meta', payloadBytes: DEFAULT_PAYLOAD_BYTES * 2 });
 * ```
 */
export const DEFAULT_PAYLOAD_BYTES = 65536;

/**
 * The largest `payloadBytes` a sensor takes. A read or write longer than one
 * record (8 KiB of payload) is sent as consecutive records.
 *
 * @example
 * ```ts
 * import { MAX_PAYLOAD_BYTES, Sensor } from '@vigil/ebpf-native';
 *
 * const sensor = await Sensor.open({ payloads: 'meta', payloadBytes: MAX_PAYLOAD_BYTES });
 * ```
 */
export const MAX_PAYLOAD_BYTES = PAYLOAD_TOTAL_MAX_BYTES;

/**
 * Options for {@link Sensor.open}.
 *
 * @example
 * ```ts
 * const options: SensorOptions = { cgroups: ['/system.slice/agent.service'], dedup: true, dnsPorts: [53, 5353] };
 * ```
 */
export interface SensorOptions extends EventSourceOptions {
  /**
   * cgroups to watch from the start: directories (absolute, or relative to the
   * cgroup v2 root) or cgroup ids. More can be added with {@link Sensor.watchCgroup}.
   */
  readonly cgroups?: readonly (string | bigint)[];
  /** Also watch every cgroup below those in `cgroups` (a pod's containers, a slice's services). Default false. */
  readonly descendants?: boolean;
  /** Watch every cgroup on the host (the sensor's own process excluded). Default false. */
  readonly watchAll?: boolean;
  /**
   * Suppress repeats of identical behaviour per workload in the kernel (an LRU
   * map): the second identical open/connect/DNS query/... of a workload is
   * counted, not sent. Process lifecycle events are never suppressed. Default false.
   */
  readonly dedup?: boolean;
  /** Ring buffer size in bytes: a power of two, at least one page. Default 8 MiB. */
  readonly ringBufferBytes?: number;
  /** UDP destination ports whose payloads are parsed as DNS queries. Default `[53]`. */
  readonly dnsPorts?: readonly number[];
  /** Decoded events held for a slow consumer before they are dropped (cause `queue-full`). Default 1,000,000. */
  readonly maxPendingEvents?: number;
  /** Bytes the poll thread collects before handing a batch to JavaScript. Default 256 KiB. */
  readonly batchBytes?: number;
  /** Batches queued towards JavaScript before the poll thread refuses more (cause `consumer-refused`). Default 256. */
  readonly maxQueuedBatches?: number;
  /**
   * Longest time (ms) a record waits in the poll thread before its batch is
   * handed to JavaScript: the bound on the delay batching adds. Batching adapts:
   * the first records after a quiet spell are handed over after an eighth of
   * this, a busy stream in batches up to this far apart (each hand-over has a
   * fixed cost far above that of decoding a record); while records keep coming,
   * the poll thread drains on a timer of this length and records stop waking it.
   * Default 100.
   */
  readonly flushIntervalMs?: number;
  /**
   * Payload capture (see `docs/payloads.md`): `off` (default), `meta` or
   * `content`. When on, what watched processes send and receive as TLS
   * plaintext (uprobes on `SSL_write`/`SSL_read`/`SSL_write_ex`/`SSL_read_ex`
   * in every `libssl` and executable exporting them that a watched process
   * maps) and on plaintext TCP sockets is decoded into `model.call`,
   * `tool.call` and `tool.list` events; raw bytes never leave the sensor.
   */
  readonly payloads?: PayloadMode;
  /**
   * Bytes kept of one read or write (1 to {@link MAX_PAYLOAD_BYTES}); a longer one
   * is cut and marked. Up to 8 KiB travel in one record, more as consecutive
   * records that the payload decoder joins, whether the call used one buffer or
   * an iovec array (`readv`, `writev`, `sendmsg`, `recvmsg`: its first 64 iovecs;
   * `sendmmsg`/`recvmmsg`: each message as a call of its own, up to the 1,024 one call moves).
   * Default {@link DEFAULT_PAYLOAD_BYTES}.
   */
  readonly payloadBytes?: number;
  /** Also capture plaintext TCP sockets, named unix stream sockets and stdio pipes (MCP servers), not only TLS. Default true. */
  readonly payloadSockets?: boolean;
  /**
   * Files to attach the TLS uprobes to at open, before anything runs (e.g. the
   * program about to be started); others are found at exec, at the open of an
   * SSL library, and in the maps of watched processes already running.
   */
  readonly tlsBinaries?: readonly string[];
  /**
   * With payloads on, attach the TLS uprobes at open to the OpenSSL libraries
   * the system's loader gives ({@link systemSslLibraries}: `libssl.so.3`,
   * `libssl.so.1.1`), so that no attach happens while a workload runs (the
   * attach of a file mapped by a running process stalls it, and a request sent
   * before the probes are in place is missed). Every process on the host that
   * uses them then takes the uprobe trap on its `SSL_*` calls (dropped in the
   * kernel unless its cgroup is watched). Default true.
   */
  readonly tlsSystemLibraries?: boolean;
}

/**
 * {@link SourceStats} plus what the kernel side counted.
 *
 * @example
 * ```ts
 * const { events, drops, deduplicated } = sensor.stats();
 * ```
 */
export interface SensorStats extends SourceStats {
  /** Records read from the ring buffer into JavaScript. */
  readonly records: number;
  /** Records suppressed in the kernel as repeats (with `dedup`); not a loss. */
  readonly deduplicated: number;
  /** Well-formed records that describe nothing the event model carries. */
  readonly skipped: number;
  /** Records the kernel wrote to the ring buffer. */
  readonly submitted: number;
  /** Payload chunks read (payload capture on). */
  readonly payloadChunks: number;
  /** Streams the payload decoder could not read, with process, peer and first bytes (payload capture on). */
  readonly undecodedPayloads?: UndecodedPayloads;
}

const DROP_CAUSES = [
  'ringbuf-full',
  'consumer-refused',
  'queue-full',
  'decode-error',
  'payload-ringbuf-full',
] as const;

/** Nanoseconds from CLOCK_MONOTONIC (what the BPF side stamps, and Node's hrtime) to the wall clock. */
function wallOffset(): number {
  return Date.now() * 1e6 - Number(process.hrtime.bigint());
}

/**
 * Live capture as an {@link EventSource}: CO-RE tracepoint programs filter by
 * cgroup in the kernel, a native poll thread drains the ring buffer and hands
 * whole batches to JavaScript, and iteration yields decoded, schema-valid
 * {@link VigilEvent}s attributed to their workload. Every loss is counted by
 * cause in {@link Sensor.stats}. Closing detaches everything; BPF programs
 * and links are tied to this process's file descriptors, so even a process
 * that is killed leaves nothing behind.
 *
 * @example
 * ```ts
 * import { Sensor, WorkloadCgroup } from '@vigil/ebpf-native';
 *
 * const cg = WorkloadCgroup.create();
 * await using sensor = await Sensor.open({ cgroups: [cg.dir] });
 * cg.spawn('sh', ['-c', 'cat /etc/hostname']);
 * for await (const batch of sensor) for (const ev of batch) console.log(ev.kind, ev.comm);
 * ```
 */
export class Sensor implements EventSource {
  readonly name = 'ebpf';
  readonly #native: NativeSensor;
  readonly #resolver: CgroupResolver;
  readonly #decoder: RecordDecoder;
  readonly #decodeContext: LiveDecodeContext;
  readonly #maxPending: number;
  readonly #signal: AbortSignal | undefined;
  readonly #queue: VigilEvent[][] = [];
  readonly #drops: Record<(typeof DROP_CAUSES)[number], number> = {
    'ringbuf-full': 0,
    'consumer-refused': 0,
    'queue-full': 0,
    'decode-error': 0,
    'payload-ringbuf-full': 0,
  };
  readonly #errors: VigilError[] = [];
  readonly #payloads: PayloadDecoder | undefined;
  readonly #payloadBytes: number;
  #payloadChunks = 0;
  /** Files considered for the TLS uprobes, by device:inode, and what came of each. */
  readonly #tlsSeen = new Set<string>();
  readonly #tls: TlsTarget[] = [];
  readonly #tlsPending = new Set<Promise<void>>();
  #offsetCheckedAt = Date.now();
  #pending = 0;
  #events = 0;
  #batches = 0;
  #records = 0;
  #skipped = 0;
  #waiter: (() => void) | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #iterating = false;
  #final: NativeCounters | undefined;
  readonly #onAbort = () => void this.close();

  private constructor(native: NativeSensor, resolver: CgroupResolver, options: SensorOptions) {
    this.#native = native;
    this.#resolver = resolver;
    this.#maxPending = options.maxPendingEvents ?? 1_000_000;
    this.#payloadBytes =
      options.payloads && options.payloads !== 'off' ? payloadCap(options.payloadBytes) : 0;
    this.#payloads =
      this.#payloadBytes > 0 ? new PayloadDecoder({ mode: options.payloads ?? 'meta' }) : undefined;
    this.#payloads?.on('error', (e) => {
      if (this.#errors.length < 100) this.#errors.push(e);
    });
    this.#signal = options.signal;
    this.#decodeContext = liveDecodeContext(resolver, wallOffset());
    this.#decoder = new RecordDecoder(this.#decodeContext);
  }

  /**
   * Checks prerequisites, loads and attaches the capture programs (off the JS
   * thread) and starts the poll thread. Throws a {@link VigilError}:
   * `UNSUPPORTED_PLATFORM`, `KERNEL_FEATURE_MISSING`, `PRIVILEGE_REQUIRED`,
   * `NATIVE_ADDON_MISSING`, `BPF_LOAD_FAILED` or `BPF_ATTACH_FAILED` (with
   * libbpf's errno text), or `CGROUP` for a cgroup that does not exist.
   */
  static async open(options: SensorOptions = {}): Promise<Sensor> {
    assertCapturePrerequisites();
    if (options.signal?.aborted)
      throw new VigilError('ABORTED', 'sensor open aborted', { cause: options.signal.reason });
    const ring = options.ringBufferBytes;
    if (ring !== undefined && (ring < 4096 || (ring & (ring - 1)) !== 0 || ring > 2 ** 30))
      throw new VigilError(
        'USAGE',
        `ringBufferBytes must be a power of two between 4096 and 2^30, got ${ring}`,
      );
    const payloadBytes =
      options.payloads && options.payloads !== 'off' ? payloadCap(options.payloadBytes) : 0;
    // Compile the payload decoder now, not on the traced command's first model call.
    if (payloadBytes > 0) PayloadDecoder.warmUp();
    const binding = loadBinding();
    const native = new binding.NativeSensor({
      selfTgid: process.pid,
      payloadBytes,
      payloadSockets: options.payloadSockets ?? true,
      dedup: options.dedup ?? false,
      ...(ring !== undefined ? { ringBufferBytes: ring } : {}),
      ...(options.batchBytes !== undefined ? { batchBytes: options.batchBytes } : {}),
      ...(options.maxQueuedBatches !== undefined ? { maxQueuedBatches: options.maxQueuedBatches } : {}),
      ...(options.flushIntervalMs !== undefined
        ? { flushMs: Math.max(1, Math.round(options.flushIntervalMs)) }
        : {}),
    });
    const loading = native.load();
    // Compile the record decoder now, on this thread while the kernel verifies the programs
    // on another, not on the traced workload's first thousands of records.
    warmUpLiveDecoding();
    try {
      await loading;
    } catch (cause) {
      native.close();
      const msg = (cause as Error).message;
      const eperm = /Operation not permitted|errno 1\)/.test(msg);
      throw new VigilError(
        eperm ? 'PRIVILEGE_REQUIRED' : msg.startsWith('BPF_ATTACH') ? 'BPF_ATTACH_FAILED' : 'BPF_LOAD_FAILED',
        `${msg.replace(/^BPF_(LOAD|ATTACH): /, '')}${eperm ? ' (live capture needs root or CAP_BPF + CAP_PERFMON)' : ''}`,
        { cause },
      );
    }
    const resolver = new CgroupResolver();
    const sensor = new Sensor(native, resolver, options);
    try {
      if (options.dnsPorts) native.setDnsPorts(options.dnsPorts);
      for (const c of options.cgroups ?? [])
        sensor.watchCgroup(c, { descendants: options.descendants ?? false });
      if (options.watchAll) native.setWatchAll(true);
      native.start((batch, records) => sensor.#onBatch(batch, records));
      if (payloadBytes > 0) {
        for (const b of options.tlsBinaries ?? []) sensor.#considerTls(b);
        if (options.tlsSystemLibraries ?? true) for (const f of systemSslLibraries()) sensor.#considerTls(f);
        for (const pid of sensor.#watchedPids(options))
          for (const f of candidateFiles(pid)) sensor.#considerTls(f);
        await Promise.all(sensor.#tlsPending);
      }
    } catch (e) {
      native.close();
      throw e;
    }
    options.signal?.addEventListener('abort', sensor.#onAbort, { once: true });
    if (options.signal?.aborted) void sensor.close(); // aborted while the programs were loading
    return sensor;
  }

  /**
   * Starts watching a cgroup: a directory (absolute, or relative to the cgroup
   * v2 root) or a cgroup id. Returns the id. With `descendants`, every cgroup
   * below it is watched too, including ones created later (checked in the
   * kernel against the cgroup's ancestors); events keep their own cgroup.
   */
  watchCgroup(cgroup: string | bigint, options: { readonly descendants?: boolean } = {}): string {
    const id = this.#cgroupId(cgroup);
    this.#native.watch(BigInt(id), options.descendants ?? false);
    return id;
  }

  /** Stops watching a cgroup (directory or id). */
  unwatchCgroup(cgroup: string | bigint): void {
    this.#native.unwatch(BigInt(this.#cgroupId(cgroup)));
  }

  /** Watch every cgroup (`true`) or only the watched set (`false`). */
  setWatchAll(all: boolean): void {
    this.#native.setWatchAll(all);
  }

  #cgroupId(cgroup: string | bigint): string {
    if (typeof cgroup === 'bigint') return cgroup.toString();
    if (/^\d+$/.test(cgroup)) return cgroup;
    const dir =
      isAbsolute(cgroup) && cgroup.startsWith(this.#resolver.root)
        ? cgroup
        : join(this.#resolver.root, cgroup);
    try {
      return this.#resolver.add(dir);
    } catch (cause) {
      throw new VigilError('CGROUP', `cannot watch cgroup ${dir}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Processes already in the watched cgroups at open (their maps may hold an SSL library). */
  #watchedPids(options: SensorOptions): number[] {
    const pids: number[] = [];
    const visit = (dir: string, depth: number) => {
      try {
        for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n'))
          if (/^\d+$/.test(p)) pids.push(Number(p));
        if (options.descendants && depth < 16)
          for (const d of readdirSync(dir, { withFileTypes: true }))
            if (d.isDirectory()) visit(join(dir, d.name), depth + 1);
      } catch {
        // removed meanwhile
      }
    };
    for (const c of options.cgroups ?? []) {
      if (typeof c !== 'string' || /^\d+$/.test(c)) continue;
      visit(isAbsolute(c) && c.startsWith(this.#resolver.root) ? c : join(this.#resolver.root, c), 0);
    }
    return pids;
  }

  /**
   * Attaches the TLS uprobes to a file once (by device and inode) when it
   * exports OpenSSL functions. Asynchronous; failures are kept in
   * {@link Sensor.tlsTargets} with their reason. `canonical`: the path is
   * already free of symlinks (the kernel's dentry walk of an executed file), so
   * only its identity is read (one `statx` instead of an `lstat` per component).
   */
  #considerTls(file: string, canonical = false): void {
    if (this.#payloadBytes === 0 || this.#closed) return;
    let path: string;
    let key: string;
    let version: string;
    try {
      path = canonical ? file : realpathSync(file);
      const st = statSync(path);
      if (!st.isFile()) return;
      key = `${st.dev}:${st.ino}`;
      version = `${key}:${st.size}:${st.mtimeMs}`;
    } catch {
      return; // gone, or only inside another mount namespace
    }
    if (this.#tlsSeen.has(key)) return;
    this.#tlsSeen.add(key);
    // Reading node's symbol tables takes tens of ms of CPU on the event loop: once per file version per process.
    let offsets = SSL_OFFSETS.get(version);
    if (!offsets) {
      try {
        offsets = sslSymbolOffsets(path);
      } catch {
        return;
      }
      if (SSL_OFFSETS.size >= 256) SSL_OFFSETS.clear();
      SSL_OFFSETS.set(version, offsets);
    }
    const names = [...offsets.keys()];
    if (!names.some((f) => f.startsWith('SSL_read')) || !names.some((f) => f.startsWith('SSL_write'))) return;
    const p = this.#native
      .attachTls(path, Object.fromEntries(offsets))
      .then(
        (functions) => {
          this.#tls.push({ path, functions: functions as TlsTarget['functions'] });
        },
        (e: Error) => {
          this.#tls.push({ path, functions: [], error: e.message.replace(/^BPF_ATTACH: /, '') });
        },
      )
      .finally(() => this.#tlsPending.delete(p));
    this.#tlsPending.add(p);
  }

  /**
   * Attaches the TLS uprobes to a file now (an executable that exports
   * OpenSSL's `SSL_*` functions, or an SSL library) and resolves when they are
   * in place. Payload capture must be on. Files are attached once.
   *
   * @example
   * ```ts
   * await sensor.attachTls('/usr/lib/x86_64-linux-gnu/libssl.so.3');
   * console.log(sensor.tlsTargets());
   * ```
   */
  async attachTls(file: string): Promise<readonly TlsTarget[]> {
    if (this.#payloadBytes === 0)
      throw new VigilError('USAGE', 'attachTls needs payload capture (the payloads option)');
    this.#considerTls(file);
    await Promise.all(this.#tlsPending);
    return this.tlsTargets();
  }

  /** Files the TLS uprobes were attached to (or failed to attach to, with the reason). */
  tlsTargets(): readonly TlsTarget[] {
    return [...this.#tls];
  }

  #onBatch(batch: Buffer, records: number): void {
    // Records carry CLOCK_MONOTONIC; the wall clock may be slewed or stepped
    // (NTP) while the sensor runs, so the offset is re-read now and then.
    const now = Date.now();
    if (now - this.#offsetCheckedAt >= 10_000) {
      this.#offsetCheckedAt = now;
      const fresh = wallOffset();
      if (Math.abs(fresh - this.#decodeContext.wallOffsetNs) > 1e6) this.#decodeContext.wallOffsetNs = fresh;
    }
    const { events, errors, skipped, records: read, chunks } = this.#decoder.decode(asDecoderInput(batch));
    if (this.#payloadBytes > 0) {
      for (const ev of events) {
        // An exe that differs from the filename is the kernel's dentry walk of the binary (canonical).
        if (ev.kind === 'process.exec') this.#considerTls(ev.exe || ev.filename, ev.exe !== ev.filename);
        else if (ev.kind === 'file.open' && ev.result >= 0 && isSslLibraryPath(ev.path))
          this.#considerTls(ev.path);
      }
      const payloads = this.#payloads;
      if (payloads && chunks.length > 0) {
        this.#payloadChunks += chunks.length;
        for (const chunk of chunks) for (const ev of payloads.push(chunk)) events.push(ev);
      }
    }
    this.#records += records;
    this.#skipped += skipped;
    // A batch cut short by a malformed header: the records after it are lost too.
    const rejected = errors.length + Math.max(0, records - read);
    if (rejected > 0) {
      this.#drops['decode-error'] += rejected;
      if (this.#errors.length < 100) this.#errors.push(...errors.slice(0, 100 - this.#errors.length));
    }
    if (events.length === 0) return;
    if (this.#pending + events.length > this.#maxPending) {
      this.#drops['queue-full'] += events.length;
      return;
    }
    this.#pending += events.length;
    this.#queue.push(events);
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  /** The first malformed records met (at most 100), with their offsets. */
  get decodeErrors(): readonly VigilError[] {
    return this.#errors;
  }

  /** Ids of the loaded BPF programs (empty after close), for audits and leak checks. */
  programIds(): number[] {
    return this.#closed ? [] : this.#native.programIds();
  }

  stats(): SensorStats {
    const c = this.#final ?? this.#native.counters();
    const drops: Record<string, number> = {
      ...this.#drops,
      'ringbuf-full': c.ringbufFull,
      'consumer-refused': c.refusedRecords,
    };
    if (this.#payloads) {
      drops['payload-ringbuf-full'] = c.payloadFull;
      for (const [reason, n] of Object.entries(this.#payloads.stats().skipped))
        drops[`${UNDECODED_PAYLOAD_PREFIX}${reason}`] = n;
    } else {
      delete drops['payload-ringbuf-full'];
    }
    return {
      events: this.#events,
      batches: this.#batches,
      drops,
      payloadChunks: this.#payloadChunks,
      ...(this.#payloads ? { undecodedPayloads: this.#payloads.stats().undecoded } : {}),
      records: this.#records,
      deduplicated: c.dedup,
      skipped: this.#skipped,
      submitted: c.submitted,
    };
  }

  /**
   * Resolves when every record the kernel had written when it was called has
   * reached JavaScript (decoded into the iteration queue, or counted as dropped).
   */
  async flush(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return this.#closing;
    await Promise.all(this.#tlsPending);
    const target = this.#native.counters().submitted;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const c = this.#native.counters();
      if (this.#records + c.refusedRecords >= target) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    if (this.#iterating) throw new VigilError('SOURCE_CLOSED', 'a Sensor can be iterated once');
    this.#iterating = true;
    for (;;) {
      const batch = this.#queue.shift();
      if (batch) {
        this.#pending -= batch.length;
        this.#events += batch.length;
        this.#batches++;
        yield batch;
        continue;
      }
      if (this.#signal?.aborted)
        throw new VigilError('ABORTED', 'sensor aborted', { cause: this.#signal.reason });
      if (this.#closed) return;
      await new Promise<void>((r) => {
        this.#waiter = r;
      });
    }
  }

  /**
   * Stops capture: detaches and unloads every program, delivers the records
   * already in the ring buffer to the iteration, then ends it. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    // Joins the poll thread after a final drain, then destroys links, programs and maps.
    this.#native.close();
    const c = this.#native.counters();
    const deadline = Date.now() + 2000;
    // The last batches may still be queued towards this thread.
    while (this.#records < c.recordsSent - c.refusedRecords && Date.now() < deadline)
      await new Promise((r) => setImmediate(r));
    this.#final = this.#native.counters();
    // What the payload decoder still holds (a response cut off by the end) is flushed, marked partial.
    const rest = this.#payloads?.end() ?? [];
    if (rest.length > 0) {
      this.#pending += rest.length;
      this.#queue.push(rest);
    }
    this.#closed = true;
    this.#wake();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** `sslSymbolOffsets` of each file seen, by device, inode, size and mtime: shared by the sensors of a process. */
const SSL_OFFSETS = new Map<string, Map<SslFunction, number>>();

function payloadCap(bytes: number | undefined): number {
  const n = bytes ?? DEFAULT_PAYLOAD_BYTES;
  if (!Number.isInteger(n) || n < 1 || n > PAYLOAD_TOTAL_MAX_BYTES)
    throw new VigilError(
      'USAGE',
      `payloadBytes must be an integer from 1 to ${PAYLOAD_TOTAL_MAX_BYTES}, got ${n}`,
    );
  return n;
}
