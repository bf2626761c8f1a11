import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mcpConfiguredServers, VigilError } from '@vigil/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  builtinScanners,
  emptyPins,
  findFetchExec,
  findHiddenInstructions,
  findInvisible,
  parseMcpPins,
  pinServer,
  readMcpDefinitions,
  scanPaths,
} from '../../src/index.js';
import { CLEAN_TOOLS, POISONED_TOOLS } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-scan-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `fn`; anything thrown must be a VigilError that names the file. */
function onlyVigilErrors(fn: () => unknown, file: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).message).toContain(file);
  }
}

const shaped = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 5 }));
const entry = fc.record(
  {
    command: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    args: fc.oneof(fc.array(fc.string()), fc.string(), fc.array(fc.jsonValue())),
    env: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
    url: fc.oneof(fc.webUrl(), fc.jsonValue()),
    tools: fc.oneof(fc.array(fc.oneof(fc.string(), fc.record({ name: fc.string() }))), fc.jsonValue()),
    disabled: fc.oneof(fc.boolean(), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

describe('hostile input to every parser', () => {
  it('MCP client configurations: only VigilErrors naming the file and the JSON path', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          shaped(['mcpServers', 'servers', 'mcp', 'projects']),
          fc.record({ mcpServers: fc.dictionary(fc.string(), entry) }),
          fc.record({
            projects: fc.dictionary(
              fc.string(),
              fc.record({ mcpServers: fc.dictionary(fc.string(), entry) }),
            ),
          }),
          fc.jsonValue(),
        ),
        (v) => {
          try {
            mcpConfiguredServers(v, 'cfg.json');
          } catch (err) {
            expect(err).toBeInstanceOf(VigilError);
            expect((err as VigilError).message).toMatch(/^cfg\.json: /);
            if ((err as VigilError).issues.length > 0)
              expect((err as VigilError).message).toMatch(/(mcpServers|servers|projects)[.[:]/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('tools/list documents: only VigilErrors naming the file and the JSON pointer', () => {
    const tool = fc.record(
      {
        name: fc.oneof(fc.string(), fc.integer(), fc.constant('')),
        description: fc.oneof(fc.string(), fc.jsonValue()),
        inputSchema: fc.jsonValue({ maxDepth: 6 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ tools: fc.oneof(fc.array(tool), fc.jsonValue()) }),
          fc.record({
            result: fc.record({ tools: fc.array(tool), prompts: fc.jsonValue(), resources: fc.jsonValue() }),
          }),
          shaped(['tools', 'prompts', 'resources', 'result', 'server']),
          fc.jsonValue(),
        ),
        (v) => {
          try {
            const defs = readMcpDefinitions(v, 'list.json');
            // Whatever parsed can be pinned.
            expect(pinServer(defs).hash).toMatch(/^[0-9a-f]{64}$/);
          } catch (err) {
            expect(err).toBeInstanceOf(VigilError);
            expect((err as VigilError).message).toMatch(/^list\.json[:,] /);
            if (/invalid MCP/.test((err as Error).message))
              expect((err as VigilError).message).toMatch(/at \/(result\/)?(tools|prompts|resources)\/\d+/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('pin files: only VigilErrors naming the file; a valid pin round-trips', () => {
    const good = {
      ...emptyPins(),
      servers: {
        a: pinServer({
          server: 'a',
          origin: 'file',
          uri: 'x',
          tools: CLEAN_TOOLS,
          prompts: [],
          resources: [],
          pointers: {},
        }),
      },
    };
    expect(parseMcpPins(JSON.parse(JSON.stringify(good)), 'pins.json')).toEqual(good);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          shaped(['schemaVersion', 'kind', 'servers']),
          fc.record({
            schemaVersion: fc.constant(1),
            kind: fc.constant('McpPins'),
            servers: fc.dictionary(fc.string(), fc.jsonValue()),
          }),
        ),
        (v) => onlyVigilErrors(() => parseMcpPins(v, 'pins.json'), 'pins.json'),
      ),
      { numRuns: 500 },
    );
  });

  it('text detectors never throw on arbitrary Unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (s) => {
        findHiddenInstructions(s);
        findInvisible(s);
        findFetchExec(s);
      }),
      { numRuns: 500 },
    );
  });

  it('whole files: truncated, corrupted, deeply nested and huge documents end as recorded errors, never a crash', async () => {
    const poisoned = JSON.stringify({ tools: Object.values(POISONED_TOOLS) });
    const config = JSON.stringify({ mcpServers: { a: { command: 'x', args: ['y'] } } });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(poisoned, config),
        fc.nat(),
        fc.uint8Array({ minLength: 0, maxLength: 8 }),
        async (doc, cut, noise) => {
          const bytes = Buffer.concat([
            Buffer.from(doc.slice(0, cut % (doc.length + 1))),
            Buffer.from(noise),
          ]);
          const file = join(dir, 'fuzz.tools.json');
          writeFileSync(file, bytes);
          const r = await scanPaths([file], { scanners: builtinScanners() });
          for (const e of r.errors) {
            expect(['PARSE', 'INPUT_INVALID']).toContain(e.code);
            expect(e.message).toContain(file);
          }
        },
      ),
      { numRuns: 150 },
    );
    const deep = join(dir, 'deep.tools.json');
    writeFileSync(
      deep,
      `{"tools":[{"name":"a","inputSchema":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`,
    );
    const huge = join(dir, 'huge.tools.json');
    writeFileSync(huge, JSON.stringify({ tools: [{ name: 'a', description: 'x'.repeat(2 << 20) }] }));
    const r = await scanPaths([deep, huge], { scanners: builtinScanners(), limits: { maxBytes: 1 << 20 } });
    expect(r.errors.map((e) => e.message.replace(dir, ''))).toEqual([
      expect.stringMatching(
        /deep\.tools\.json: MCP document (is not valid JSON: expected less nesting|nests deeper than 64 levels)/,
      ),
      expect.stringMatching(/huge\.tools\.json: MCP document is \d+ bytes, over the 1048576-byte limit/),
    ]);
  });

  it('pathological megabyte texts finish (every detector is linear in its input)', () => {
    const texts = [
      'curl '.repeat(200_000),
      'base64 -d '.repeat(100_000),
      '~/.ssh/id_rsa read '.repeat(50_000),
      'do not '.repeat(200_000),
      'a'.repeat(1_000_000),
      '/a'.repeat(500_000),
    ];
    const found = texts.map((t) => [
      findFetchExec(t).length,
      findHiddenInstructions(t).length > 0,
      findInvisible(t).length,
    ]);
    expect(found).toEqual([
      [0, false, 0],
      [0, false, 0],
      [0, true, 0],
      [0, false, 0],
      [0, false, 0],
      [0, false, 0],
    ]);
  }, 120_000);
});
