import type { EventOf, VigilEvent } from '../../events/schema.js';
import type { ProcessTree } from '../../stream/enricher.js';

/** How far apart (ns) a span's call and a call seen from the kernel may start and still be one call. */
const SLACK_NS = 2e9;
/** Calls kept for matching, per stream; the oldest are forgotten first. */
const MAX_KEPT = 4096;

interface Kept {
  readonly ev: EventOf<'tool.call'>;
  readonly from: number;
  readonly to: number;
  matched: boolean;
}

function fromSpan(ev: VigilEvent): boolean {
  return ev.source === 'otel';
}

/**
 * Drops the second sighting of one tool call: an OTel `execute_tool` (or MCP
 * `tools/call`) span and the `tool.call` the kernel's payloads gave for the
 * same call. Two calls are one when both have a call id and the ids are
 * equal; otherwise when they name the same tool, their times overlap (within
 * two seconds) and they ran in the same process tree (same pid, same tree
 * root, or, for a span without a pid, the same workload). Each call absorbs
 * at most one duplicate; the first in stream order is kept.
 */
export class ToolCallDedup {
  readonly #tree: ProcessTree;
  readonly #kept: Kept[] = [];
  #dropped = 0;

  constructor(tree: ProcessTree) {
    this.#tree = tree;
  }

  /** Calls dropped as the second sighting of a call already passed on. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Removes, in place, every `tool.call` of `batch` that repeats one already passed on. */
  filter(batch: VigilEvent[]): void {
    let keep = 0;
    for (const ev of batch) {
      if (ev.kind !== 'tool.call' || !this.#duplicate(ev)) batch[keep++] = ev;
      else this.#dropped++;
    }
    batch.length = keep;
  }

  #duplicate(ev: EventOf<'tool.call'>): boolean {
    const from = ev.ts;
    const to = ev.ts + (ev.durationMs ?? 0) * 1e6;
    const span = fromSpan(ev);
    const kept = this.#kept;
    // Forget calls that ended long before this one started (the stream is in time order).
    let old = 0;
    while (old < kept.length && kept[old]!.to + 60e9 < from) old++;
    if (old > 0) kept.splice(0, old);
    for (const k of kept) {
      if (k.matched || fromSpan(k.ev) === span || k.ev.tool !== ev.tool) continue;
      const a = k.ev.callId;
      const b = ev.callId;
      if (a !== undefined && b !== undefined) {
        if (a !== b) continue;
      } else if (from > k.to + SLACK_NS || k.from > to + SLACK_NS || !this.#sameTree(k.ev, ev)) continue;
      k.matched = true;
      return true;
    }
    if (kept.length >= MAX_KEPT) kept.shift();
    kept.push({ ev, from, to, matched: false });
    return false;
  }

  #sameTree(a: VigilEvent, b: VigilEvent): boolean {
    if (a.pid === 0 || b.pid === 0) return a.workload.id === b.workload.id;
    if (a.pid === b.pid) return true;
    return this.#tree.root(a.pid) === this.#tree.root(b.pid);
  }
}
