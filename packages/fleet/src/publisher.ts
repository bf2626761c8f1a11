import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  type AiBom,
  type Baseline,
  type BaselineKeyFn,
  type Consumer,
  defaultBaselineKey,
  type Finding,
  type Incident,
  type ObservedUseDocument,
  type Vigil,
  VigilError,
  type VigilEvent,
} from '@vigil/core';
import { EventEmitter } from 'eventemitter3';
import { FLEET_MESSAGE_VERSION, type FleetMessage, fleetMessageId, type NodeContext } from './message.js';
import { Spool, type SpoolStats } from './spool/spool.js';
import { ensureFleetStreams, type FleetStreamOptions, natsError } from './streams.js';
import {
  DEFAULT_FLEET_PARTITIONS,
  FLEET_MESSAGE_KINDS,
  type FleetMessageKind,
  fleetSubject,
} from './subjects.js';

/**
 * Which events a publisher sends (events are many; findings, baselines and
 * observations always go).
 *
 * @example
 * ```ts
 * const events: FleetEventSelection = { kinds: ['process.exec', 'net.connect'], sampleRate: 0.1 };
 * ```
 */
export interface FleetEventSelection {
  /** Only these event kinds. Default: every kind. */
  readonly kinds?: readonly string[];
  /** The share of the selected events sent, 0 to 1 (every n-th per workload). Default 0: none. */
  readonly sampleRate?: number;
  /** At most this many events per message. Default 500. */
  readonly maxPerMessage?: number;
}

/**
 * Options of a {@link FleetPublisher}.
 *
 * @example
 * ```ts
 * const options: FleetPublisherOptions = { servers: 'nats://127.0.0.1:4222', spoolDir: '/var/lib/vigil/spool', node: 'node-a' };
 * ```
 */
export interface FleetPublisherOptions {
  /** NATS server URLs; or pass `connection`. */
  readonly servers?: string | readonly string[];
  /** A connection the caller owns (not closed by {@link FleetPublisher.close}). */
  readonly connection?: NatsConnection;
  /** The folder of the spool (one per publisher). */
  readonly spoolDir: string;
  /** The spool's byte cap. Default 256 MiB. */
  readonly spoolMaxBytes?: number;
  /** The spool's segment size. Default 8 MiB. */
  readonly spoolSegmentBytes?: number;
  /** This node's name. Default: the host name. */
  readonly node?: string;
  readonly cluster?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** How many partitions subjects are split into; the same for every publisher and hub. Default 16. */
  readonly partitions?: number;
  /** Which events are sent. Default: none. */
  readonly events?: FleetEventSelection;
  /** Maps a workload to its key (the baseline subject). Default: core's `defaultBaselineKey`. */
  readonly baselineKey?: BaselineKeyFn;
  /** Publishes in flight at once. Default 256. */
  readonly window?: number;
  /** How long to wait for JetStream's acknowledgement. Default 5 s. */
  readonly ackTimeoutMs?: number;
  /** Makes the fleet streams when missing (false: leave it to the hub). Default true. */
  readonly ensureStreams?: boolean | FleetStreamOptions;
}

/**
 * What a publisher did: per kind enqueued and refused (the spool's cap),
 * sent and acknowledged, and the spool.
 *
 * @example
 * ```ts
 * const s = publisher.stats();
 * if (s.refused > 0) console.warn(`${s.refused} messages over the spool cap`);
 * ```
 */
export interface FleetPublisherStats {
  readonly enqueued: Readonly<Record<FleetMessageKind, number>>;
  /** Messages the spool refused (its cap), per kind. Counted, never silently lost. */
  readonly refusedByKind: Readonly<Record<FleetMessageKind, number>>;
  /** All refused messages. */
  readonly refused: number;
  /** Messages JetStream acknowledged. */
  readonly acknowledged: number;
  /** Acknowledgements that said JetStream already had the message id. */
  readonly duplicates: number;
  /** Events offered to {@link FleetPublisher.publishEvents} that the selection left out. */
  readonly eventsNotSelected: number;
  /** Failed publish attempts (each retried from the spool). */
  readonly failedAttempts: number;
  readonly connected: boolean;
  readonly lastError: string | undefined;
  readonly spool: SpoolStats;
}

/**
 * Options of {@link FleetPublisher.publishFinding} and {@link FleetPublisher.publishIncident}.
 *
 * @example
 * ```ts
 * publisher.publishFinding(finding, { workloadKey: 'k8s:ai/agent/agent' });
 * ```
 */
export interface FleetPublishContext {
  /** The workload key (baseline subject); default: from the finding's workload. */
  readonly workloadKey?: string;
}

/**
 * Events a {@link FleetPublisher} emits.
 *
 * @example
 * ```ts
 * publisher.on('error', (e) => console.error(e.message));
 * ```
 */
export interface FleetPublisherEvents {
  /** A delivery or spool problem; the publisher goes on. */
  error: (error: VigilError) => void;
  /** Messages JetStream acknowledged, in spool order. */
  acknowledged: (count: number) => void;
}

const zeroCounts = (): Record<FleetMessageKind, number> =>
  Object.fromEntries(FLEET_MESSAGE_KINDS.map((k) => [k, 0])) as Record<FleetMessageKind, number>;

/**
 * Publishes what one node finds and learns to NATS JetStream: findings,
 * incidents, baseline deltas, AI-BOM and gap observations and (selected)
 * events, on subjects partitioned by workload, each with a stable message id
 * and the node's context. Every publish is a synchronous append to an
 * fsynced on-disk spool and returns at once; a background sender drains the
 * spool in order while NATS is reachable and waits while it is not. What the
 * spool's cap refuses is counted in {@link FleetPublisher.stats}.
 *
 * @example
 * ```ts
 * import { FleetPublisher } from '@vigil/fleet';
 *
 * const publisher = await FleetPublisher.open({ servers: 'nats://127.0.0.1:4222', spoolDir: '/var/lib/vigil/spool' });
 * publisher.attach(vigil); // findings and selected events of a Vigil pipeline
 * publisher.publishBaseline(baseline.subject, baseline);
 * await publisher.flush();
 * await publisher.close();
 * ```
 */
export class FleetPublisher extends EventEmitter<FleetPublisherEvents> {
  readonly node: NodeContext;
  readonly partitions: number;
  readonly #options: FleetPublisherOptions;
  readonly #spool: Spool;
  readonly #baselineKey: BaselineKeyFn;
  readonly #window: number;
  readonly #enqueued = zeroCounts();
  readonly #refused = zeroCounts();
  readonly #eventSeq = new Map<string, { seq: number; skip: number }>();
  #acknowledged = 0;
  #duplicates = 0;
  #notSelected = 0;
  #failed = 0;
  #lastError: string | undefined;
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #connected = false;
  #closed = false;
  #flushScheduled = false;
  #wake: (() => void) | undefined;
  #idle: (() => void)[] = [];
  #sender: Promise<void> | undefined;

  private constructor(options: FleetPublisherOptions, spool: Spool) {
    super();
    this.#options = options;
    this.#spool = spool;
    this.partitions = options.partitions ?? DEFAULT_FLEET_PARTITIONS;
    this.#baselineKey = options.baselineKey ?? defaultBaselineKey;
    this.#window = Math.max(1, options.window ?? 256);
    this.node = {
      node: options.node ?? hostname(),
      instance: randomUUID(),
      ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
      ...(options.labels !== undefined ? { labels: { ...options.labels } } : {}),
    };
  }

  /**
   * Opens the spool (what an earlier run left is sent first) and starts
   * connecting in the background: it resolves without waiting for NATS.
   */
  static async open(options: FleetPublisherOptions): Promise<FleetPublisher> {
    if (options.servers === undefined && options.connection === undefined) {
      throw new VigilError('USAGE', 'FleetPublisher needs servers or a connection');
    }
    const spool = Spool.open({
      dir: options.spoolDir,
      ...(options.spoolMaxBytes !== undefined ? { maxBytes: options.spoolMaxBytes } : {}),
      ...(options.spoolSegmentBytes !== undefined ? { segmentBytes: options.spoolSegmentBytes } : {}),
    });
    const p = new FleetPublisher(options, spool);
    p.#sender = p.#run();
    return p;
  }

  /** Publishes a finding (its workload key from the finding's workload unless given). */
  publishFinding(finding: Finding, ctx: FleetPublishContext = {}): boolean {
    return this.#enqueue('finding', ctx.workloadKey ?? this.#baselineKey(finding.workload).subject, finding);
  }

  /** Publishes an incident. */
  publishIncident(incident: Incident, ctx: FleetPublishContext = {}): boolean {
    return this.#enqueue(
      'incident',
      ctx.workloadKey ?? this.#baselineKey(incident.workload).subject,
      incident,
    );
  }

  /**
   * Publishes this node's view of a workload's baseline. Merges are
   * commutative, associative and idempotent (counts are kept per origin), so
   * the whole local baseline is the delta: sending it again changes nothing.
   */
  publishBaseline(workloadKey: string, baseline: Baseline): boolean {
    return this.#enqueue('baseline', workloadKey, baseline.toDocument());
  }

  /** Publishes this node's AI-BOM of one workload (its latest snapshot replaces the previous one). */
  publishAiBom(observation: { readonly workloadKey: string; readonly bom: AiBom }): boolean {
    return this.#enqueue('aibom', observation.workloadKey, observation.bom);
  }

  /** Publishes this node's observed use of one workload, for fleet gap analysis (latest snapshot wins). */
  publishGap(observation: { readonly workloadKey: string; readonly observed: ObservedUseDocument }): boolean {
    return this.#enqueue('gap', observation.workloadKey, observation.observed);
  }

  /**
   * Publishes the selected share of `events`, grouped by workload. Returns
   * how many were enqueued.
   */
  publishEvents(events: readonly VigilEvent[]): number {
    const sel = this.#options.events;
    const rate = sel?.sampleRate ?? 0;
    const kinds = sel?.kinds ? new Set(sel.kinds) : undefined;
    const max = Math.max(1, sel?.maxPerMessage ?? 500);
    const byWorkload = new Map<string, VigilEvent[]>();
    for (const ev of events) {
      if (rate <= 0 || (kinds && !kinds.has(ev.kind))) {
        this.#notSelected++;
        continue;
      }
      const key = this.#baselineKey(ev.workload).subject;
      const state = this.#eventSeq.get(key) ?? { seq: 0, skip: 0 };
      this.#eventSeq.set(key, state);
      // Every n-th event per workload: deterministic, and spread over the stream.
      state.skip += rate;
      if (state.skip < 1) {
        this.#notSelected++;
        continue;
      }
      state.skip -= 1;
      const list = byWorkload.get(key);
      if (list) list.push(ev);
      else byWorkload.set(key, [ev]);
    }
    let sent = 0;
    for (const [key, list] of byWorkload) {
      const state = this.#eventSeq.get(key)!;
      for (let i = 0; i < list.length; i += max) {
        const chunk = list.slice(i, i + max);
        state.seq += chunk.length;
        if (this.#enqueue('events', key, { seq: state.seq, events: chunk })) sent += chunk.length;
      }
    }
    return sent;
  }

  /**
   * Plugs the publisher into a pipeline: every finding the pipeline reports,
   * and the selected events of every batch, are published.
   */
  attach(vigil: Vigil): this {
    vigil.on('finding', (f) => this.publishFinding(f));
    vigil.use(this.consumer());
    return this;
  }

  /** A pipeline consumer that publishes the selected events of every batch. */
  consumer(): Consumer {
    return {
      name: 'fleet-publisher',
      onBatch: (batch) => {
        if ((this.#options.events?.sampleRate ?? 0) > 0) this.publishEvents(batch);
      },
    };
  }

  #enqueue(kind: FleetMessageKind, workloadKey: string, body: unknown): boolean {
    if (this.#closed) throw new VigilError('SOURCE_CLOSED', 'the fleet publisher is closed');
    const bodyText = JSON.stringify(body);
    const id = fleetMessageId(kind, this.node.node, workloadKey, bodyText);
    const message: FleetMessage = {
      v: FLEET_MESSAGE_VERSION,
      kind,
      node: this.node,
      workloadKey,
      ts: Date.now(),
      body,
    };
    const ok = this.#spool.append({
      subject: fleetSubject(kind, workloadKey, this.partitions),
      msgId: id,
      data: JSON.stringify(message),
    });
    if (ok) this.#enqueued[kind]++;
    else this.#refused[kind]++;
    this.#scheduleFlush();
    return ok;
  }

  // Batches the fsync of everything enqueued in one turn of the event loop.
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      try {
        this.#spool.flush();
      } catch (err) {
        this.#report(err);
      }
      this.#wake?.();
    });
  }

  async #connect(): Promise<void> {
    while (!this.#closed && this.#nc === undefined) {
      try {
        const nc =
          this.#options.connection ??
          (await connect({
            servers:
              typeof this.#options.servers === 'string' ? this.#options.servers : [...this.#options.servers!],
            name: `vigil-publisher ${this.node.node}`,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 250,
          }));
        if (this.#closed) {
          if (!this.#options.connection) await nc.close();
          return;
        }
        this.#nc = nc;
        this.#connected = !nc.isClosed();
        void this.#watchStatus(nc);
      } catch (err) {
        this.#report(natsError('fleet publisher cannot reach NATS', err));
        await this.#sleep(500);
      }
    }
    const ensure = this.#options.ensureStreams ?? true;
    while (!this.#closed && ensure !== false) {
      try {
        await ensureFleetStreams(this.#nc!, ensure === true ? {} : ensure);
        break;
      } catch (err) {
        this.#report(err);
        await this.#sleep(500);
      }
    }
    if (this.#nc) this.#js = jetstream(this.#nc, { timeout: this.#options.ackTimeoutMs ?? 5000 });
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.#connected = false;
      else if (s.type === 'reconnect') {
        this.#connected = true;
        this.#wake?.();
      }
    }
  }

  async #run(): Promise<void> {
    await this.#connect();
    if (this.#closed) return;
    let backoff = 100;
    while (!this.#closed) {
      let batch: ReturnType<Spool['read']>;
      try {
        batch = this.#spool.read(this.#window);
      } catch (err) {
        this.#report(err);
        await this.#sleep(1000);
        continue;
      }
      for (const e of this.#spool.errors.splice(0)) this.emit('error', e);
      if (batch.length === 0) {
        for (const f of this.#idle.splice(0)) f();
        await this.#sleep(1000);
        continue;
      }
      const js = this.#js!;
      const results = await Promise.allSettled(
        batch.map((r) => js.publish(r.record.subject, r.record.data, { msgID: r.record.msgId })),
      );
      let ok = 0;
      for (const r of results) {
        if (r.status !== 'fulfilled') break;
        if (r.value.duplicate) this.#duplicates++;
        ok++;
      }
      if (ok > 0) {
        try {
          this.#spool.ack(batch[ok - 1]!.position);
        } catch (err) {
          this.#report(natsError('cannot record delivered spool records', err));
        }
        this.#acknowledged += ok;
        this.emit('acknowledged', ok);
      }
      if (ok < batch.length) {
        // Resend from the first unacknowledged record; JetStream drops ids it already has.
        this.#failed++;
        this.#spool.rewind();
        const reason = results[ok] as PromiseRejectedResult;
        this.#lastError = String((reason.reason as Error)?.message ?? reason.reason);
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      } else backoff = 100;
    }
  }

  #sleep(msTime: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, msTime);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  #report(err: unknown): void {
    const e = err instanceof VigilError ? err : natsError('fleet publisher', err);
    this.#lastError = e.message;
    this.emit('error', e);
  }

  /**
   * Resolves when everything enqueued so far is acknowledged by JetStream;
   * rejects with a VigilError (`IO`) when `timeoutMs` passes first.
   */
  async flush(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    this.#spool.flush();
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (this.#spool.pending) {
      if (this.#closed)
        throw new VigilError('SOURCE_CLOSED', 'the fleet publisher closed before the spool drained');
      if (Date.now() > deadline) {
        throw new VigilError(
          'IO',
          `the fleet spool did not drain in time (${this.#spool.stats().bytes} bytes wait${this.#lastError ? `; last error: ${this.#lastError}` : ''})`,
        );
      }
      this.#wake?.();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.#idle.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  stats(): FleetPublisherStats {
    const refused = Object.values(this.#refused).reduce((a, b) => a + b, 0);
    return {
      enqueued: { ...this.#enqueued },
      refusedByKind: { ...this.#refused },
      refused,
      acknowledged: this.#acknowledged,
      duplicates: this.#duplicates,
      eventsNotSelected: this.#notSelected,
      failedAttempts: this.#failed,
      connected: this.#connected,
      lastError: this.#lastError,
      spool: this.#spool.stats(),
    };
  }

  /**
   * Stops sending and closes the spool; what is not yet acknowledged stays
   * on disk for the next run. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    try {
      await this.#sender;
    } finally {
      this.#spool.close();
      if (this.#nc && !this.#options.connection) await this.#nc.close().catch(() => undefined);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
