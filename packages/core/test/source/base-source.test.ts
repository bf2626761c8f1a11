import { describe, expect, it } from 'vitest';
import { EventSourceBase, isVigilError, MemorySource, type VigilEvent } from '../../src/index.js';
import { sampleEvent } from '../helpers/events.js';

class CountingSource extends EventSourceBase {
  override readonly name = 'counting';
  closes = 0;
  constructor(readonly batches: VigilEvent[][]) {
    super();
  }
  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    this.begin('a CountingSource');
    for (const b of this.batches) {
      if (this.closed) return;
      this.drop('filtered', 1);
      yield this.deliver(b);
    }
  }
  protected override onClose(): void {
    this.closes++;
  }
}

describe('EventSourceBase', () => {
  it('counts events, batches and drops, iterates once, and closes once however often close is called', async () => {
    const s = new CountingSource([[sampleEvent(1), sampleEvent(2)], [sampleEvent(3)]]);
    let seen = 0;
    for await (const b of s) seen += b.length;
    expect(seen).toBe(3);
    expect(s.stats()).toEqual({ events: 3, batches: 2, drops: { filtered: 2 } });
    let error: unknown;
    try {
      for await (const _ of s) break;
    } catch (e) {
      error = e;
    }
    expect(isVigilError(error) && error.code).toBe('SOURCE_CLOSED');
    expect((error as Error).message).toContain('a CountingSource can be iterated once');
    await s.close();
    await s[Symbol.asyncDispose]();
    expect(s.closes).toBe(1);
  });

  it('ends an iteration when closed between batches, delivering nothing more', async () => {
    const s = new MemorySource([sampleEvent(1), sampleEvent(2), sampleEvent(3)], { batchSize: 1 });
    const got: VigilEvent[][] = [];
    for await (const b of s) {
      got.push(b);
      await s.close();
    }
    expect(got).toHaveLength(1);
    expect(s.stats()).toEqual({ events: 1, batches: 1, drops: {} });
  });
});
