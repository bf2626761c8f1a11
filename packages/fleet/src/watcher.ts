import type { KvWatchEntry } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Baseline, BaselineSet, VigilError } from '@vigil/core';
import { EventEmitter } from 'eventemitter3';
import { type FleetBaseline, FleetBaselineSchema } from './records.js';
import { FLEET_BUCKETS, natsError } from './streams.js';

/**
 * Events a {@link FleetBaselineWatcher} emits.
 *
 * @example
 * ```ts
 * watcher.on('baseline', (b) => console.log(b.subject, b.version));
 * ```
 */
export interface FleetBaselineWatcherEvents {
  /** A stable fleet baseline, new or changed. */
  baseline: (baseline: Baseline, record: FleetBaseline) => void;
  /** A record that is not a fleet baseline; the watch goes on. */
  error: (error: VigilError) => void;
}

/**
 * Follows the stable baselines the fleet hub publishes: what a daemon checks
 * (and, with enforcement, enforces) against. `set` always holds the latest
 * stable baseline of every workload and version.
 *
 * @example
 * ```ts
 * import { FleetBaselineWatcher } from '@vigil/fleet';
 *
 * const watcher = await FleetBaselineWatcher.start({ servers: 'nats://127.0.0.1:4222' });
 * watcher.on('baseline', (b) => console.log('stable', b.subject, b.version));
 * const current = watcher.set.forWorkload(event.workload);
 * ```
 */
export class FleetBaselineWatcher extends EventEmitter<FleetBaselineWatcherEvents> {
  /** The latest stable baselines. */
  set = new BaselineSet();
  readonly #nc: NatsConnection;
  readonly #owned: boolean;
  readonly #map = new Map<string, Baseline>();
  #stop: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  private constructor(nc: NatsConnection, owned: boolean) {
    super();
    this.#nc = nc;
    this.#owned = owned;
  }

  /** Connects and starts watching; resolves once the current stable baselines are read. */
  static async start(options: {
    readonly servers?: string | readonly string[];
    readonly connection?: NatsConnection;
  }): Promise<FleetBaselineWatcher> {
    let nc = options.connection;
    if (!nc) {
      if (options.servers === undefined)
        throw new VigilError('USAGE', 'FleetBaselineWatcher needs servers or a connection');
      try {
        nc = await connect({
          servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
          name: 'vigil-baseline-watcher',
          maxReconnectAttempts: -1,
        });
      } catch (err) {
        throw natsError(`cannot connect to NATS at ${String(options.servers)}`, err);
      }
    }
    const w = new FleetBaselineWatcher(nc, !options.connection);
    try {
      const kv = await new Kvm(nc).create(FLEET_BUCKETS.stableBaselines, { history: 1 });
      const it = await kv.watch();
      w.#stop = () => it.stop();
      let ready!: () => void;
      const initial = new Promise<void>((resolve) => {
        ready = resolve;
      });
      // The watch delivers the current values first; a watch on an empty bucket is ready at once.
      const status = await kv.status();
      if (status.values === 0) ready();
      let seen = 0;
      w.#loop = (async () => {
        for await (const e of it) {
          w.#take(e);
          if (++seen >= status.values || e.delta === 0) ready();
        }
        ready();
      })();
      await initial;
      return w;
    } catch (err) {
      await w.close();
      throw err instanceof VigilError ? err : natsError('cannot watch the stable fleet baselines', err);
    }
  }

  #take(e: KvWatchEntry): void {
    if (e.operation !== 'PUT' || e.length === 0) return;
    const r = FleetBaselineSchema.safeParse(e.json<unknown>());
    if (!r.success) {
      this.emit(
        'error',
        new VigilError('SCHEMA_INVALID', `stable baseline ${e.key}: not a Vigil fleet baseline`, {
          location: { file: FLEET_BUCKETS.stableBaselines, path: [e.key] },
        }),
      );
      return;
    }
    const b = Baseline.fromDocument(r.data.baseline);
    this.#map.set(e.key, b);
    this.set = new BaselineSet(this.#map.values());
    this.emit('baseline', b, r.data);
  }

  /** Stops watching. Idempotent. */
  async close(): Promise<void> {
    this.#stop?.();
    this.#stop = undefined;
    await this.#loop?.catch(() => undefined);
    if (this.#owned && !this.#nc.isClosed()) await this.#nc.close().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
