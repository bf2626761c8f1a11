import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CollapsePolicy, DEFAULT_GENERALISATION } from '../../src/baseline/generalise.js';
import { type EntryStats, PatternTrie } from '../../src/baseline/internal/pattern-trie.js';

const stats = (): EntryStats => ({
  counts: new Map([['node', 1]]),
  firstSeen: 1,
  lastSeen: 2,
  examples: [],
  introducedBy: [],
});

// Paths under /tmp (which collapses past 4 children) and /usr (past 20), from a small alphabet, so
// that siblings pile up past the limits and wildcards form.
const segment = fc.constantFrom(
  'usr',
  'lib',
  'etc',
  'tmp',
  'a',
  'b',
  'c',
  'd',
  'e',
  'f',
  'g',
  'h',
  'x.py',
  'y.so',
  '*',
);
const path = fc
  .tuple(fc.constantFrom('tmp', 'usr'), fc.array(segment, { minLength: 1, maxLength: 3 }))
  .map(([first, rest]) => [first, ...rest]);
const op = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), segs: path }),
  fc.record({ op: fc.constant('learn' as const), segs: path }),
  fc.record({ op: fc.constant('remove' as const), segs: path }),
);

describe('PatternTrie count', () => {
  it('property: after any mix of document inserts, learning and removals, count is the number of entries', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.boolean(), (ops, askBetween) => {
        const trie = new PatternTrie('files', new CollapsePolicy(DEFAULT_GENERALISATION));
        for (const o of ops) {
          if (o.op === 'insert') trie.insertEntry(o.segs, stats());
          else if (o.op === 'learn') trie.learn(o.segs, `/${o.segs.join('/')}`, 5, 'node', undefined);
          else trie.remove(o.segs);
          if (askBetween) expect(trie.count).toBe(trie.size);
        }
        expect(trie.count).toBe(trie.size);
        expect(trie.count).toBe(trie.entries().length);
      }),
      { numRuns: 300 },
    );
  });
});
