import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BaselineLearner,
  type BaselineSet,
  decodeBaselineSet,
  encodeBaselineSet,
  isVigilError,
  readBaselineFile,
  VigilError,
  writeBaselineFile,
} from '../../src/index.js';
import { benignAgent } from './helpers/agent-sim.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-codec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleSet(): BaselineSet {
  const learner = new BaselineLearner({ origin: 'node-a' });
  for (const e of benignAgent({ seed: 1, seconds: 60 })) learner.observe(e);
  return learner.set;
}
const set = sampleSet();
const json = encodeBaselineSet(set, 'json');
const msgpack = encodeBaselineSet(set, 'msgpack');

function decodeError(bytes: Uint8Array, file = 'b.json'): VigilError {
  try {
    decodeBaselineSet(bytes, file);
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw new Error(`expected a VigilError, got ${String(err)}`);
  }
  throw new Error('expected the decode to fail');
}

function decodeErrorOrUndefined(bytes: Uint8Array): VigilError | undefined {
  try {
    decodeBaselineSet(bytes, 'j.json');
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  return undefined;
}

describe('baseline files', () => {
  it('write atomically and read back, in both encodings', async () => {
    for (const enc of ['json', 'msgpack'] as const) {
      const path = join(dir, `set.${enc}`);
      await writeBaselineFile(path, set, enc);
      const back = await readBaselineFile(path);
      expect(back.toDocument()).toEqual(set.toDocument());
    }
    expect(msgpack.length).toBeLessThan(json.length);
  });

  it('accept a single baseline document', () => {
    const single = Buffer.from(JSON.stringify(set.baselines()[0]!.toDocument()));
    expect(decodeBaselineSet(single).size).toBe(1);
  });

  it('name the file and line of a JSON syntax error', () => {
    const bad = Buffer.from('{\n  "schemaVersion": 1,\n  "kind": oops\n}');
    const err = decodeError(bad, 'agent.baseline.json');
    expect(err.code).toBe('PARSE');
    expect(err.message).toMatch(/^agent\.baseline\.json, line 3:11: not valid JSON: expected a value/);
  });

  it('name the document path of a schema error', () => {
    const doc = set.toDocument() as unknown as { baselines: { entries: { files: { counts: unknown }[] } }[] };
    doc.baselines[0]!.entries.files[1]!.counts = { 'node-a': -4 };
    const err = decodeError(Buffer.from(JSON.stringify(doc)), 'x.json');
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.message).toContain('x.json');
    expect(err.message).toContain('baselines[0].entries.files[1].counts.node-a');
  });

  it('validate the events a quarantined item holds, naming the path of a bad one', () => {
    const event = JSON.parse(JSON.stringify(benignAgent({ seed: 2, seconds: 1 }).next().value));
    const withItem = (events: unknown[]): Buffer => {
      const doc = set.toDocument() as unknown as { baselines: { quarantine: unknown[] }[] };
      doc.baselines[0]!.quarantine = [
        {
          behaviour: 'vigil.critical.shell-from-interpreter',
          title: 'Shell from an interpreter',
          severity: 'high',
          reason: 'a shell ran under python',
          observations: [{ domain: 'processes', pattern: ['bin', 'sh'] }],
          counts: { 'node-a': 1 },
          firstSeen: 1,
          lastSeen: 1,
          events,
        },
      ];
      return Buffer.from(JSON.stringify(doc));
    };
    const read = decodeBaselineSet(withItem([event]));
    expect(read.baselines()[0]!.toDocument().quarantine[0]!.events).toEqual([event]);
    const err = decodeError(withItem([event, { ...event, ts: 'soon' }]), 'q.json');
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.message).toContain('q.json');
    expect(err.message).toContain('baselines[0].quarantine[0].events[1]');
  });

  it('locate JSON errors exactly (property: agrees with JSON.parse)', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', '}', ']', ',', ':', 'x', '"'),
        (text, at, junk) => {
          const i = at % (text.length + 1);
          const broken = text.slice(0, i) + junk + text.slice(i);
          let valid = true;
          try {
            JSON.parse(broken);
          } catch {
            valid = false;
          }
          const err = decodeErrorOrUndefined(Buffer.from(broken));
          if (!valid) {
            expect(err?.code).toBe('PARSE');
            expect(err?.location?.line).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reject a newer schema version, wrong magic, empty and truncated files', () => {
    const newer = Buffer.from(msgpack);
    newer.writeUInt16LE(9, 4);
    expect(decodeError(newer).message).toMatch(/schema version 9 is not supported/);
    expect(decodeError(new Uint8Array(0)).code).toBe('PARSE');
    expect(decodeError(msgpack.subarray(0, 5)).message).toMatch(/inside the 6-byte msgpack prefix/);
    expect(decodeError(msgpack.subarray(0, msgpack.length - 7)).code).toBe('PARSE');
    expect(decodeError(json.subarray(0, json.length - 9)).code).toBe('PARSE');
    const wrongKind = Buffer.from(JSON.stringify({ ...set.toDocument(), kind: 'something-else' }));
    expect(decodeError(wrongKind).code).toBe('SCHEMA_INVALID');
  });

  it('survive hostile input: deep nesting, huge strings, prototype keys', () => {
    const deep = Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(decodeError(deep)).toBeInstanceOf(VigilError);
    const huge = Buffer.from(JSON.stringify({ ...set.toDocument(), kind: 'x'.repeat(5_000_000) }));
    expect(decodeError(huge).code).toBe('SCHEMA_INVALID');
    const proto = Buffer.from(
      JSON.stringify(set.toDocument()).replace('"counts":{', '"counts":{"__proto__":{"polluted":1},'),
    );
    try {
      decodeBaselineSet(proto);
    } catch (err) {
      expect(isVigilError(err)).toBe(true);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const bigMap = new Encoder().encode({
      schemaVersion: 1,
      kind: 'vigil.baseline-set',
      baselines: [{ subject: 'x'.repeat(2 << 20) }],
    });
    const framed = Buffer.concat([msgpack.subarray(0, 6), bigMap]);
    expect(decodeError(framed).code).toBe('PARSE');
  });

  it('turn every corruption into a VigilError (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(json, msgpack),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (base, flips, cut) => {
          const bytes = Buffer.from(base);
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          const cutAt = cut % (bytes.length + 1);
          for (const input of [bytes, bytes.subarray(0, cutAt)]) {
            try {
              decodeBaselineSet(input, 'p.bin');
            } catch (err) {
              expect(err).toBeInstanceOf(VigilError);
              expect((err as Error).message).toContain('p.bin');
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('turn arbitrary bytes and arbitrary JSON into a VigilError, never a crash (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          fc.json().map((s) => Buffer.from(s)),
        ),
        (bytes) => {
          try {
            decodeBaselineSet(bytes, 'r.bin');
          } catch (err) {
            expect(err).toBeInstanceOf(VigilError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('report a missing file as IO with its path', async () => {
    const err = await readBaselineFile(join(dir, 'missing.json')).catch((e: unknown) => e);
    expect(isVigilError(err, 'IO')).toBe(true);
    expect((err as Error).message).toContain('missing.json');
  });

  it('leave no temp file behind when the write fails', async () => {
    const path = join(dir, 'no-such-dir', 'x.json');
    await expect(writeBaselineFile(path, set)).rejects.toThrow(VigilError);
    writeFileSync(join(dir, 'keep.json'), 'old');
    await writeBaselineFile(join(dir, 'keep.json'), set);
    expect(readFileSync(join(dir, 'keep.json'), 'utf8')).toContain('vigil.baseline-set');
  });
});
