import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VigilError } from '@vigil/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { withHostileValues } from '../../../../core/test/helpers/hostile-json.js';
import {
  type ArtifactDetection,
  DEFAULT_SCAN_LIMITS,
  disassemblePickle,
  inspectChatTemplate,
  inspectGguf,
  inspectKerasConfig,
  inspectSafetensorsHeader,
  modelFileScanner,
  parseNpyHeader,
} from '../../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-model-fuzz-'));
execFileSync('python3', [join(import.meta.dirname, 'corpus.py'), dir], { maxBuffer: 16 << 20 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sample = (f: string) => new Uint8Array(readFileSync(join(dir, f)));

type Mutation = { at: number; byte: number; kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' };
const mutation = fc.record({
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
  kind: fc.constantFrom<Mutation['kind']>('flip', 'set', 'insert', 'delete', 'truncate'),
});

/** Applies byte-level mutations: bit flips, overwrites, insertions, deletions and truncation. */
function mutate(base: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Array.from(base);
  for (const m of ms) {
    if (b.length === 0) break;
    const i = m.at % b.length;
    if (m.kind === 'flip') b[i] = b[i]! ^ (1 << (m.byte & 7));
    else if (m.kind === 'set') b[i] = m.byte;
    else if (m.kind === 'insert') b.splice(i, 0, m.byte);
    else if (m.kind === 'delete') b.splice(i, 1);
    else b = b.slice(0, i);
  }
  return new Uint8Array(b);
}

/** A valid sample, mutated, or random bytes. */
const inputs = (samples: readonly Uint8Array[]) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 2048 }),
    fc
      .tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 8 }))
      .map(([b, ms]) => mutate(b, ms)),
    fc.tuple(fc.constantFrom(...samples), fc.nat()).map(([b, n]) => b.subarray(0, n % (b.length + 1))),
  );

const onlyVigilErrors = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
  }
};

describe('fuzzed model-file parsers', () => {
  it('disassemblePickle: never throws, and its work is linear in the input', () => {
    const samples = [
      'os-system-p0.pkl',
      'plain-p2.pkl',
      'plain-p5.pkl',
      'stack-global-memo.pkl',
      'state-dict.pkl',
      'model.joblib',
      'getattr-chain.pkl',
    ].map(sample);
    fc.assert(
      fc.property(inputs(samples), (bytes) => {
        const d = disassemblePickle(bytes);
        // Each opcode costs at most a bounded rendering of its operands; every opcode is at least one byte.
        expect(d.steps).toBeLessThanOrEqual(256 * (bytes.length + 1));
        expect(d.opCount).toBeLessThanOrEqual(bytes.length);
        expect(d.issues.length).toBeLessThanOrEqual(100);
      }),
      { numRuns: 1500 },
    );
  });

  it('inspectSafetensorsHeader: never throws; problems name a JSON pointer', () => {
    const samples = ['model.safetensors', 'st-overlap.safetensors', 'st-metadata.safetensors'].map(sample);
    fc.assert(
      fc.property(inputs(samples), fc.nat({ max: 1 << 20 }), (bytes, extra) => {
        const r = inspectSafetensorsHeader(bytes, bytes.length + (extra % 3 === 0 ? extra : 0));
        for (const p of r.problems) expect(p.pointer === '' || p.pointer.startsWith('/')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('inspectGguf: never throws, and reads no more than the file in bounded steps', async () => {
    const samples = ['model.gguf', 'ssti.gguf', 'gguf-overlap.gguf'].map(sample);
    await fc.assert(
      fc.asyncProperty(inputs(samples), async (bytes) => {
        const g = await inspectGguf(bytes);
        expect(g.steps).toBeLessThanOrEqual(bytes.length + 16);
        expect(g.tensors.length + g.chatTemplates.length).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('parseNpyHeader, inspectKerasConfig and inspectChatTemplate: never throw', () => {
    const npy = ['floats.npy', 'evil-object.npy'].map(sample);
    fc.assert(
      fc.property(inputs(npy), (b) => onlyVigilErrors(() => parseNpyHeader(b))),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (v) => {
        expect(Array.isArray(inspectKerasConfig(v))).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 4000 }), (t) => {
        for (const p of inspectChatTemplate(t)) expect(p.index).toBeLessThanOrEqual(t.length);
      }),
      { numRuns: 500 },
    );
  });

  it('the scanner: every container mutated or cut short ends in detections or a VigilError, nothing else', async () => {
    const files = [
      'state-dict.pt',
      'evil-state-dict.pt',
      'arrays.npz',
      'clean.keras',
      'legacy.pt',
      'legacy-tar.pt',
      'clean.h5',
      'model.gguf',
      'model.safetensors',
      'evil-object.npy',
      'evil.joblib.gz',
      'model.joblib',
      'bomb-size-lie.pt',
    ];
    const limits = { ...DEFAULT_SCAN_LIMITS, maxExpandedBytes: 8 << 20, maxEntries: 200 };
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        async (file, ms) => {
          const bytes = mutate(sample(file), ms);
          const path = join(dir, `fuzz-${n++}-${file}`);
          writeFileSync(path, bytes);
          const found: ArtifactDetection[] = [];
          try {
            await modelFileScanner.scan(
              { path, size: bytes.length, head: bytes.subarray(0, 4096) },
              { report: (d) => found.push(d), limits },
            );
          } catch (err) {
            expect(err).toBeInstanceOf(VigilError);
          } finally {
            rmSync(path);
          }
          for (const d of found) expect(modelFileScanner.rules.some((r) => r.id === d.ruleId)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('model headers and configurations hold data, never something to call', () => {
  const safetensors = (header: string, data = 0) => {
    const json = Buffer.from(header);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([len, json, Buffer.alloc(data)]);
  };

  it('a safetensors dtype that is a mapping or names an Object method is an unknown dtype', () => {
    const hostile = safetensors('{"w":{"dtype":{"toString":null},"shape":[1],"data_offsets":[0,4]}}', 4);
    const a = inspectSafetensorsHeader(hostile, hostile.length);
    expect(a.tensors[0]!.dtype).toBe('{"toString":null}');
    expect(a.problems.map((p) => p.message)).toContain('unknown dtype {"toString":null}');
    const named = safetensors('{"w":{"dtype":"constructor","shape":[1],"data_offsets":[0,4]}}', 4);
    const b = inspectSafetensorsHeader(named, named.length);
    expect(b.problems.map((p) => p.message)).toEqual(['unknown dtype "constructor"']);
    const meta = safetensors('{"__metadata__":{"__proto__":"x","constructor":"y"}}');
    expect(Object.keys(inspectSafetensorsHeader(meta, meta.length).metadata)).toEqual([
      '__proto__',
      'constructor',
    ]);
  });

  it('a Keras Lambda layer named by a mapping is reported with the mapping as its name', () => {
    const config = JSON.parse(
      '{"class_name":"Lambda","config":{"name":{"toString":null},"function":{"class_name":"__lambda__","config":{"code":"x"}}}}',
    );
    const [p] = inspectKerasConfig(config);
    expect(p?.kind).toBe('lambda');
    expect(p?.layer).toBe('{"toString":null}');
  });

  it('property: any hostile safetensors header is inspected, never thrown on', () => {
    fc.assert(
      fc.property(
        withHostileValues(
          fc.constant({
            __metadata__: { format: 'pt' },
            w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          }),
          4,
        ),
        (doc) => {
          const bytes = safetensors(JSON.stringify(doc), 4);
          expect(Array.isArray(inspectSafetensorsHeader(bytes, bytes.length).problems)).toBe(true);
          inspectKerasConfig(doc);
        },
      ),
      { numRuns: 500 },
    );
  });
});
