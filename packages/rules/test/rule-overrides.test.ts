import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVigilError, VigilError } from '@vigil/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  builtinPacks,
  loadRuleOverrides,
  parseRuleOverridesDocument,
  parseRuleSettings,
  type RuleOverridesDocument,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rule-overrides-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string, ext = 'yaml') => {
  const p = join(dir, `o${n++}.${ext}`);
  writeFileSync(p, text);
  return p;
};

const packs = builtinPacks();
const ids = packs.flatMap((p) => p.rules.map((r) => r.meta.id));
const fileDrift = ids.filter((id) => id.startsWith('vigil.drift.file.'));

const YAML = `schemaVersion: 1
overrides:
  - rule: vigil.drift.file.*
    severity: off
    reason: build agents read and write everywhere
    by: secops
  - rule: vigil.runtime.unexpected-process
    severity: low
`;

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<VigilError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof VigilError) return e;
    throw e;
  }
  throw new Error('expected a VigilError');
}

describe('rule-overrides documents', () => {
  it('reads YAML and JSON and turns the entries into engine settings, in order', async () => {
    const yaml = await loadRuleOverrides(file(YAML));
    expect(yaml.overrides[0]).toEqual({
      rule: 'vigil.drift.file.*',
      severity: 'off',
      reason: 'build agents read and write everywhere',
      by: 'secops',
    });
    const json = await loadRuleOverrides(file(JSON.stringify(yaml), 'json'));
    expect(json).toEqual(yaml);
    expect(parseRuleSettings([], packs, { document: yaml })).toEqual({
      overrides: [{ rule: 'vigil.runtime.unexpected-process', severity: 'low' }],
      disable: ['vigil.drift.file.*'],
    });
  });

  it('flags win over the file: a flag re-enables one rule of a glob the file turned off', async () => {
    const doc = await loadRuleOverrides(file(YAML));
    const s = parseRuleSettings(
      ['vigil.drift.file.new-read=medium', 'vigil.runtime.unexpected-process=off'],
      packs,
      { document: doc },
    );
    expect(s.disable).toEqual([
      ...fileDrift.filter((id) => id !== 'vigil.drift.file.new-read'),
      'vigil.runtime.unexpected-process',
    ]);
    // The engine applies overrides in order, the flag's last.
    expect(s.overrides).toEqual([
      { rule: 'vigil.runtime.unexpected-process', severity: 'low' },
      { rule: 'vigil.drift.file.new-read', severity: 'medium' },
    ]);
    // A later entry of the file wins over an earlier one the same way.
    const within = parseRuleSettings([], packs, {
      document: {
        schemaVersion: 1,
        overrides: [
          { rule: 'vigil.drift.file.*', severity: 'off' },
          { rule: 'vigil.drift.file.credential-read', severity: 'critical' },
        ],
      },
    });
    expect(within.disable).not.toContain('vigil.drift.file.credential-read');
    expect(within.disable).toContain('vigil.drift.file.new-read');
  });

  it.each([
    [
      'an unknown rule id',
      `schemaVersion: 1\noverrides:\n  - { rule: vigil.runtime.unexpected-process, severity: low }\n  - { rule: vigil.runtime.no-such-rule, severity: low }\n`,
      'yaml',
      /o\d+\.yaml, at overrides\[1\]\.rule: rule override: no rule "vigil\.runtime\.no-such-rule"/,
    ],
    [
      'a severity that is none',
      `schemaVersion: 1\noverrides:\n  - rule: vigil.runtime.unexpected-process\n    severity: loud\n`,
      'yaml',
      /o\d+\.yaml: invalid rule overrides document: overrides\[0\]\.severity: /,
    ],
    ['a missing schemaVersion', 'overrides: []\n', 'yaml', /schemaVersion: /],
    ['an unknown field', 'schemaVersion: 1\noverrides: []\nrules: []\n', 'yaml', /rules/],
    ['a future version', '{"schemaVersion": 2, "overrides": []}', 'json', /schemaVersion: /],
    [
      'broken JSON',
      '{"schemaVersion": 1,\n "overrides": [\n  {"rule": "x",, }]}',
      'json',
      /o\d+\.json.*line 3/,
    ],
    ['broken YAML', 'schemaVersion: 1\noverrides:\n  - rule: [unclosed\n', 'yaml', /o\d+\.yaml.*line/],
  ])('names the file, the place and what was expected: %s', async (_name, text, ext, message) => {
    const p = file(text, ext);
    const err = await rejection(async () =>
      parseRuleSettings([], packs, { document: await loadRuleOverrides(p), file: p }),
    );
    expect(err.message).toMatch(message);
    // Syntax errors are PARSE; a document that parses but is not one is INPUT_INVALID.
    expect(err.code).toBe(/^broken/.test(_name) ? 'PARSE' : 'INPUT_INVALID');
  });

  it('refuses hostile documents before building them: huge, deeply nested, alias bombs', async () => {
    const huge = file(
      `schemaVersion: 1\noverrides:\n${'  - { rule: "vigil.*", severity: low }\n'.repeat(200_000)}`,
    );
    expect((await rejection(loadRuleOverrides(huge))).message).toMatch(/limit|values/);
    const deep = file(`${'['.repeat(10_000)}${']'.repeat(10_000)}`, 'json');
    expect((await rejection(loadRuleOverrides(deep))).message).toMatch(/nest|deep|depth/i);
    const bomb = file(
      [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        ...Array.from(
          { length: 9 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
        ),
      ].join('\n'),
    );
    expect(isVigilError(await rejection(loadRuleOverrides(bomb)))).toBe(true);
  });

  it('fuzz: malformed, truncated and hostile text is a document or a VigilError naming the file, nothing else', async () => {
    const valid = JSON.stringify({
      schemaVersion: 1,
      overrides: [{ rule: 'vigil.drift.*', severity: 'low', reason: 'r', by: 'b' }],
    } satisfies RuleOverridesDocument);
    const text = fc.oneof(
      fc.string(),
      fc.integer({ min: 0, max: valid.length }).map((i) => valid.slice(0, i)),
      fc
        .tuple(fc.integer({ min: 0, max: valid.length }), fc.string())
        .map(([i, s]) => valid.slice(0, i) + s + valid.slice(i)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({
          schemaVersion: fc.oneof(fc.constant(1), fc.jsonValue()),
          overrides: fc.array(
            fc.record({
              rule: fc.oneof(fc.constantFrom(...ids, 'vigil.*', '*', ''), fc.string()),
              severity: fc.oneof(
                fc.constantFrom('info', 'low', 'medium', 'high', 'critical', 'off'),
                fc.string(),
              ),
              reason: fc.string(),
            }),
            { maxLength: 8 },
          ),
        })
        .map((d) => JSON.stringify(d)),
    );
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), async (t, asJson) => {
        const p = file(t, asJson ? 'json' : 'yaml');
        try {
          const doc = await loadRuleOverrides(p);
          const s = parseRuleSettings([], packs, { document: doc, file: p });
          expect(s.overrides.length + s.disable.length).toBeGreaterThanOrEqual(
            doc.overrides.length > 0 ? 1 : 0,
          );
        } catch (e) {
          expect(isVigilError(e)).toBe(true);
          expect((e as Error).message).toContain(p);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('validates a document given in memory too (the SDK path)', () => {
    expect(() => parseRuleOverridesDocument({ schemaVersion: 1, overrides: [{ rule: 'x' }] }, 'mem')).toThrow(
      /mem: invalid rule overrides document: overrides\[0\]\.severity/,
    );
  });
});
