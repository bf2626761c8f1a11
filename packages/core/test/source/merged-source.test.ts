import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemorySource, MergedSource, type VigilEvent } from '../../src/index.js';
import { sampleEvent } from '../helpers/events.js';

const at = (i: number, ts: number, tag: string): VigilEvent => ({ ...sampleEvent(i), ts, comm: tag });

async function drain(source: MergedSource): Promise<VigilEvent[][]> {
  const out: VigilEvent[][] = [];
  for await (const b of source) out.push(b);
  return out;
}

describe('MergedSource', () => {
  it('property: any two time-ordered streams, any batching, come out as one stream in time order, nothing lost', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        async (a, b, ba, bb) => {
          const left = a.sort((x, y) => x - y).map((t, i) => at(i, t, 'left'));
          const right = b.sort((x, y) => x - y).map((t, i) => at(i, t, 'right'));
          const merged = new MergedSource([
            new MemorySource(left, { batchSize: ba }),
            new MemorySource(right, { batchSize: bb }),
          ]);
          const out = (await drain(merged)).flat();
          expect(out).toHaveLength(left.length + right.length);
          for (let i = 1; i < out.length; i++) expect(out[i]!.ts).toBeGreaterThanOrEqual(out[i - 1]!.ts);
          // Ties keep the order of the sources given; each source keeps its own order.
          for (let i = 1; i < out.length; i++)
            if (out[i]!.ts === out[i - 1]!.ts)
              expect(out[i - 1]!.comm === 'right' && out[i]!.comm === 'left').toBe(false);
          expect(out.filter((e) => e.comm === 'left')).toEqual(left);
          expect(merged.stats().events).toBe(out.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('holds about one batch per source: a long stream is not read ahead of a slower one', async () => {
    const spans = [at(0, 500, 'otel')];
    const capture = Array.from({ length: 100 }, (_, i) => at(i, i * 10, 'cap'));
    const out = await drain(
      new MergedSource([new MemorySource(capture, { batchSize: 10 }), new MemorySource(spans)]),
    );
    expect(out.length).toBeGreaterThan(5);
    expect(out.flat().findIndex((e) => e.comm === 'otel')).toBe(51);
  });

  it('needs a source', () => {
    expect(() => new MergedSource([])).toThrow(/at least one source/);
  });
});
