import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isVigilError, parseRagConfig, RagConfigSchema, readRagConfig, VigilError } from '../../src/index.js';

const VALID = `# the corpus and who may write it
schemaVersion: 1
ingest:
  - name: nightly
    workload: [rag-ingest]
    principal: [ingest]
    collections: [docs, chunks]
collections:
  - name: employees
    store: postgresql
    labels: [pii, hr]
  - name: "vault_*"
    labels: [secrets]
    corpus: false
agents:
  - name: support
    workload: ["support-*"]
    purpose: answer product questions
    labels: []
`;

function thrown(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error('expected a VigilError');
}

describe('parseRagConfig', () => {
  it('reads YAML and JSON into the same document', () => {
    const yaml = parseRagConfig(VALID, 'rag.yaml');
    expect(yaml.ingest[0]).toEqual({
      name: 'nightly',
      workload: ['rag-ingest'],
      principal: ['ingest'],
      collections: ['docs', 'chunks'],
    });
    expect(yaml.collections.map((c) => [c.name, c.labels])).toEqual([
      ['employees', ['pii', 'hr']],
      ['vault_*', ['secrets']],
    ]);
    expect(parseRagConfig(JSON.stringify(yaml), 'rag.json')).toEqual(yaml);
    expect(parseRagConfig('schemaVersion: 1\n', 'min.yaml')).toEqual({
      schemaVersion: 1,
      ingest: [],
      collections: [],
      agents: [],
    });
  });

  const bad: { name: string; text: string; message: RegExp; line?: number }[] = [
    { name: 'an empty file', text: '', message: /empty/ },
    { name: 'another schema version', text: 'schemaVersion: 2\n', message: /schemaVersion/, line: 1 },
    {
      name: 'a misspelt key',
      text: 'schemaVersion: 1\ningets: []\n',
      message: /ingets/,
    },
    {
      name: 'an ingest entry that names nobody',
      text: 'schemaVersion: 1\ningest:\n  - name: x\n    collections: [docs]\n',
      message: /ingest\[0\].*at least one of workload, exe or principal/,
      line: 3,
    },
    {
      name: 'a label with upper case',
      text: 'schemaVersion: 1\ncollections:\n  - name: t\n    labels: [PII]\n',
      message: /collections\[0\]\.labels\[0\]/,
      line: 4,
    },
    {
      name: 'labels that are not a list',
      text: 'schemaVersion: 1\nagents:\n  - name: a\n    workload: [a]\n    labels: pii\n',
      message: /agents\[0\]\.labels/,
      line: 5,
    },
    { name: 'invalid YAML', text: 'schemaVersion: 1\ningest: [\n', message: /YAML/ },
    { name: 'two documents', text: 'schemaVersion: 1\n---\nschemaVersion: 1\n', message: /documents/ },
    { name: 'a duplicate key', text: 'schemaVersion: 1\nschemaVersion: 1\n', message: /unique|duplicate/i },
    {
      name: 'an alias bomb',
      text: `schemaVersion: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
        { length: 12 },
        (_, i) =>
          `b${i}: &b${i} [${Array(10)
            .fill(i === 0 ? '*a' : `*b${i - 1}`)
            .join(', ')}]`,
      ).join('\n')}\n`,
      message: /alias|values|limit/i,
    },
    {
      name: 'nesting deeper than the limit',
      text: `schemaVersion: 1\nx: ${'['.repeat(40)}${']'.repeat(40)}\n`,
      message: /deeper|nest/i,
    },
  ];
  it.each(bad)('rejects $name with a VigilError naming the file and the place', ({ text, message, line }) => {
    const err = thrown(() => parseRagConfig(text, 'bad.yaml'));
    expect(err.message).toMatch(message);
    expect(err.location?.file).toBe('bad.yaml');
    if (line !== undefined) expect(err.location?.line).toBe(line);
  });

  it('rejects text over 4 MiB before parsing it', () => {
    const err = thrown(() =>
      parseRagConfig(`schemaVersion: 1\n#${'x'.repeat(4 * 1024 * 1024)}\n`, 'big.yaml'),
    );
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toMatch(/over the 4194304-byte limit/);
  });

  it('throws only VigilErrors naming the file, whatever the text (fuzzed)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.json({ maxDepth: 5 })), (text) => {
        try {
          const doc = parseRagConfig(text, 'fuzz.yaml');
          return RagConfigSchema.safeParse(doc).success;
        } catch (err) {
          return isVigilError(err) && err.location?.file === 'fuzz.yaml';
        }
      }),
      { numRuns: 400 },
    );
  });

  it('names the path of a corruption of a valid document (fuzzed)', () => {
    const valid = parseRagConfig(VALID, 'rag.yaml');
    const places = [
      ['ingest', 0, 'workload'],
      ['ingest', 0, 'collections'],
      ['collections', 0, 'labels'],
      ['collections', 1, 'name'],
      ['agents', 0, 'labels'],
      ['agents', 0, 'name'],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...places), fc.anything({ maxDepth: 2 }), ([list, i, key], value) => {
        const doc = structuredClone(valid) as unknown as Record<string, Record<string, unknown>[]>;
        doc[list]![i]![key] = value;
        try {
          parseRagConfig(JSON.stringify(doc), 'c.json');
          return true; // a corruption that is still valid
        } catch (err) {
          return (
            isVigilError(err) && err.message.includes(`${list}[${i}]`) && err.location?.line !== undefined
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('readRagConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rag-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file, and names a missing one', async () => {
    const file = join(dir, 'rag.yaml');
    writeFileSync(file, VALID);
    expect((await readRagConfig(file)).agents[0]!.name).toBe('support');
    await expect(readRagConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml|no such file/i);
  });
});
