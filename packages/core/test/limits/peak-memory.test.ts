import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOSTILE_CASES } from './hostile-inputs.js';
import { readInChild } from './run-child.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-peak-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('peak memory per input kind at its limit (each read in a child process)', () => {
  for (const c of HOSTILE_CASES)
    it(`${c.name}: ${c.what} is ${c.expect} with a peak under ${c.capMiB} MiB`, {
      timeout: 600_000,
    }, async () => {
      const file = join(dir, c.file);
      await c.write(file);
      const r = await readInChild(c.name, file);
      rmSync(file, { force: true });
      expect(r.outcome, r.message).toBe(c.expect);
      if (c.expect === 'refused') expect(r.message.startsWith(file), r.message).toBe(true);
      expect(r.peakKiB / 1024, `${c.name} peaked at ${Math.round(r.peakKiB / 1024)} MiB`).toBeLessThan(
        c.capMiB,
      );
    });
});
