import { describe, expect, it } from 'vitest';
import { isVigilError, VigilError } from '../../src/errors/vigil-error.js';

/** A second, separately evaluated copy of the module, as the CommonJS build or another installed version is. */
async function otherCopy(): Promise<typeof import('../../src/errors/vigil-error.js')> {
  const specifier: string = '../../src/errors/vigil-error.js?second-copy';
  return import(/* @vite-ignore */ specifier);
}

describe('VigilError identity across copies of core', () => {
  it('an error made by another copy is a VigilError here, and the other way round', async () => {
    const other = await otherCopy();
    expect(other.VigilError).not.toBe(VigilError);
    const theirs = new other.VigilError('CAPTURE_TRUNCATED', 'cut short');
    expect(theirs instanceof VigilError).toBe(true);
    expect(isVigilError(theirs)).toBe(true);
    expect(isVigilError(theirs, 'CAPTURE_TRUNCATED')).toBe(true);
    expect(isVigilError(theirs, 'IO')).toBe(false);
    const ours = new VigilError('IO', 'no such file');
    expect(ours instanceof other.VigilError).toBe(true);
    expect(other.isVigilError(ours, 'IO')).toBe(true);
  });

  it('nothing else passes: plain errors, look-alikes, primitives', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'VigilError', code: 'IO', issues: [] });
    for (const value of [new Error('x'), lookalike, { code: 'IO' }, null, undefined, 'VigilError', 42]) {
      expect(value instanceof VigilError).toBe(false);
      expect(isVigilError(value)).toBe(false);
    }
  });

  it('the brand is not an own enumerable property (JSON and spreads stay as they were)', () => {
    const e = new VigilError('USAGE', 'bad flag');
    expect(Object.keys(e).sort()).toEqual(['code', 'issues', 'location', 'name']);
    const brand = Object.getOwnPropertySymbols(e);
    expect(brand.map((s) => s.description)).toEqual(['@vigil/core.VigilError']);
    expect(Object.prototype.propertyIsEnumerable.call(e, brand[0]!)).toBe(false);
    expect(Object.getOwnPropertySymbols({ ...e })).toEqual([]);
  });

  it('a subclass keeps the ordinary prototype check', () => {
    class StoreError extends VigilError {}
    const plain = new VigilError('STORE', 'locked');
    const sub = new StoreError('STORE', 'locked');
    expect(sub instanceof StoreError).toBe(true);
    expect(sub instanceof VigilError).toBe(true);
    expect(plain instanceof StoreError).toBe(false);
  });
});
