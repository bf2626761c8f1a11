import { closeSync, openSync, writeSync } from 'node:fs';
import type { AiBom, Baseline, Finding, Incident, ObservedUseDocument, VigilEvent } from '@vigil/core';

/**
 * Where a `NodeDaemon` sends what it finds and learns: a
 * `FleetPublisher` (NATS JetStream, with its spool) or JSON lines. The method names are the
 * publisher's; every method may return a promise, which the daemon awaits
 * only at {@link DaemonSink.flush} (publishing never blocks the sensor).
 *
 * @example
 * ```ts
 * const sink: DaemonSink = new JsonLinesSink('-');
 * ```
 */
export interface DaemonSink {
  publishFinding(finding: Finding): unknown;
  publishIncident(incident: Incident): unknown;
  /** A baseline that changed since it was last sent (the whole baseline: merging is idempotent). */
  publishBaseline(workloadKey: string, baseline: Baseline): unknown;
  /** The AI-BOM of one workload on this node (the latest replaces the previous). */
  publishAiBom(observation: { readonly workloadKey: string; readonly bom: AiBom }): unknown;
  /** What one workload on this node used of its permissions, for gap analysis (the latest replaces the previous). */
  publishGap(observation: { readonly workloadKey: string; readonly observed: ObservedUseDocument }): unknown;
  /** Raw events, when the daemon is configured to send them. */
  publishEvents?(events: readonly VigilEvent[]): unknown;
  /** Resolves once everything handed over so far is delivered or kept. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** One line a {@link JsonLinesSink} writes. */
export type DaemonRecord =
  | { readonly type: 'finding'; readonly node: string; readonly finding: Finding }
  | { readonly type: 'incident'; readonly node: string; readonly incident: Incident }
  | {
      readonly type: 'baseline';
      readonly node: string;
      readonly workloadKey: string;
      readonly baseline: ReturnType<Baseline['toDocument']>;
    }
  | { readonly type: 'aibom'; readonly node: string; readonly workloadKey: string; readonly aibom: AiBom }
  | {
      readonly type: 'gap';
      readonly node: string;
      readonly workloadKey: string;
      readonly observed: ObservedUseDocument;
    }
  | { readonly type: 'events'; readonly node: string; readonly events: readonly VigilEvent[] };

/**
 * A {@link DaemonSink} that writes one JSON object per line ({@link DaemonRecord})
 * to a file (appended) or, for `-`, to standard output. Each line is written
 * whole with one `write`, so a reader tailing the file never sees half a record.
 *
 * @example
 * ```ts
 * import { JsonLinesSink } from '@vigil/fleet';
 *
 * const sink = new JsonLinesSink('/var/log/vigil/daemon.jsonl', { node: 'node-a' });
 * ```
 */
export class JsonLinesSink implements DaemonSink {
  readonly path: string;
  readonly node: string;
  readonly #fd: number;
  #closed = false;
  #lines = 0;

  constructor(path: string, options: { readonly node?: string } = {}) {
    this.path = path;
    this.node = options.node ?? '';
    this.#fd = path === '-' ? 1 : openSync(path, 'a');
  }

  /** Lines written so far. */
  get lines(): number {
    return this.#lines;
  }

  #write(record: DaemonRecord): void {
    if (this.#closed) return;
    const buf = Buffer.from(`${JSON.stringify(record)}\n`);
    let off = 0;
    while (off < buf.length) off += writeSync(this.#fd, buf, off, buf.length - off);
    this.#lines++;
  }

  publishFinding(finding: Finding): void {
    this.#write({ type: 'finding', node: this.node, finding });
  }

  publishIncident(incident: Incident): void {
    this.#write({ type: 'incident', node: this.node, incident });
  }

  publishBaseline(workloadKey: string, baseline: Baseline): void {
    this.#write({ type: 'baseline', node: this.node, workloadKey, baseline: baseline.toDocument() });
  }

  publishAiBom(observation: { readonly workloadKey: string; readonly bom: AiBom }): void {
    this.#write({
      type: 'aibom',
      node: this.node,
      workloadKey: observation.workloadKey,
      aibom: observation.bom,
    });
  }

  publishGap(observation: { readonly workloadKey: string; readonly observed: ObservedUseDocument }): void {
    this.#write({
      type: 'gap',
      node: this.node,
      workloadKey: observation.workloadKey,
      observed: observation.observed,
    });
  }

  publishEvents(events: readonly VigilEvent[]): void {
    this.#write({ type: 'events', node: this.node, events });
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#fd !== 1) closeSync(this.#fd);
  }
}
