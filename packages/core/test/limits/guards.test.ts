import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  INPUT_LIMITS,
  inputLimits,
  isVigilError,
  readJsonFile,
  readYamlFile,
  VigilError,
} from '../../src/index.js';
import { guardJson, JsonGuard } from '../../src/limits/json-guard.js';
import { guardMsgpack } from '../../src/limits/msgpack-guard.js';
import { guardYaml } from '../../src/limits/yaml-guard.js';
import { readBoundedFile } from '../../src/readers/read-bounded.js';

const RUNS = Number(process.env.VIGIL_PROPERTY_RUNS ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'vigil-limits-'));

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

function thrown(f: () => unknown): VigilError {
  try {
    f();
  } catch (e) {
    if (e instanceof VigilError) return e;
    throw e;
  }
  throw new Error('expected a VigilError');
}

describe('the limits table', () => {
  it('gives every input kind a bound on size or on each line, and overrides apply', () => {
    for (const [kind, l] of Object.entries(INPUT_LIMITS))
      expect(l.maxBytes ?? l.maxLineBytes, kind).toBeGreaterThan(0);
    expect(inputLimits('declared', { maxBytes: 10 }).maxBytes).toBe(10);
    expect(inputLimits('declared').maxDepth).toBe(64);
    expect(inputLimits('capture').maxBytes).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('JSON guard', () => {
  it('refuses nesting past the limit with the file, line and byte offset', () => {
    const e = thrown(() => guardJson(`{"a":\n${'['.repeat(70)}`, 'f.json', { maxDepth: 64, maxNodes: 1e6 }));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toBe(
      'f.json, line 2, byte offset 69: JSON nests deeper than 64 levels (the limit for this input)',
    );
  });

  it('counts values, not the characters inside strings', () => {
    expect(() =>
      guardJson(JSON.stringify({ s: '[[[[,,,,{{{{:::"\\' }), 'f', { maxDepth: 1, maxNodes: 4 }),
    ).not.toThrow();
    expect(() => guardJson('[1,2,3,4]', 'f', { maxDepth: 8, maxNodes: 3 })).toThrow(/more than 3 values/);
  });

  it('property: its depth is the true depth, and chunk boundaries do not change the verdict', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (v, cuts) => {
        const bytes = Buffer.from(JSON.stringify(v));
        const d = depthOf(v);
        const run = (maxDepth: number) => {
          const g = new JsonGuard('f', { maxDepth, maxNodes: 1e9 });
          let last = 0;
          for (const c of [...cuts.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
            g.feed(bytes.subarray(last, Math.max(last, c)));
            last = Math.max(last, c);
          }
        };
        expect(() => run(d)).not.toThrow();
        if (d > 0) expect(() => run(d - 1)).toThrow(/nests deeper/);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('msgpack guard', () => {
  it('property: depth matches the decoded value; a cut value passes or is refused for its lengths', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat(), (v, cut) => {
        const bytes = new Encoder().encode(v);
        const d = depthOf(v);
        expect(() => guardMsgpack(bytes, 'f', { maxDepth: d, maxNodes: 1e9 })).not.toThrow();
        if (d > 0)
          expect(() => guardMsgpack(bytes, 'f', { maxDepth: d - 1, maxNodes: 1e9 })).toThrow(/nests deeper/);
        const cutAt = cut % (bytes.length + 1);
        try {
          guardMsgpack(bytes.subarray(0, cutAt), 'f', { maxDepth: d, maxNodes: 1e9 });
        } catch (e) {
          // A cut container is refused only for claiming more values than bytes remain.
          expect((e as Error).message).toMatch(/more than the bytes left/);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a container that claims more values than bytes remain, naming the offset', () => {
    const e = thrown(() =>
      guardMsgpack(Buffer.from([0xdd, 0x7f, 0xff, 0xff, 0xff]), 'b.bin', { maxDepth: 8, maxNodes: 1e12 }, 6),
    );
    expect(e.message).toMatch(/^b\.bin, byte offset 6: msgpack container claims 2147483647 values/);
  });
});

describe('YAML guard', () => {
  const lim = { maxDepth: 64, maxNodes: 1e6, maxDocuments: 10 };
  it('counts flow nesting, compact sequences and indented maps', () => {
    expect(() => guardYaml(`${'['.repeat(65)}${']'.repeat(65)}`, 'y', lim)).toThrow(
      /y, line 1:65: YAML nests deeper than 64/,
    );
    expect(() => guardYaml(`${'- '.repeat(65)}x\n`, 'y', lim)).toThrow(/nests deeper/);
    const maps = Array.from({ length: 65 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    expect(() => guardYaml(`${maps} v\n`, 'y', lim)).toThrow(/nests deeper/);
    expect(() => guardYaml(`${'---\na: 1\n'.repeat(11)}`, 'y', lim)).toThrow(/more than 10 documents/);
  });

  it('property: YAML written from a JSON value is never refused below its true depth, and is refused above it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 7 }), fc.boolean(), (v, flow) => {
        const text = flow ? JSON.stringify(v) : stringify(v);
        const d = depthOf(v);
        expect(() => guardYaml(text, 'y', { ...lim, maxDepth: Math.max(d, 1) * 2 })).not.toThrow();
        expect(() => guardYaml(text, 'y', { ...lim, maxDepth: d })).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('bounded reads', () => {
  it('refuses a regular file over the limit from its size, before reading', async () => {
    const f = join(dir, 'big.json');
    writeFileSync(f, Buffer.alloc(2048, 0x20));
    await expect(readBoundedFile(f, { what: 'thing', maxBytes: 1024 })).rejects.toThrow(
      `${f}: thing is 2048 bytes, over the 1024-byte limit for this input`,
    );
  });

  it('reads a FIFO until the limit is passed, and an abort ends a FIFO open nobody writes to', async () => {
    const fifo = join(dir, 'fifo');
    await new Promise<void>((res, rej) =>
      spawn('mkfifo', [fifo]).on('exit', (c) => (c === 0 ? res() : rej(new Error('mkfifo')))),
    );
    const writer = spawn('sh', ['-c', `head -c 5000 /dev/zero > ${fifo}`]);
    await expect(readBoundedFile(fifo, { what: 'pipe', maxBytes: 1000, chunkBytes: 256 })).rejects.toThrow(
      /pipe is larger than the 1000-byte limit/,
    );
    writer.kill();
    const ac = new AbortController();
    const pending = readBoundedFile(fifo, { what: 'baseline', maxBytes: 1000, signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const err = await pending.catch((e: unknown) => e);
    expect(isVigilError(err, 'ABORTED')).toBe(true);
    expect((err as VigilError).message).toBe(`${fifo}: reading baseline interrupted`);
  });

  it('readJsonFile and readYamlFile check structure before parsing and name the file', async () => {
    const j = join(dir, 'deep.json');
    writeFileSync(j, `${'['.repeat(100)}${']'.repeat(100)}`);
    await expect(readJsonFile(j, 'findings')).rejects.toThrow(
      `${j}, line 1, byte offset 64: findings nests deeper than 64 levels`,
    );
    const y = join(dir, 'deep.yaml');
    writeFileSync(y, `a: ${'['.repeat(100)}${']'.repeat(100)}\n`);
    await expect(readYamlFile(y, 'exceptions')).rejects.toThrow(
      /deep\.yaml, line 1:\d+: YAML nests deeper than 64/,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"a": [1, }');
    await expect(readJsonFile(bad, 'findings')).rejects.toThrow(
      /bad\.json, line 1:\d+: findings is not valid JSON/,
    );
  });
});
