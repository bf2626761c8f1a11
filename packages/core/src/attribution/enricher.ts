import type { VigilEvent } from '../events/schema.js';
import type { Enricher, ProcessTree } from '../stream/enricher.js';
import { CallAttributor, type CallAttributorOptions } from './attributor.js';
import { ToolCallDedup } from './internal/tool-call-dedup.js';

/** Options for {@link CallAttributionEnricher}. */
export interface CallAttributionOptions extends CallAttributorOptions {
  /**
   * Stream time (ms) the events of an agent workload are held so that model
   * and tool calls, which a capture delivers when their response completes,
   * are put back at their request's time before the events they caused.
   * A tool call that lasts longer than this is attributed only from its
   * arrival on. Default 15,000.
   */
  readonly reorderWindowMs?: number;
  /** Most events held at once; past it the oldest are released early. Default 50,000. */
  readonly maxHeld?: number;
}

interface Held {
  readonly ev: VigilEvent;
  readonly seq: number;
}

function before(a: Held, b: Held): boolean {
  return a.ev.ts < b.ev.ts || (a.ev.ts === b.ev.ts && a.seq < b.seq);
}

/** A binary min-heap of held events by `ts`, then arrival. */
class HeldEvents {
  readonly #h: Held[] = [];

  get size(): number {
    return this.#h.length;
  }

  peek(): Held | undefined {
    return this.#h[0];
  }

  push(x: Held): void {
    const h = this.#h;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): Held | undefined {
    const h = this.#h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function isCallEvent(ev: VigilEvent): boolean {
  return ev.kind === 'model.call' || ev.kind === 'tool.call' || ev.kind === 'tool.list';
}

/**
 * The pipeline stage that attributes events to the tool calls that caused
 * them (see {@link CallAttributor}) and derives `tool.call` events for an
 * agent's own tools. The {@link Vigil} facade adds it after the process tree
 * unless told not to, so `check`, `learn`, `inspect`, the AI-BOM and the gap
 * analysis all see `cause`.
 *
 * Events of workloads that have shown a model or tool call from a process (payload capture, not OTel spans) are held for
 * `reorderWindowMs` of stream time and released in time order, so a batch
 * may come out shorter (or longer) than it went in; {@link flush} releases
 * the rest when the stream ends. Other workloads pass through untouched.
 *
 * A tool call seen twice, as an OTel span (`vigil check --otel`) and from the
 * kernel's payloads, is passed on once: the first sighting in stream order.
 * They are one call when their call ids are equal, or, without ids on both,
 * when they name the same tool, overlap in time (within two seconds) and ran
 * in the same process tree.
 *
 * @example
 * ```ts
 * import { CallAttributionEnricher, ProcessTreeEnricher, ReplaySource, Vigil } from '@vigil/core';
 *
 * const tree = new ProcessTreeEnricher();
 * const vigil = new Vigil({ source: new ReplaySource(['agent.vcap']), enrichers: [tree, new CallAttributionEnricher(tree)] });
 * vigil.on('event', (ev) => ev.cause && console.log(ev.kind, ev.cause.toolName, ev.cause.toolCallId));
 * await vigil.run();
 * ```
 */
export class CallAttributionEnricher implements Enricher {
  readonly name = 'call-attribution';
  readonly attributor: CallAttributor;
  readonly #lagNs: number;
  readonly #maxHeld: number;
  readonly #held = new HeldEvents();
  readonly #agentWorkloads = new Set<string>();
  readonly #dedup: ToolCallDedup;
  #seq = 0;
  #watermark = 0;
  #lastWorkload: object | undefined;
  #lastActive = false;

  constructor(processes: ProcessTree, options: CallAttributionOptions = {}) {
    this.attributor = new CallAttributor(processes, options);
    this.#dedup = new ToolCallDedup(processes);
    this.#lagNs = Math.max(0, options.reorderWindowMs ?? 15_000) * 1e6;
    this.#maxHeld = Math.max(1, options.maxHeld ?? 50_000);
  }

  /** Tool calls dropped as a second sighting (span and kernel) of a call already passed on. */
  get duplicateCalls(): number {
    return this.#dedup.dropped;
  }

  /** Events held now, waiting for stream time to pass them. */
  get held(): number {
    return this.#held.size;
  }

  enrich(batch: VigilEvent[]): void {
    if (batch.length === 0) return;
    let keep = 0;
    for (const ev of batch) {
      // Calls arrive late by design; only the other events move stream time on.
      if (!isCallEvent(ev)) {
        if (ev.ts > this.#watermark) this.#watermark = ev.ts;
      } else if (ev.pid !== 0 && !this.#agentWorkloads.has(ev.workload.id)) {
        // A call seen from a process (payload capture), not a span: this workload's events get ordered.
        this.#agentWorkloads.add(ev.workload.id);
        this.#lastWorkload = undefined;
      }
      if (this.#active(ev)) this.#held.push({ ev, seq: this.#seq++ });
      else batch[keep++] = ev;
    }
    batch.length = keep;
    this.#release(batch, this.#watermark - this.#lagNs);
    this.#dedup.filter(batch);
  }

  /** Releases every held event, in time order, attributed. */
  flush(): VigilEvent[] {
    const out: VigilEvent[] = [];
    this.#release(out, Number.POSITIVE_INFINITY);
    this.#dedup.filter(out);
    return out;
  }

  #active(ev: VigilEvent): boolean {
    if (ev.workload !== this.#lastWorkload) {
      this.#lastWorkload = ev.workload;
      this.#lastActive = this.#agentWorkloads.has(ev.workload.id);
    }
    return this.#lastActive;
  }

  #release(out: VigilEvent[], upTo: number): void {
    for (;;) {
      const top = this.#held.peek();
      if (top === undefined) return;
      if (top.ev.ts > upTo && this.#held.size <= this.#maxHeld) return;
      this.#held.pop();
      out.push(top.ev);
      // Derived calls belong at the response's end: back into the order.
      for (const d of this.attributor.attribute(top.ev)) this.#held.push({ ev: d, seq: this.#seq++ });
    }
  }
}
