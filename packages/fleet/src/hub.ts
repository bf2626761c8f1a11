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
import { fromZodError, VigilError } from '@vigil/core';
import { EventEmitter } from 'eventemitter3';
import type { FleetMessage } from './message.js';
import { parseFleetMessage } from './message.js';
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
  /** How long {@link FleetHub.start} keeps trying while JetStream does not answer. Default 2 minutes. */
  readonly startTimeoutMs?: number;
  /** How long JetStream waits for an acknowledgement before redelivering. Default 30 s. */
  readonly ackWaitMs?: number;
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
  /** Baseline merges and the time they took. */
  readonly baselineMerges: number;
  readonly baselineMergeMs: number;
  /** Stable baselines published (new or changed). */
  readonly stablePublished: number;
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
  /** A batch was handled: its messages, with the time each was enqueued on its node (ms). */
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
  #merges = 0;
  #mergeMs = 0;
  #stable = 0;
  #closed = false;
  readonly #loops: Promise<void>[] = [];
  readonly #iterators: { close(): Promise<unknown> }[] = [];
  readonly #consumers: { stream: string; durable: string }[] = [];
  readonly #stopping: AbortController = new AbortController();

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

  // Messages arrive as soon as they are published; while one batch is handled the next gathers.
  async #consume(consumer: JsConsumer): Promise<void> {
    const max = this.#options.batchSize ?? 256;
    while (!this.#closed) {
      const buf: JsMsg[] = [];
      let wake: (() => void) | undefined;
      let ended = false;
      const worker = (async () => {
        while (!ended || buf.length > 0) {
          if (buf.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            continue;
          }
          await this.#handle(buf.splice(0, max));
        }
      })();
      try {
        const messages = await consumer.consume({ max_messages: max });
        this.#iterators.push(messages);
        if (this.#closed) await messages.close();
        for await (const m of messages) {
          buf.push(m);
          wake?.();
          wake = undefined;
        }
      } catch (err) {
        if (!this.#closed) this.emit('error', natsError('the fleet hub cannot consume', err));
      } finally {
        ended = true;
        wake?.();
        await worker;
      }
      if (!this.#closed) await delay(500, this.#stopping.signal);
    }
  }

  async #handle(batch: readonly JsMsg[]): Promise<void> {
    const groups = new Map<string, Group>();
    const add = (bucket: FleetBucket, key: string, p: Parsed) => {
      const id = `${bucket}/${key}`;
      const g = groups.get(id);
      if (g) g.items.push(p);
      else groups.set(id, { bucket, key, items: [p] });
    };
    for (const msg of batch) {
      if (msg.redelivered) this.#redelivered++;
      const r = parseFleetMessage(msg.string(), msg.subject);
      if (!r.ok) {
        this.#reject(msg, r.error);
        continue;
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
        continue;
      }
      const p: Parsed = { msg, message: { ...m, body: body.data } };
      const node = keyToken(m.node.node).slice(0, 16);
      switch (m.kind) {
        case 'finding':
          add('findings', `${workloadToken(m.workloadKey)}.${keyToken((body.data as { id: string }).id)}`, p);
          break;
        case 'incident':
          add(
            'incidents',
            `${workloadToken(m.workloadKey)}.${keyToken((body.data as { id: string }).id)}`,
            p,
          );
          break;
        case 'baseline': {
          const d = body.data as { subject: string; versionKey: string };
          add('baselines', baselineKey(d.subject, d.versionKey), p);
          break;
        }
        case 'aibom':
          add('aibom', `${workloadToken(m.workloadKey)}.${node}`, p);
          break;
        case 'gap':
          add('gaps', `${workloadToken(m.workloadKey)}.${node}`, p);
          break;
        case 'events':
          add('events', `${workloadToken(m.workloadKey)}.${node}`, p);
          break;
      }
    }
    const handled: { kind: FleetMessageKind; ts: number; node: string }[] = [];
    await Promise.all(
      [...groups.values()].map(async (g) => {
        try {
          await this.#apply(g);
        } catch (err) {
          const e = err instanceof VigilError ? err : natsError(`cannot update ${g.bucket}/${g.key}`, err);
          this.emit('error', e);
          // Left to JetStream: redelivered after a pause, and handled again idempotently.
          for (const p of g.items) p.msg.nak(1000);
          return;
        }
        for (const p of g.items) {
          p.msg.ack();
          this.#byKind[p.message.kind]++;
          if (p.message.kind === 'events')
            this.#events += (p.message.body as { events: unknown[] }).events.length;
          handled.push({ kind: p.message.kind, ts: p.message.ts, node: p.message.node.node });
        }
      }),
    );
    if (handled.length > 0) this.emit('handled', handled);
  }

  #reject(msg: JsMsg, error: VigilError): void {
    this.#rejected++;
    msg.term();
    this.emit('error', error);
  }

  // Read, fold every message of the group in, write back if unchanged since the read.
  async #apply(g: Group): Promise<void> {
    const kv = this.#buckets[g.bucket];
    for (let attempt = 0; ; attempt++) {
      const entry = await kv.get(g.key);
      const cur = entry && entry.operation === 'PUT' && entry.length > 0 ? entry.json<unknown>() : undefined;
      const next = this.#fold(g, cur);
      if (next === cur) return;
      const text = JSON.stringify(next);
      if (cur !== undefined && JSON.stringify(cur) === text) return;
      try {
        if (entry) await kv.update(g.key, text, entry.revision);
        else await kv.create(g.key, text);
      } catch (err) {
        if (
          attempt < MAX_CAS_RETRIES &&
          /wrong last sequence|key exists/i.test(String((err as Error).message))
        ) {
          this.#conflicts++;
          continue;
        }
        throw err;
      }
      if (g.bucket === 'baselines') await this.#publishStable(g.key, next as FleetBaseline);
      return;
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
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const entry = await kv.get(key);
      if (entry && entry.operation === 'PUT' && entry.length > 0) {
        const cur = entry.json<FleetBaseline>();
        if (cur.version === b.version) return;
      }
      try {
        if (entry) await kv.update(key, JSON.stringify(b), entry.revision);
        else await kv.create(key, JSON.stringify(b));
        this.#stable++;
        this.emit('stable', b);
        return;
      } catch (err) {
        if (!/wrong last sequence|key exists/i.test(String((err as Error).message))) throw err;
        this.#conflicts++;
        // Another hub wrote a newer merge of the same baseline: read it again and compare.
        const main = await this.#buckets.baselines.get(key);
        if (main && main.length > 0) b = main.json<FleetBaseline>();
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
      baselineMerges: this.#merges,
      baselineMergeMs: this.#mergeMs,
      stablePublished: this.#stable,
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
    await Promise.allSettled(this.#loops);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
