import { EventEmitter } from 'eventemitter3';
import { CallAttributionEnricher, type CallAttributionOptions } from '../attribution/enricher.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import type { Finding } from '../findings/finding.js';
import type { EventSource, SourceStats } from '../source/event-source.js';
import type { Consumer, ConsumerContext } from '../stream/consumer.js';
import { type Enricher, type ProcessTree, ProcessTreeEnricher } from '../stream/enricher.js';

/** Events the {@link Vigil} facade emits. */
export interface VigilEvents {
  /** Every enriched batch. */
  batch: (batch: readonly VigilEvent[]) => void;
  /** Every enriched event (only computed when someone listens). */
  event: (event: VigilEvent) => void;
  /** A finding reported by a consumer. */
  finding: (finding: Finding) => void;
  /** A consumer or enricher failed; the stream goes on. */
  error: (error: VigilError) => void;
  /** The run ended. */
  end: (summary: RunSummary) => void;
}

/** What {@link Vigil.run} resolves with. */
export interface RunSummary {
  readonly events: number;
  readonly batches: number;
  readonly findings: number;
  readonly errors: number;
  readonly source: SourceStats;
  readonly durationMs: number;
}

/** Options for the {@link Vigil} facade. */
export interface VigilOptions {
  readonly source: EventSource;
  readonly enrichers?: readonly Enricher[];
  readonly consumers?: readonly Consumer[];
  /**
   * Attribution of events to the tool calls that caused them (a
   * {@link CallAttributionEnricher} after the process tree, unless the
   * enrichers hold one): on by default; `false` leaves it out.
   */
  readonly attribution?: CallAttributionOptions | false;
}

/**
 * The pipeline facade: wires a source through enrichers to consumers and
 * emits typed events. A failing consumer is reported through `error` and the
 * stream goes on.
 *
 * @example
 * ```ts
 * import { DnsEnricher, ProcessTreeEnricher, ReplaySource, Vigil } from '@vigil/core';
 *
 * const vigil = new Vigil({ source: new ReplaySource(['run.vcap']), enrichers: [new DnsEnricher(), new ProcessTreeEnricher()] });
 * vigil.on('finding', (f) => console.log(f.severity, f.title));
 * const summary = await vigil.run();
 * console.log(summary.events);
 * ```
 */
export class Vigil extends EventEmitter<VigilEvents> {
  readonly source: EventSource;
  /** The process tree the pipeline maintains and hands to consumers as `ctx.processes`. */
  readonly processes: ProcessTree;
  readonly #enrichers: Enricher[];
  readonly #consumers: Consumer[];
  #running = false;
  #findings = 0;
  #errors = 0;

  constructor(options: VigilOptions) {
    super();
    this.source = options.source;
    this.#enrichers = [...(options.enrichers ?? [])];
    // One process tree for every consumer: the caller's, or one the pipeline adds last.
    let tree = this.#enrichers.find((e): e is ProcessTreeEnricher => e instanceof ProcessTreeEnricher);
    if (tree === undefined) {
      tree = new ProcessTreeEnricher();
      this.#enrichers.push(tree);
    }
    this.processes = tree;
    if (options.attribution !== false && !this.#enrichers.some((e) => e instanceof CallAttributionEnricher))
      this.#enrichers.splice(
        this.#enrichers.indexOf(tree) + 1,
        0,
        new CallAttributionEnricher(tree, options.attribution ?? {}),
      );
    this.#consumers = [...(options.consumers ?? [])];
  }

  /** Adds a consumer; allowed only before {@link Vigil.run}. */
  use(consumer: Consumer): this {
    if (this.#running) throw new VigilError('USAGE', 'consumers must be added before run()');
    this.#consumers.push(consumer);
    return this;
  }

  /** Runs until the source ends or `signal` aborts, then closes the source. */
  async run(options: { signal?: AbortSignal } = {}): Promise<RunSummary> {
    if (this.#running) throw new VigilError('USAGE', 'run() was already called');
    this.#running = true;
    const started = performance.now();
    let events = 0;
    let batches = 0;
    const ctx: ConsumerContext = {
      report: (finding) => {
        this.#findings++;
        this.emit('finding', finding);
      },
      processes: this.processes,
    };
    const onAbort = () => void this.source.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const c of this.#consumers) await this.#guard(c.name, () => c.start?.(ctx));
      const deliver = async (batch: VigilEvent[], from: number): Promise<void> => {
        for (let i = from; i < this.#enrichers.length; i++) {
          const e = this.#enrichers[i]!;
          try {
            e.enrich(batch);
          } catch (cause) {
            this.#fail(`enricher ${e.name}`, cause);
          }
        }
        // An enricher that orders events may have held the whole batch back.
        if (batch.length === 0) return;
        events += batch.length;
        batches++;
        this.emit('batch', batch);
        if (this.listenerCount('event') > 0) for (const ev of batch) this.emit('event', ev);
        for (const c of this.#consumers) {
          const r = this.#guard(c.name, () => c.onBatch(batch, ctx));
          if (r !== undefined) await r;
        }
      };
      let aborted = false;
      for await (const batch of this.source) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        await deliver(batch, 0);
      }
      // What enrichers still hold goes through the enrichers after them, then to the consumers.
      if (!aborted && !options.signal?.aborted)
        for (const [i, e] of this.#enrichers.entries()) {
          if (e.flush === undefined) continue;
          let rest: VigilEvent[] = [];
          try {
            rest = e.flush();
          } catch (cause) {
            this.#fail(`enricher ${e.name}`, cause);
          }
          if (rest.length > 0) await deliver(rest, i + 1);
        }
      for (const c of this.#consumers) await this.#guard(c.name, () => c.finish?.(ctx));
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await this.source.close();
    }
    const summary: RunSummary = {
      events,
      batches,
      findings: this.#findings,
      errors: this.#errors,
      source: this.source.stats(),
      durationMs: performance.now() - started,
    };
    this.emit('end', summary);
    return summary;
  }

  // Runs a consumer hook; a throw or rejection becomes an `error` event.
  #guard(name: string, fn: () => void | Promise<void> | undefined): Promise<void> | undefined {
    try {
      const r = fn();
      if (r && typeof (r as Promise<void>).then === 'function') {
        return (r as Promise<void>).catch((cause: unknown) => this.#fail(`consumer ${name}`, cause));
      }
    } catch (cause) {
      this.#fail(`consumer ${name}`, cause);
    }
    return undefined;
  }

  #fail(where: string, cause: unknown): void {
    this.#errors++;
    const err =
      cause instanceof VigilError
        ? cause
        : new VigilError(
            'INTERNAL',
            `${where} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          );
    // eventemitter3 does not throw on an unhandled 'error', so a missing listener is safe.
    this.emit('error', err);
  }
}
