import type { Finding, VigilEvent } from '@vigil/core';
import { VigilError } from '@vigil/core';
import type { FleetOtlpExporter, OtlpRelayStats } from '../otlp.js';

/**
 * Queues findings and model/tool-call events and exports them in batches
 * every `intervalMs` (and at {@link OtlpRelay.close}): the daemon and the
 * hub never wait for the collector. OTLP is a copy for observability
 * tools; the durable path is JetStream, so a batch the collector refuses is
 * counted as dropped and reported, not retried.
 */
export class OtlpRelay {
  readonly #exporter: FleetOtlpExporter;
  readonly #maxQueued: number;
  readonly #onError: (e: VigilError) => void;
  #findings: Finding[] = [];
  #events: VigilEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  #stats = { findings: 0, events: 0, requests: 0, dropped: 0, failures: 0 };
  #closed = false;

  constructor(options: {
    readonly exporter: FleetOtlpExporter;
    readonly intervalMs?: number;
    readonly maxQueued?: number;
    readonly onError: (e: VigilError) => void;
  }) {
    this.#exporter = options.exporter;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#onError = options.onError;
    this.#timer = setInterval(() => void this.flush(), options.intervalMs ?? 5_000);
    this.#timer.unref();
  }

  add(input: { readonly findings?: readonly Finding[]; readonly events?: readonly VigilEvent[] }): void {
    if (this.#closed) return;
    for (const f of input.findings ?? []) {
      if (this.#findings.length + this.#events.length >= this.#maxQueued) this.#stats.dropped++;
      else this.#findings.push(f);
    }
    for (const e of input.events ?? []) {
      if (e.kind !== 'model.call' && e.kind !== 'tool.call') continue;
      if (this.#findings.length + this.#events.length >= this.#maxQueued) this.#stats.dropped++;
      else this.#events.push(e);
    }
  }

  /** Exports what is queued; resolves when the collector answered (or failed). */
  flush(): Promise<void> {
    this.#sending = this.#sending.then(async () => {
      const findings = this.#findings;
      const events = this.#events;
      if (findings.length === 0 && events.length === 0) return;
      this.#findings = [];
      this.#events = [];
      this.#stats.requests++;
      try {
        await this.#exporter.export({ findings, events });
        this.#stats.findings += findings.length;
        this.#stats.events += events.length;
      } catch (err) {
        this.#stats.failures++;
        this.#stats.dropped += findings.length + events.length;
        this.#onError(
          err instanceof VigilError
            ? err
            : new VigilError('IO', `OTLP export failed: ${(err as Error).message}`, { cause: err }),
        );
      }
    });
    return this.#sending;
  }

  stats(): OtlpRelayStats {
    return { ...this.#stats };
  }

  /** Exports what is left and stops. Idempotent. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
    this.#closed = true;
  }
}
