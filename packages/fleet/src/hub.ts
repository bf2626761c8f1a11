import {
  AckPolicy,
  DeliverPolicy,
  type Consumer as JsConsumer,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EventSchema, fromZodError, VigilError, type VigilEvent } from '@vigil/core';
import { EventEmitter } from 'eventemitter3';
import { OtlpRelay } from './internal/otlp-relay.js';
import type { FleetMessage } from './message.js';
import { parseFleetMessage } from './message.js';
import type { FleetOtlpExporter, OtlpRelayStats } from './otlp.js';
import {
  baselineKey,
  FLEET_BODY_SCHEMAS,
  type FleetBaseline,
  type FleetEventCount,
  type FleetFinding,
  type FleetIncident,
  type FleetSnapshot,
  keyToken,
  mergeEventCount,
  mergeFleetBaseline,
  mergeFleetFinding,
  mergeFleetIncident,
  newerSnapshot,
} from './records.js';
import {
  ensureFleetStreams,
  FLEET_EVENTS_STREAM,
  FLEET_STREAM,
  type FleetBucket,
  type FleetStreamOptions,
  natsError,
  openFleetBuckets,
} from './streams.js';
import {
  DEFAULT_FLEET_PARTITIONS,
  FLEET_MESSAGE_KINDS,
  type FleetMessageKind,
  partitionFilter,
  workloadToken,
} from './subjects.js';
import { fleetFindingAsFinding } from './view.js';

/**
 * Options of a {@link FleetHub}.
 *
 * @example
 * ```ts
 * // Two hubs share the work: one owns the even partitions, the other the odd ones.
 * const options: FleetHubOptions = { servers: 'nats://127.0.0.1:4222', owned: [0, 2, 4, 6, 8, 10, 12, 14] };
 * ```
 */
export interface FleetHubOptions {
  /** NATS server URLs; or pass `connection`. */
  readonly servers?: string | readonly string[];
  /** A connection the caller owns (not closed by {@link FleetHub.close}). */
  readonly connection?: NatsConnection;
  /** How many partitions subjects are split into (as the publishers). Default 16. */
  readonly partitions?: number;
  /** The partitions this hub consumes. Default: all. */
  readonly owned?: readonly number[];
  /** Prefix of the durable consumer names. Default `vigil-hub`. */
  readonly name?: string;
  /** How streams and buckets are made when missing (replicas, retention). */
  readonly streams?: FleetStreamOptions;
  /** Messages fetched per partition at once. Default 256. */
  readonly batchSize?: number;
  /**
   * Key-value updates written at once across all partitions (one per key at
   * a time; messages for a key being written wait and go into its next
   * write together). Default 512.
   */
  readonly maxInFlight?: number;
  /**
   * Messages received and not yet acknowledged before the hub stops pulling
   * more. Default 20,000.
   */
  readonly maxPending?: number;
  /**
   * Key-value entries (value and revision) kept in memory, so that a merge
   * is one compare-and-set write with no read first; the least recently
   * used beyond this are read again when next needed. Default 100,000.
   */
  readonly cacheEntries?: number;
  /** How long {@link FleetHub.start} keeps trying while JetStream does not answer. Default 2 minutes. */
  readonly startTimeoutMs?: number;
  /** How long JetStream waits for an acknowledgement before redelivering. Default 30 s. */
  readonly ackWaitMs?: number;
  /**
   * Also send each fleet finding, when the hub first merges it, as an OTLP
   * log record (with the sightings so far), and the model and tool calls in
   * sampled events as GenAI spans, to an OpenTelemetry collector: an
   * `OtlpHttpExporter` from `@vigil/reporters`. Batched every `otlpIntervalMs`.
   */
  readonly otlp?: FleetOtlpExporter;
  /** Milliseconds between OTLP exports. Default 5,000. */
  readonly otlpIntervalMs?: number;
}

/**
 * What a hub did since it started.
 *
 * @example
 * ```ts
 * const { messages, events } = hub.stats();
 * ```
 */
export interface FleetHubStats {
  /** Messages handled (acknowledged), per kind. */
  readonly byKind: Readonly<Record<FleetMessageKind, number>>;
  readonly messages: number;
  /** Events carried by the events messages handled. */
  readonly events: number;
  /** Messages JetStream delivered more than once (handled again, idempotently). */
  readonly redelivered: number;
  /** Malformed messages (terminated, reported through `error`). */
  readonly rejected: number;
  /** Key-value updates that lost a race with another hub and were retried. */
  readonly conflicts: number;
  /** Key-value writes made (several messages for one key go into one write). */
  readonly writes: number;
  /** Key-value reads made (a key's first use, or after a conflict or a failed write). */
  readonly reads: number;
  /** Baseline merges and the time they took. */
  readonly baselineMerges: number;
  readonly baselineMergeMs: number;
  /** Stable baselines published (new or changed). */
  readonly stablePublished: number;
  /** What went out over OTLP, when `otlp` is set. */
  readonly otlp?: OtlpRelayStats;
}

/**
 * Events a {@link FleetHub} emits.
 *
 * @example
 * ```ts
 * hub.on('error', (e) => console.error(e.message));
 * ```
 */
export interface FleetHubEvents {
  /** A malformed message or a failed update; the hub goes on. */
  error: (error: VigilError) => void;
  /** Messages were handled (one key's write): each with the time it was enqueued on its node (ms). */
  handled: (
    messages: readonly { readonly kind: FleetMessageKind; readonly ts: number; readonly node: string }[],
  ) => void;
  /** A stable baseline was published (new or changed). */
  stable: (baseline: FleetBaseline) => void;
}

interface Parsed {
  readonly msg: JsMsg;
  readonly message: FleetMessage;
}

interface Group {
  readonly bucket: FleetBucket;
  readonly key: string;
  readonly items: Parsed[];
}

/** A key-value entry as this hub last read or wrote it. */
interface Cached {
  /** 0: the key does not exist. */
  readonly revision: number;
  readonly value: unknown;
  readonly text: string;
}

const MAX_CAS_RETRIES = 50;

/**
 * The fleet hub: reads every node's messages from JetStream through durable
 * consumers (one per partition it owns), merges them idempotently into
 * key-value buckets — one baseline per workload and version from all
 * replicas, fleet findings and incidents once with every node's sightings,
 * AI-BOM and observed-use snapshots, event counts — and publishes stable
 * baselines for daemons to watch. It keeps no state of its own: restart it
 * anywhere, run several.
 *
 * @example
 * ```ts
 * import { FleetHub } from '@vigil/fleet';
 *
 * const hub = await FleetHub.start({ servers: 'nats://127.0.0.1:4222', streams: { replicas: 3 } });
 * hub.on('stable', (b) => console.log('stable baseline', b.subject, b.version));
 * // … later
 * await hub.close();
 * ```
 */
export class FleetHub extends EventEmitter<FleetHubEvents> {
  readonly partitions: number;
  readonly owned: readonly number[];
  readonly #options: FleetHubOptions;
  readonly #nc: NatsConnection;
  readonly #buckets: Record<FleetBucket, KV>;
  readonly #byKind: Record<FleetMessageKind, number> = Object.fromEntries(
    FLEET_MESSAGE_KINDS.map((k) => [k, 0]),
  ) as Record<FleetMessageKind, number>;
  #events = 0;
  #redelivered = 0;
  #rejected = 0;
  #conflicts = 0;
  #writes = 0;
  #reads = 0;
  #merges = 0;
  #mergeMs = 0;
  #stable = 0;
  #closed = false;
  readonly #loops: Promise<void>[] = [];
  readonly #iterators: { close(): Promise<unknown> }[] = [];
  readonly #consumers: { stream: string; durable: string }[] = [];
  readonly #stopping: AbortController = new AbortController();
  // Owned keys' entries: a merge writes with the cached revision and reads only on a conflict.
  readonly #cache = new Map<string, Cached>();
  // Messages waiting per key (`bucket/key`), the keys being written, and keys ready to be.
  readonly #waiting = new Map<string, Group>();
  readonly #writing = new Set<string>();
  readonly #ready: string[] = [];
  readonly #work = new Set<Promise<void>>();
  #held = 0;
  #otlp: OtlpRelay | undefined;
  #roomWaiters: (() => void)[] = [];

  private constructor(options: FleetHubOptions, nc: NatsConnection, buckets: Record<FleetBucket, KV>) {
    super();
    this.#options = options;
    this.#nc = nc;
    this.#buckets = buckets;
    this.partitions = options.partitions ?? DEFAULT_FLEET_PARTITIONS;
    this.owned = [...(options.owned ?? Array.from({ length: this.partitions }, (_, i) => i))];
    for (const p of this.owned) {
      if (!Number.isInteger(p) || p < 0 || p >= this.partitions)
        throw new VigilError('USAGE', `partition ${p} is not one of 0..${this.partitions - 1}`);
    }
    if (options.otlp)
      this.#otlp = new OtlpRelay({
        exporter: options.otlp,
        ...(options.otlpIntervalMs !== undefined ? { intervalMs: options.otlpIntervalMs } : {}),
        onError: (e) => this.emit('error', e),
      });
  }

  /** Connects, makes missing streams, buckets and consumers, and starts consuming. */
  static async start(options: FleetHubOptions): Promise<FleetHub> {
    let nc = options.connection;
    if (!nc) {
      if (options.servers === undefined)
        throw new VigilError('USAGE', 'FleetHub needs servers or a connection');
      try {
        nc = await connect({
          servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
          name: 'vigil-hub',
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
        });
      } catch (err) {
        throw natsError(`cannot connect to NATS at ${String(options.servers)}`, err);
      }
    }
    // While a cluster elects leaders (a node just died) JetStream requests time out: try again.
    const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
    for (;;) {
      let hub: FleetHub | undefined;
      try {
        await ensureFleetStreams(nc, options.streams);
        const buckets = await openFleetBuckets(nc, options.streams);
        hub = new FleetHub(options, nc, buckets);
        await hub.#startConsumers();
        return hub;
      } catch (err) {
        // Consumers already started by a failed attempt stop before the next one.
        if (hub) await hub.#stop();
        const e = err instanceof VigilError ? err : natsError('cannot start the fleet hub', err);
        if (e.code === 'IO' && Date.now() < deadline && !nc.isClosed()) {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        if (!options.connection) await nc.close().catch(() => undefined);
        throw e;
      }
    }
  }

  async #startConsumers(): Promise<void> {
    const jsm = await jetstreamManager(this.#nc);
    const js = jetstream(this.#nc);
    const prefix = this.#options.name ?? 'vigil-hub';
    for (const p of this.owned) {
      const pp = String(p).padStart(3, '0');
      for (const [stream, durable, filter] of [
        [FLEET_STREAM, `${prefix}-p${pp}`, partitionFilter(p)],
        [FLEET_EVENTS_STREAM, `${prefix}-events-p${pp}`, partitionFilter(p, 'events')],
      ] as const) {
        await this.#ensureConsumer(jsm, stream, durable, filter);
        this.#consumers.push({ stream, durable });
        const consumer = await js.consumers.get(stream, durable);
        this.#loops.push(this.#consume(consumer));
      }
    }
  }

  async #ensureConsumer(
    jsm: Awaited<ReturnType<typeof jetstreamManager>>,
    stream: string,
    durable: string,
    filter: string,
  ): Promise<void> {
    try {
      await jsm.consumers.info(stream, durable);
      return;
    } catch {
      // Missing: made below.
    }
    try {
      await jsm.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: filter,
        ack_wait: (this.#options.ackWaitMs ?? 30_000) * 1_000_000,
        max_ack_pending: 10_000,
        num_replicas: 0,
      });
    } catch (err) {
      if (!/already in use|exists/i.test(String((err as Error).message)))
        throw natsError(`cannot create the consumer ${durable} on ${stream}`, err);
    }
  }

  // Messages arrive as soon as they are published and are queued by key: each key is written by
  // one update at a time, and what arrives for it meanwhile goes into its next update.
  async #consume(consumer: JsConsumer): Promise<void> {
    const max = this.#options.batchSize ?? 256;
    const maxPending = this.#options.maxPending ?? 20_000;
    while (!this.#closed) {
      try {
        const messages = await consumer.consume({ max_messages: max });
        this.#iterators.push(messages);
        if (this.#closed) await messages.close();
        for await (const m of messages) {
          if (this.#closed) break;
          this.#take(m);
          while (this.#held >= maxPending && !this.#closed)
            await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
        }
      } catch (err) {
        if (!this.#closed) this.emit('error', natsError('the fleet hub cannot consume', err));
      }
      if (!this.#closed) await delay(500, this.#stopping.signal);
    }
  }

  #take(msg: JsMsg): void {
    if (msg.redelivered) this.#redelivered++;
    const r = parseFleetMessage(msg.string(), msg.subject);
    if (!r.ok) {
      this.#reject(msg, r.error);
      return;
    }
    const m = r.message;
    const body = FLEET_BODY_SCHEMAS[m.kind].safeParse(m.body);
    if (!body.success) {
      this.#reject(
        msg,
        fromZodError(body.error, `${m.kind} from node ${m.node.node}`, {
          file: msg.subject,
          path: ['body'],
        }),
      );
      return;
    }
    const p: Parsed = { msg, message: { ...m, body: body.data } };
    const [bucket, key] = keyOf(p);
    const id = `${bucket}/${key}`;
    this.#held++;
    const g = this.#waiting.get(id);
    if (g) g.items.push(p);
    else {
      this.#waiting.set(id, { bucket, key, items: [p] });
      if (!this.#writing.has(id)) this.#ready.push(id);
    }
    this.#pump();
  }

  // Starts updates for ready keys while fewer than maxInFlight are under way.
  #pump(): void {
    const limit = this.#options.maxInFlight ?? 512;
    while (this.#writing.size < limit && this.#ready.length > 0) {
      const id = this.#ready.shift()!;
      const g = this.#waiting.get(id);
      if (!g || this.#writing.has(id)) continue;
      this.#waiting.delete(id);
      this.#writing.add(id);
      const work = this.#handle(g).finally(() => {
        this.#work.delete(work);
        this.#writing.delete(id);
        this.#held -= g.items.length;
        if (this.#waiting.has(id)) this.#ready.push(id);
        const waiters = this.#roomWaiters;
        this.#roomWaiters = [];
        for (const w of waiters) w();
        this.#pump();
      });
      this.#work.add(work);
    }
  }

  async #handle(g: Group): Promise<void> {
    let first: unknown;
    try {
      first = await this.#apply(g);
    } catch (err) {
      const e = err instanceof VigilError ? err : natsError(`cannot update ${g.bucket}/${g.key}`, err);
      this.emit('error', e);
      // Left to JetStream: redelivered after a pause, and handled again idempotently.
      for (const p of g.items) p.msg.nak(1000);
      return;
    }
    const handled: { kind: FleetMessageKind; ts: number; node: string }[] = [];
    for (const p of g.items) {
      p.msg.ack();
      this.#byKind[p.message.kind]++;
      if (p.message.kind === 'events')
        this.#events += (p.message.body as { events: unknown[] }).events.length;
      handled.push({ kind: p.message.kind, ts: p.message.ts, node: p.message.node.node });
    }
    if (this.#otlp) this.#toOtlp(g, first);
    this.emit('handled', handled);
  }

  // A finding goes out once, when the fleet first has it; calls in sampled events as spans.
  #toOtlp(g: Group, first: unknown): void {
    if (g.bucket === 'findings' && first !== undefined)
      this.#otlp!.add({ findings: [fleetFindingAsFinding(first as FleetFinding)] });
    if (g.bucket !== 'events') return;
    const events: VigilEvent[] = [];
    for (const p of g.items)
      for (const e of (p.message.body as { events: { kind: string }[] }).events) {
        if (e.kind !== 'model.call' && e.kind !== 'tool.call') continue;
        const r = EventSchema.safeParse(e);
        if (r.success) events.push(r.data);
      }
    if (events.length > 0) this.#otlp!.add({ events });
  }

  #reject(msg: JsMsg, error: VigilError): void {
    this.#rejected++;
    msg.term();
    this.emit('error', error);
  }

  // The entry as last read or written; read when not known.
  async #entry(kv: KV, id: string, key: string): Promise<Cached> {
    const hit = this.#cache.get(id);
    if (hit) {
      // Least recently used first: a hit moves to the end.
      this.#cache.delete(id);
      this.#cache.set(id, hit);
      return hit;
    }
    this.#reads++;
    const entry = await kv.get(key);
    const live = entry !== null && entry.operation === 'PUT' && entry.length > 0;
    const c: Cached = {
      revision: entry?.revision ?? 0,
      value: live ? entry.json<unknown>() : undefined,
      text: live ? entry.string() : '',
    };
    this.#remember(id, c);
    return c;
  }

  #remember(id: string, c: Cached): void {
    this.#cache.delete(id);
    this.#cache.set(id, c);
    const max = this.#options.cacheEntries ?? 100_000;
    while (this.#cache.size > max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }

  // Fold every message of the group into the entry and write it with one compare-and-set on the
  // revision this hub knows; only when another writer got there first is the entry read again.
  // Resolves to the new value when this write made the entry, undefined otherwise.
  async #apply(g: Group): Promise<unknown> {
    const kv = this.#buckets[g.bucket];
    const id = `${g.bucket}/${g.key}`;
    for (let attempt = 0; ; attempt++) {
      const cur = await this.#entry(kv, id, g.key);
      const next = this.#fold(g, cur.value);
      if (next === cur.value) return;
      const text = JSON.stringify(next);
      if (text === cur.text) return;
      let revision: number;
      try {
        this.#writes++;
        revision =
          cur.revision > 0 ? await kv.update(g.key, text, cur.revision) : await kv.create(g.key, text);
      } catch (err) {
        // Whether a failed write landed is unknown: the entry is read again next time.
        this.#cache.delete(id);
        if (attempt < MAX_CAS_RETRIES && isConflict(err)) {
          this.#conflicts++;
          continue;
        }
        throw err;
      }
      this.#remember(id, { revision, value: next, text });
      if (g.bucket === 'baselines') await this.#publishStable(g.key, next as FleetBaseline);
      return cur.value === undefined ? next : undefined;
    }
  }

  #fold(g: Group, cur: unknown): unknown {
    switch (g.bucket) {
      case 'findings': {
        let out = cur as FleetFinding | undefined;
        for (const p of g.items)
          out = mergeFleetFinding(
            out,
            p.message.body as FleetFinding['finding'],
            p.message.node,
            p.message.workloadKey,
          );
        return out;
      }
      case 'incidents': {
        let out = cur as FleetIncident | undefined;
        for (const p of g.items)
          out = mergeFleetIncident(
            out,
            p.message.body as FleetIncident['incident'],
            p.message.node,
            p.message.workloadKey,
          );
        return out;
      }
      case 'baselines': {
        const t0 = performance.now();
        const out = mergeFleetBaseline(
          cur as FleetBaseline | undefined,
          g.items.map((p) => ({
            doc: p.message.body as FleetBaseline['baseline'],
            node: p.message.node.node,
          })),
        );
        this.#merges += g.items.length;
        this.#mergeMs += performance.now() - t0;
        return out;
      }
      case 'aibom':
      case 'gaps': {
        let out = cur as FleetSnapshot | undefined;
        for (const p of g.items) {
          out = newerSnapshot(out, {
            schemaVersion: 1,
            workloadKey: p.message.workloadKey,
            node: p.message.node,
            ts: p.message.ts,
            id: p.msg.headers?.get('Nats-Msg-Id') ?? String(p.msg.seq),
            body: p.message.body,
          });
        }
        return out;
      }
      case 'events': {
        let out = cur as FleetEventCount | undefined;
        for (const p of g.items) {
          const b = p.message.body as { seq: number; events: { kind: string }[] };
          out = mergeEventCount(
            out,
            p.message.workloadKey,
            p.message.node.node,
            p.message.node.instance,
            b.seq,
            b.events.map((e) => e.kind),
          );
        }
        return out;
      }
      default:
        throw new VigilError('INTERNAL', `no fold for bucket ${g.bucket}`);
    }
  }

  async #publishStable(key: string, b: FleetBaseline): Promise<void> {
    if (b.status !== 'stable') return;
    const kv = this.#buckets.stableBaselines;
    const id = `stableBaselines/${key}`;
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const cur = await this.#entry(kv, id, key);
      if ((cur.value as FleetBaseline | undefined)?.version === b.version) return;
      const text = JSON.stringify(b);
      try {
        this.#writes++;
        const revision =
          cur.revision > 0 ? await kv.update(key, text, cur.revision) : await kv.create(key, text);
        this.#remember(id, { revision, value: b, text });
        this.#stable++;
        this.emit('stable', b);
        return;
      } catch (err) {
        this.#cache.delete(id);
        if (!isConflict(err)) throw err;
        this.#conflicts++;
        // Another hub wrote a newer merge of the same baseline: read it again and compare.
        this.#cache.delete(`baselines/${key}`);
        const main = await this.#entry(this.#buckets.baselines, `baselines/${key}`, key);
        if (main.value !== undefined) b = main.value as FleetBaseline;
      }
    }
  }

  stats(): FleetHubStats {
    const messages = Object.values(this.#byKind).reduce((a, b) => a + b, 0);
    return {
      byKind: { ...this.#byKind },
      messages,
      events: this.#events,
      redelivered: this.#redelivered,
      rejected: this.#rejected,
      conflicts: this.#conflicts,
      writes: this.#writes,
      reads: this.#reads,
      baselineMerges: this.#merges,
      baselineMergeMs: this.#mergeMs,
      stablePublished: this.#stable,
      ...(this.#otlp ? { otlp: this.#otlp.stats() } : {}),
    };
  }

  /**
   * Messages waiting for this hub's consumers: not yet delivered, or
   * delivered and not yet acknowledged. Zero when the hub has caught up.
   */
  async backlog(): Promise<number> {
    const jsm = await jetstreamManager(this.#nc);
    let n = 0;
    for (const c of this.#consumers) {
      const info = await jsm.consumers.info(c.stream, c.durable);
      n += info.num_pending + info.num_ack_pending;
    }
    return n;
  }

  /** Stops consuming (unacknowledged messages are redelivered to the next hub). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#stop();
    if (!this.#options.connection) await this.#nc.close().catch(() => undefined);
  }

  async #stop(): Promise<void> {
    this.#closed = true;
    this.#stopping.abort();
    await Promise.allSettled(this.#iterators.map((i) => i.close()));
    for (const w of this.#roomWaiters) w();
    this.#roomWaiters = [];
    await Promise.allSettled(this.#loops);
    // What was received is merged before the hub stops (as each update ends, the next starts).
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
    await this.#otlp?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function isConflict(err: unknown): boolean {
  return /wrong last sequence|key exists/i.test(String((err as Error)?.message));
}

// The bucket and key a message is merged into.
function keyOf(p: Parsed): [FleetBucket, string] {
  const m = p.message;
  const node = keyToken(m.node.node).slice(0, 16);
  switch (m.kind) {
    case 'finding':
      return ['findings', `${workloadToken(m.workloadKey)}.${keyToken((m.body as { id: string }).id)}`];
    case 'incident':
      return ['incidents', `${workloadToken(m.workloadKey)}.${keyToken((m.body as { id: string }).id)}`];
    case 'baseline': {
      const d = m.body as { subject: string; versionKey: string };
      return ['baselines', baselineKey(d.subject, d.versionKey)];
    }
    case 'aibom':
      return ['aibom', `${workloadToken(m.workloadKey)}.${node}`];
    case 'gap':
      return ['gaps', `${workloadToken(m.workloadKey)}.${node}`];
    default:
      return ['events', `${workloadToken(m.workloadKey)}.${node}`];
  }
}

function delay(msTime: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, msTime);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
