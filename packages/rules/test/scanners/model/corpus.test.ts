import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Severity, severityRank } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ArtifactDetection,
  DEFAULT_SCAN_LIMITS,
  detectModelFormat,
  inspectGguf,
  MODEL_RULES,
  modelFileScanner,
  type ScanLimits,
} from '../../../src/index.js';

interface Case {
  file: string;
  expect: 'bad' | 'good';
  rule: string | null;
  subject: string | null;
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-model-corpus-'));
// Built at collection time so that each file is its own test case.
const corpus: Case[] = JSON.parse(
  execFileSync('python3', [join(import.meta.dirname, 'corpus.py'), dir], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Small enough that the bombs of the corpus reach them, large enough for every benign file. */
const LIMITS: ScanLimits = { ...DEFAULT_SCAN_LIMITS, maxExpandedBytes: 32 << 20, maxEntries: 1000 };
const ruleSeverity = new Map(MODEL_RULES.map((r) => [r.id, r.severity]));
const severityOf = (d: ArtifactDetection): Severity => d.severity ?? ruleSeverity.get(d.ruleId)!;

async function scan(file: string, limits = LIMITS): Promise<ArtifactDetection[]> {
  const path = join(dir, file);
  const bytes = readFileSync(path);
  const ref = { path, size: statSync(path).size, head: new Uint8Array(bytes.subarray(0, 4096)) };
  expect(modelFileScanner.accepts(ref), `${file} accepted`).toBe(true);
  const found: ArtifactDetection[] = [];
  await modelFileScanner.scan(ref, { report: (d) => found.push(d), limits });
  return found;
}

describe('model-file corpus built with python3 at test time', () => {
  it('has malicious and benign files of every format', () => {
    expect(corpus.filter((c) => c.expect === 'bad').length).toBeGreaterThan(50);
    expect(corpus.filter((c) => c.expect === 'good').length).toBeGreaterThan(15);
  });

  it.each(corpus.filter((c) => c.expect === 'bad'))('flags $file at medium or above', async (c) => {
    const found = await scan(c.file);
    expect(
      found.some((d) => severityRank(severityOf(d)) >= severityRank('medium')),
      JSON.stringify(found),
    ).toBe(true);
    if (c.rule) expect(found.map((d) => d.ruleId)).toContain(c.rule);
    if (c.subject)
      expect(found.filter((d) => d.ruleId === c.rule).map((d) => d.subject)).toContain(c.subject);
    for (const d of found) {
      expect(d.location.uri).toBe(join(dir, c.file));
      expect(modelFileScanner.rules.map((r) => r.id)).toContain(d.ruleId);
    }
  });

  it.each(corpus.filter((c) => c.expect === 'good'))('passes $file clean', async (c) => {
    expect(await scan(c.file)).toEqual([]);
  });

  it('says where: the zip entry, the byte offset and the call with its arguments', async () => {
    const [d] = (await scan('evil-state-dict.pt')).filter(
      (x) => x.ruleId === 'vigil.scan.pickle-dangerous-import',
    );
    expect(d?.location.entry).toBe('archive/data.pkl');
    expect(d?.location.byteOffset).toBeGreaterThan(0);
    expect(d?.summary).toContain('calls it through REDUCE');
    expect(d?.evidence?.[0]?.description).toMatch(/REDUCE at byte \d+: posix\.system\("id"\)/);
    const st = (await scan('st-overlap.safetensors'))[0];
    expect(st?.location.jsonPointer).toBe('/b/data_offsets');
    const lambda = (await scan('lambda.keras'))[0];
    expect(lambda?.location).toMatchObject({ entry: 'config.json', jsonPointer: '/config/layers/1' });
  });

  it('names the Python 3 import of Python 2 spellings and getattr chains', async () => {
    const py2 = await scan('py2-commands.pkl');
    expect(py2[0]?.summary).toContain('written as commands.getoutput');
    const chain = await scan('getattr-chain.pkl');
    expect(chain.find((d) => d.subject === 'os.system')?.summary).toContain('getattr/__import__ chain');
  });

  it('tells a pickle hiding behind .safetensors from a broken safetensors file', async () => {
    const renamed = await scan('pickle-renamed.safetensors');
    expect(renamed.find((d) => d.ruleId === 'vigil.scan.model-format-mismatch')?.severity).toBe('high');
    expect(renamed.some((d) => d.subject === 'posix.system')).toBe(true);
    const broken = await scan('st-not-json.safetensors');
    expect(broken.map((d) => d.ruleId)).toEqual(['vigil.scan.safetensors-invalid']);
  });

  it('recognises formats by content, not by extension', () => {
    const head = (f: string) => {
      const b = readFileSync(join(dir, f));
      return [new Uint8Array(b.subarray(0, 4096)), b.length] as const;
    };
    expect(detectModelFormat(...head('state-dict.pt'))).toBe('zip');
    expect(detectModelFormat(...head('legacy.pt'))).toBe('pytorch-legacy');
    expect(detectModelFormat(...head('legacy-tar.pt'))).toBe('tar');
    expect(detectModelFormat(...head('plain-p0.pkl'))).toBe('pickle');
    expect(detectModelFormat(...head('plain-p1.pkl'))).toBe('pickle');
    expect(detectModelFormat(...head('pickle-renamed.safetensors'))).toBe('pickle');
    expect(detectModelFormat(...head('model.safetensors'))).toBe('safetensors');
    expect(detectModelFormat(...head('model.gguf'))).toBe('gguf');
    expect(detectModelFormat(...head('floats.npy'))).toBe('npy');
    expect(detectModelFormat(...head('clean.h5'))).toBe('hdf5');
    expect(detectModelFormat(...head('evil.joblib.gz'))).toBe('gzip');
    expect(detectModelFormat(...head('evil-zlib.joblib'))).toBe('zlib');
    expect(detectModelFormat(new TextEncoder().encode('# README\nhello\n'), 15)).toBe('unknown');
    expect(detectModelFormat(new TextEncoder().encode('config = 1\nother\n'), 17)).toBe('unknown');
    expect(detectModelFormat(new TextEncoder().encode('(c) 2020 Someone\nAll rights reserved\n'), 38)).toBe(
      'unknown',
    );
  });

  it('does not take text files or unrelated zips for models', () => {
    const text = { path: 'notes.txt', size: 5, head: new TextEncoder().encode('hello') };
    expect(modelFileScanner.accepts(text)).toBe(false);
    const docx = readFileSync(join(dir, 'clean.keras'));
    // The same bytes under a name whose first entry is not a model member are still accepted by content…
    expect(
      modelFileScanner.accepts({
        path: 'x.zip',
        size: docx.length,
        head: new Uint8Array(docx.subarray(0, 4096)),
      }),
    ).toBe(true);
    // …but a zip whose first member is an office document part is not.
    const head = new Uint8Array(64);
    head.set([0x50, 0x4b, 0x03, 0x04]);
    head[26] = 19;
    head.set(new TextEncoder().encode('[Content_Types].xml'), 30);
    expect(modelFileScanner.accepts({ path: 'report.docx', size: 4096, head })).toBe(false);
  });

  it('stops a bomb at the expansion limit rather than inflating it', async () => {
    const generous = { ...LIMITS, maxExpandedBytes: 200 << 20 };
    // With room for the declared size, the entry is inflated and its pickle checked up to the point it breaks.
    const found = await scan('bomb-expanded.pt', generous);
    expect(found.some((d) => d.ruleId === 'vigil.scan.archive-bomb')).toBe(false);
    expect(found.some((d) => d.ruleId === 'vigil.scan.pickle-malformed')).toBe(true);
    const tight = await scan('bomb-expanded.pt');
    expect(tight.map((d) => d.ruleId)).toEqual(['vigil.scan.archive-bomb']);
  });

  it('reports an aborted scan as a VigilError, not as findings', async () => {
    const path = join(dir, 'state-dict.pt');
    const bytes = readFileSync(path);
    const ac = new AbortController();
    ac.abort();
    await expect(
      modelFileScanner.scan(
        { path, size: bytes.length, head: new Uint8Array(bytes.subarray(0, 4096)) },
        { report: () => {}, limits: LIMITS, signal: ac.signal },
      ),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('reading only what a check needs', () => {
  it('seeks past a 4 GiB pickle payload and still finds the import after it', async () => {
    const path = join(dir, 'sparse-4g.pkl');
    const size = 4 * 1024 ** 3;
    const head = new Uint8Array([
      0x80,
      4,
      0x8e,
      ...new Uint8Array(new BigUint64Array([BigInt(size)]).buffer),
    ]);
    const tail = new TextEncoder().encode("0cposix\nsystem\n(S'id'\ntR.");
    writeFileSync(path, head);
    truncateSync(path, head.length + size);
    appendFileSync(path, tail);
    const found: ArtifactDetection[] = [];
    await modelFileScanner.scan(
      { path, size: statSync(path).size, head },
      { report: (d) => found.push(d), limits: LIMITS },
    );
    expect(found.map((d) => [d.subject, d.location.byteOffset])).toEqual([
      ['posix.system', head.length + size + 1],
    ]);
    rmSync(path);
  });

  it('inspects the header of a 4 GiB GGUF file with a few reads', async () => {
    const path = join(dir, 'sparse-4g.gguf');
    copyFileSync(join(dir, 'model.gguf'), path);
    truncateSync(path, 4 * 1024 ** 3);
    const g = await inspectGguf(path);
    expect(g.problems).toEqual([]);
    expect(g.chatTemplates).toHaveLength(1);
    expect(g.bytesRead).toBeLessThanOrEqual(1 << 20);
    const found: ArtifactDetection[] = [];
    const head = new Uint8Array(readFileSync(join(dir, 'model.gguf')).subarray(0, 4096));
    await modelFileScanner.scan(
      { path, size: statSync(path).size, head },
      { report: (d) => found.push(d), limits: LIMITS },
    );
    expect(found).toEqual([]);
    rmSync(path);
  });
});
