import { execFileSync } from 'node:child_process';
import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { INPUT_LIMITS, isVigilError, readBaselineFile, type VigilError } from '../../src/index.js';
import { guardMsgpack, MsgpackGuard } from '../../src/limits/msgpack-guard.js';

const RUNS = Number(process.env.VIGIL_PROPERTY_RUNS ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'vigil-msgpack-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1 << 20;
// VBSL, schema version 1, then an array32 that claims 64 M values.
const PREFIX = Buffer.from([0x56, 0x42, 0x53, 0x4c, 1, 0, 0xdd, 0x04, 0x00, 0x00, 0x00]);

function verdict(f: () => void): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as VigilError).message;
  }
}

describe('msgpack baselines are guarded while they stream in', { timeout: 240_000 }, () => {
  it('a hostile baseline on a FIFO is refused after about 4 MiB: the writer never gets to write the rest', async () => {
    const fifo = join(dir, 'values.fifo');
    execFileSync('mkfifo', [fifo]);
    const reading = readBaselineFile(fifo).then(
      () => undefined,
      (e: unknown) => e,
    );
    // 64 MiB of nils (under the 128 MiB size limit, far over the 4 M value limit).
    const out = createWriteStream(fifo);
    let written = 0;
    let writeError: NodeJS.ErrnoException | undefined;
    out.on('error', (e) => {
      writeError = e;
    });
    const chunk = Buffer.alloc(MiB, 0xc0);
    const write = (b: Buffer) =>
      new Promise<void>((resolve) =>
        out.write(b, (e) => {
          if (e) writeError ??= e;
          else written += b.length;
          resolve();
        }),
      );
    await write(PREFIX);
    for (let i = 0; i < 64 && writeError === undefined && !out.destroyed; i++) await write(chunk);
    out.destroy();
    const err = await reading;
    expect(isVigilError(err, 'INPUT_INVALID'), String(err)).toBe(true);
    expect((err as VigilError).message).toMatch(
      new RegExp(
        `^${fifo}, byte offset \\d+: msgpack holds more than ${INPUT_LIMITS.baseline.maxNodes} values`,
      ),
    );
    expect((err as VigilError).location?.offset).toBeLessThan(5 * MiB);
    expect(writeError?.code).toBe('EPIPE');
    expect(written).toBeLessThan(16 * MiB);
  });

  it('a regular file over the size limit is refused from its size, naming the file and the limit', async () => {
    const file = join(dir, 'huge.vbsl');
    const fd = openSync(file, 'w');
    writeSync(fd, PREFIX);
    writeSync(fd, Buffer.from([0xc0]), 0, 1, INPUT_LIMITS.baseline.maxBytes!); // sparse: one byte past the limit
    closeSync(fd);
    const err = await readBaselineFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as VigilError).message).toBe(
      `${file}: baseline is ${INPUT_LIMITS.baseline.maxBytes! + 1} bytes, over the ${INPUT_LIMITS.baseline.maxBytes}-byte limit for this input`,
    );
  });

  it('property: fed in any chunks, the streaming guard reaches the verdict of the guard on the whole value', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 60 }),
        (v, cuts, maxDepth, maxNodes) => {
          const bytes = new Encoder().encode(v);
          const limits = { maxDepth, maxNodes };
          const whole = verdict(() => guardMsgpack(bytes, 'f', limits, 6));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const streamed = verdict(() => {
            const g = new MsgpackGuard('f', limits, 6, bytes.length);
            let at = 0;
            for (const p of [...points, bytes.length]) {
              g.feed(bytes.subarray(at, p));
              at = p;
            }
          });
          expect(streamed).toBe(whole);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
