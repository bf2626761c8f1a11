import { countOf, pluralOf } from '@vigil/core';
import { describe, expect, it } from 'vitest';

describe('a count and its noun', () => {
  it.each([
    [0, 'workload', '0 workloads'],
    [1, 'workload', '1 workload'],
    [2, 'workload', '2 workloads'],
    [1, 'process', '1 process'],
    [3, 'process', '3 processes'],
    [1, 'policy', '1 policy'],
    [2, 'policy', '2 policies'],
    [2, 'key', '2 keys'],
    [2, 'match', '2 matches'],
    [5, 'box', '5 boxes'],
  ] as const)('%i %s → %s', (n, noun, text) => {
    expect(countOf(n, noun)).toBe(text);
  });

  it('takes an irregular plural', () => {
    expect(countOf(2, 'child', 'children')).toBe('2 children');
    expect(countOf(1, 'child', 'children')).toBe('1 child');
    expect(pluralOf('capability')).toBe('capabilities');
  });
});
