import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  builtinPacks,
  defineRule,
  ExceptionsDocumentSchema,
  loadExceptions,
  loadRulePack,
  loadRulePacks,
  parseExceptionsDocument,
  RuleEngine,
  validateRulePack,
} from '../src/index.js';
import { exec } from './events.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A pack as a user would write it in plain JavaScript: a data object with functions, no imports needed.
const PACK_JS = `
export default {
  name: '@acme/vigil-pack', version: '2.1.0', engine: '^1.0.0',
  rules: [{
    type: 'event',
    meta: { id: 'acme.exec.curl', title: 'curl ran', description: 'curl ran in a workload', severity: 'low', version: '1.0.0' },
    kinds: ['process.exec'],
    onEvent(ev, ctx) { if (ev.filename.endsWith('/curl')) ctx.report({ subject: ev.filename, summary: 'curl ran' }); },
  }],
};
`;

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe('loadRulePack', () => {
  it('loads a pack from a module path', async () => {
    const file = write('pack.mjs', PACK_JS);
    const pack = await loadRulePack(file);
    expect(pack.name).toBe('@acme/vigil-pack');
    const engine = new RuleEngine({ packs: [pack] });
    expect(engine.process([exec('/usr/bin/curl')]).map((f) => f.ruleId)).toEqual(['acme.exec.curl']);
  });

  it('loads a pack by package name from node_modules, through its exports', async () => {
    write(
      'proj/node_modules/@acme/vigil-pack/package.json',
      JSON.stringify({
        name: '@acme/vigil-pack',
        type: 'module',
        exports: { '.': { import: './dist/index.js' } },
      }),
    );
    write('proj/node_modules/@acme/vigil-pack/dist/index.js', PACK_JS);
    mkdirSync(join(dir, 'proj/sub'), { recursive: true });
    const pack = await loadRulePack('@acme/vigil-pack', { cwd: join(dir, 'proj/sub') });
    expect(pack.version).toBe('2.1.0');
  });

  it('loads a pack from a package directory', async () => {
    const pack = await loadRulePack(join(dir, 'proj/node_modules/@acme/vigil-pack'));
    expect(pack.rules).toHaveLength(1);
  });

  it('loads several packs in order and refuses the same pack twice', async () => {
    const a = write('a.mjs', PACK_JS);
    const b = write(
      'b.mjs',
      PACK_JS.replace("'@acme/vigil-pack'", "'@acme/other'").replace('acme.exec.curl', 'acme.exec.curl2'),
    );
    expect((await loadRulePacks([a, b])).map((p) => p.name)).toEqual(['@acme/vigil-pack', '@acme/other']);
    await expect(loadRulePacks([a, a])).rejects.toThrowError(/rule pack "@acme\/vigil-pack" is loaded twice/);
  });

  it('says what is wrong: missing file, missing package, no pack export, invalid pack, import failure', async () => {
    await expect(loadRulePack(join(dir, 'nope.mjs'))).rejects.toThrowError(/rule pack file not found/);
    await expect(loadRulePack('@acme/missing', { cwd: dir })).rejects.toThrowError(
      /cannot find rule pack "@acme\/missing"/,
    );
    await expect(loadRulePack(write('empty.mjs', 'export const x = 1;'))).rejects.toThrowError(
      /exports no pack/,
    );
    const bad = write('bad.mjs', PACK_JS.replace("severity: 'low'", "severity: 'urgent'"));
    await expect(loadRulePack(bad)).rejects.toThrowError(
      /rule pack "@acme\/vigil-pack" from .*bad\.mjs: rule "acme\.exec\.curl" \(rules\[0\]\): meta\.severity/,
    );
    await expect(loadRulePack(write('throws.mjs', 'throw new Error("kaboom");'))).rejects.toThrowError(
      /could not be imported: kaboom/,
    );
    await expect(loadRulePack(write('syntax.mjs', 'export default {'))).rejects.toThrowError(
      /could not be imported/,
    );
  });
});

describe('validateRulePack on hostile input', () => {
  it('never throws anything but a VigilError naming the pack, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, maxDepth: 4 }), (raw) => {
        try {
          validateRulePack(raw, 'fuzz.js');
          return false; // nothing random is a valid pack
        } catch (err) {
          return err instanceof Error && err.name === 'VigilError' && /rule pack/.test(err.message);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('names the rule for random corruptions of a valid pack', () => {
    const valid = {
      name: 'p',
      version: '1.0.0',
      engine: '^1.0.0',
      rules: [
        {
          type: 'event',
          meta: { id: 'a.b', title: 't', description: 'd', severity: 'low', version: '1.0.0' },
          kinds: ['process.exec'],
          onEvent() {},
        },
      ],
    };
    const fields = ['id', 'title', 'description', 'severity', 'version'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.anything({ maxDepth: 2 }), (field, value) => {
        fc.pre(
          !(
            typeof value === 'string' &&
            value.length > 0 &&
            field !== 'id' &&
            field !== 'severity' &&
            field !== 'version'
          ),
        );
        const rule = { ...valid.rules[0]!, meta: { ...valid.rules[0]!.meta, [field]: value } };
        try {
          validateRulePack({ ...valid, rules: [rule] });
          return true; // a corruption that happens to be valid (e.g. another severity) is fine
        } catch (err) {
          return (
            err instanceof Error && err.message.includes('rules[0]') && err.message.includes(`meta.${field}`)
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('passes every built-in pack (the engine trusts them without validating again)', () => {
    const packs = builtinPacks();
    expect(packs.length).toBeGreaterThan(0);
    for (const pack of packs) expect(validateRulePack(pack)).toBe(pack);
  });

  it('handles a huge pack', () => {
    const rules = Array.from({ length: 5000 }, (_, i) => ({
      type: 'event',
      meta: { id: `huge.r${i}`, title: 't', description: 'd', severity: 'low', version: '1.0.0' },
      kinds: ['process.exec'],
      onEvent() {},
    }));
    expect(validateRulePack({ name: 'huge', version: '1.0.0', engine: '^1', rules }).rules).toHaveLength(
      5000,
    );
  });
});

describe('exceptions documents', () => {
  it('loads YAML and JSON, and errors name the file and the place', async () => {
    const y = write(
      'ex.yaml',
      'schemaVersion: 1\nexceptions:\n  - name: pip\n    rules: [vigil.runtime.exec-from-temp]\n    when:\n      exe: ["/usr/bin/pip*"]\n',
    );
    expect((await loadExceptions(y)).exceptions[0]!.name).toBe('pip');
    const j = write('ex.json', JSON.stringify({ schemaVersion: 1, exceptions: [] }));
    expect((await loadExceptions(j)).exceptions).toEqual([]);
    await expect(
      loadExceptions(write('bad.yaml', 'schemaVersion: 1\nexceptions:\n  - name: [unclosed\n')),
    ).rejects.toThrowError(/bad\.yaml, line \d+/);
    await expect(loadExceptions(write('bad.json', '{"schemaVersion": 1,'))).rejects.toThrowError(
      /bad\.json, line 1:21: exceptions file is not valid JSON/,
    );
    await expect(
      loadExceptions(write('wrong.json', JSON.stringify({ schemaVersion: 2, exceptions: [{ name: '' }] }))),
    ).rejects.toThrowError(/wrong\.json: invalid exceptions document: schemaVersion/);
    await expect(loadExceptions(join(dir, 'missing.yaml'))).rejects.toThrowError(
      /missing\.yaml: cannot read exceptions file/,
    );
    const bomb = write(
      'bomb.yaml',
      `schemaVersion: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
        { length: 12 },
        (_, i) =>
          `b${i}: &b${i} [${Array(10)
            .fill(i === 0 ? '*a' : `*b${i - 1}`)
            .join(', ')}]`,
      ).join('\n')}\nexceptions: []\n`,
    );
    await expect(loadExceptions(bomb)).rejects.toThrowError(/bomb\.yaml/);
  });

  it('parseExceptionsDocument rejects any random document with an INPUT_INVALID error', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (raw) => {
        const ok = ExceptionsDocumentSchema.safeParse(raw).success;
        try {
          parseExceptionsDocument(raw, 'x.json');
          return ok;
        } catch (err) {
          return !ok && (err as { code?: string }).code === 'INPUT_INVALID';
        }
      }),
      { numRuns: 300 },
    );
  });

  it('exceptions with hostile globs match literally, not as regular expressions', () => {
    const engine = new RuleEngine({
      packs: [
        {
          name: 'p',
          version: '1.0.0',
          engine: '^1.0.0',
          rules: [
            defineRule({
              meta: { id: 'a.b', title: 't', description: 'd', severity: 'low', version: '1.0.0' },
              kinds: ['process.exec'],
              onEvent: (ev, ctx) => ctx.report({ subject: ev.filename, summary: 's' }),
            }),
          ],
        },
      ],
      exceptions: [{ name: 'x', rules: ['a.b'], when: { filename: ['/bin/(a|b)+$', '/opt/[x].*'] } }],
    });
    expect(
      engine
        .process([exec('/bin/a'), exec('/bin/(a|b)+$'), exec('/opt/[x].anything')])
        .map((f) => f.evidence[0]!.event!.kind && (f.evidence[0]!.event as { filename: string }).filename),
    ).toEqual(['/bin/a']);
  });
});
