// A pack's version moves with its rules: a rule bumped (what it reports changed) bumps its pack.
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { builtinPacks } from '../src/index.js';

describe('built-in pack versions', () => {
  for (const pack of builtinPacks()) {
    it(`${pack.name} ${pack.version} is at least the version of each of its rules`, () => {
      const ahead = pack.rules
        .filter((r) => semver.gt(r.meta.version, pack.version))
        .map((r) => `${r.meta.id} ${r.meta.version}`);
      expect(ahead).toEqual([]);
    });
  }
});
