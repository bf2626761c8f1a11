import { VigilError } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { builtinPacks, parseRuleSettings } from '../src/index.js';

describe('parseRuleSettings', () => {
  const packs = builtinPacks();
  it.each([
    [
      ['vigil.runtime.unexpected-process=low'],
      [{ rule: 'vigil.runtime.unexpected-process', severity: 'low' }],
      [],
    ],
    [['vigil.drift.file.*=INFO'], [{ rule: 'vigil.drift.file.*', severity: 'info' }], []],
    [['vigil.runtime.unexpected-egress=off'], [], ['vigil.runtime.unexpected-egress']],
  ])('%j', (specs, overrides, disable) => {
    expect(parseRuleSettings(specs, packs)).toEqual({ overrides, disable });
  });

  it.each([
    ['vigil.runtime.nope=low', /no rule "vigil\.runtime\.nope"/],
    ['vigil.nothing.*=low', /no rule "vigil\.nothing\.\*"/],
    ['vigil.runtime.unexpected-process', /expected ID=SEVERITY or ID=off/],
    ['=low', /expected ID=SEVERITY/],
    ['vigil.runtime.unexpected-process=severe', /"severe" is not a severity/],
  ])('rejects %s', (spec, message) => {
    let err: unknown;
    try {
      parseRuleSettings([spec], packs);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('USAGE');
    expect((err as Error).message).toMatch(message);
  });
});
