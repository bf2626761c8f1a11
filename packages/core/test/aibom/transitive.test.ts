import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AiBomBuilder,
  AiBomSchema,
  aiBomFindings,
  type DeclaredPackage,
  isVigilError,
  readDeclaredInput,
  readPackageLockGraph,
  readPnpmLockGraph,
  readYarnLockGraph,
  transitiveDependencies,
} from '@vigil/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ev } from './events.js';

const ROOT = resolve(__dirname, '../../../..');
const LAB = join(ROOT, 'examples/lab/package.json');
const PNPM = join(ROOT, 'node_modules/.pnpm');

describe('transitive dependencies from the real lockfile (examples/lab in the repo pnpm-lock.yaml)', async () => {
  const declared = (await readDeclaredInput(LAB)).filter((c): c is DeclaredPackage => c.kind === 'package');
  const byName = new Map(declared.map((p) => [p.name, p]));

  it('declares the @openai/agents family, the MCP client packages and LangGraph’s as transitive, with the chain', () => {
    // What the lab's package.json names is declared directly, even when a framework also brings it in.
    for (const name of ['@openai/agents', 'openai', '@modelcontextprotocol/sdk', '@langchain/langgraph'])
      expect(byName.get(name)?.declaration, name).toMatchObject({ input: 'package.json', direct: true });
    for (const name of [
      '@openai/agents-core',
      '@openai/agents-openai',
      '@openai/agents-realtime',
      '@modelcontextprotocol/client',
      '@modelcontextprotocol/core',
      '@langchain/langgraph-checkpoint',
      '@langchain/langgraph-sdk',
    ]) {
      const p = byName.get(name);
      expect(p, name).toBeDefined();
      expect(p!.declaration, name).toMatchObject({
        file: join(ROOT, 'pnpm-lock.yaml'),
        input: 'pnpm-lock.yaml',
        direct: false,
      });
      expect(p!.declaration.via!.length, name).toBeGreaterThan(0);
    }
    expect(byName.get('@openai/agents-core')?.declaration.via).toEqual(['@openai/agents']);
    expect(byName.get('@modelcontextprotocol/client')?.declaration.via).toEqual([
      '@openai/agents',
      '@openai/agents-core',
    ]);
    expect(byName.get('@modelcontextprotocol/core')?.declaration.via).toEqual([
      '@openai/agents',
      '@openai/agents-core',
      '@modelcontextprotocol/client',
    ]);
    expect(byName.get('@langchain/langgraph-checkpoint')?.declaration.via).toEqual(['@langchain/langgraph']);
    // Only what the lab reaches: packages of other workspace members are not declared by it.
    expect(byName.has('better-sqlite3')).toBe(false);
    expect(byName.has('@nats-io/jetstream')).toBe(false);
    expect(byName.has('tslab')).toBe(false);
  });

  it('makes them declared-used, not shadow AI, when they run', async () => {
    // Each package's entry point as the agent process opens it, at the path pnpm installed it.
    // Only packages the lab reaches: the store also holds other workspace members' packages.
    const dirs = readdirSync(PNPM).filter(
      (d) =>
        /^(@openai\+agents|openai@|@modelcontextprotocol\+)/.test(d) &&
        byName.has(d.replace(/^(@?[^@]+)@.*$/, '$1').replace('+', '/')),
    );
    expect(dirs.length).toBeGreaterThanOrEqual(8);
    const events = [
      ev({
        kind: 'process.exec',
        pid: 100,
        ppid: 1,
        filename: '/usr/bin/node',
        argv: ['node', 'src/main.ts'],
      }),
      ...dirs.map((d, i) => {
        const name = d.replace(/^(@?[^@]+)@.*$/, '$1').replace('+', '/');
        const path = join(PNPM, d, 'node_modules', name, 'package.json');
        expect(existsSync(path), path).toBe(true);
        return ev({
          kind: 'file.open',
          pid: 100,
          ts: 1_800_000_000_000_000_000 + i,
          path,
          flags: 0,
          access: 'read',
          result: 20,
        });
      }),
    ];
    const builder = new AiBomBuilder();
    builder.onBatch(events);
    builder.declare(declared);
    const bom = AiBomSchema.parse(builder.result({ now: new Date(0) }));
    const agentsCore = bom.components.find((c) => c.name === '@openai/agents-core');
    expect(agentsCore?.status).toBe('declared-used');
    expect(agentsCore?.declared?.[0]?.via).toEqual(['@openai/agents']);
    const shadow = aiBomFindings(bom).filter((f) => f.ruleId === 'vigil.aibom.shadow-ai');
    expect(shadow.map((f) => f.title)).toEqual([]);
    // Without the graph (transitive: false) the same run reports them as shadow AI: the test can fail.
    const without = new AiBomBuilder();
    without.onBatch(events);
    without.declare(await readDeclaredInput(LAB, { transitive: false }));
    const b2 = AiBomSchema.parse(without.result({ now: new Date(0) }));
    expect(b2.components.find((c) => c.name === '@openai/agents-core')?.status).toBe('undeclared-used');
  });
});

describe('npm and yarn lockfile graphs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lockgraph-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves package-lock.json dependencies the way Node does (nearest node_modules)', async () => {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ dependencies: { '@openai/agents': '0.20.0' } }),
    );
    writeFileSync(
      join(dir, 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { '@openai/agents': '0.20.0' } },
          'node_modules/@openai/agents': {
            version: '0.20.0',
            dependencies: { '@openai/agents-core': '0.20.0', openai: '^7' },
          },
          'node_modules/@openai/agents-core': { version: '0.20.0', dependencies: { openai: '^6' } },
          'node_modules/@openai/agents-core/node_modules/openai': { version: '6.1.0' },
          'node_modules/openai': { version: '7.57.0' },
          'node_modules/unrelated': { version: '1.0.0' },
        },
      }),
    );
    const g = readPackageLockGraph(join(dir, 'package-lock.json'));
    expect(g.deps.get('node_modules/@openai/agents-core')).toEqual([
      'node_modules/@openai/agents-core/node_modules/openai',
    ]);
    const reach = transitiveDependencies(g, '.');
    expect([...reach.keys()].sort()).toEqual([
      'node_modules/@openai/agents',
      'node_modules/@openai/agents-core',
      'node_modules/@openai/agents-core/node_modules/openai',
      'node_modules/openai',
    ]);
    const declared = (await readDeclaredInput(join(dir, 'package.json'))) as DeclaredPackage[];
    expect(
      declared
        .map(
          (p) =>
            `${p.name}@${p.version ?? ''} ${p.declaration.direct} ${(p.declaration.via ?? []).join('>')}`,
        )
        .sort(),
    ).toEqual([
      '@openai/agents-core@0.20.0 false @openai/agents',
      '@openai/agents@0.20.0 true ',
      'openai@6.1.0 false @openai/agents>@openai/agents-core',
      'openai@7.57.0 false @openai/agents',
    ]);
  });

  it('reads yarn.lock (classic) dependencies by spec', () => {
    const f = join(dir, 'yarn.lock');
    writeFileSync(
      f,
      [
        '# yarn lockfile v1',
        '',
        '"@openai/agents@0.20.0":',
        '  version "0.20.0"',
        '  dependencies:',
        '    "@openai/agents-core" "0.20.0"',
        '',
        '"@openai/agents-core@0.20.0":',
        '  version "0.20.0"',
        '  dependencies:',
        '    openai "^7.0.0"',
        '',
        'openai@^7.0.0, openai@^7.1.0:',
        '  version "7.57.0"',
        '',
      ].join('\n'),
    );
    const g = readYarnLockGraph(f, { '@openai/agents': '0.20.0' });
    const reach = transitiveDependencies(g, '.');
    expect([...reach.values()].map((v) => v.join('>'))).toEqual([
      '@openai/agents',
      '@openai/agents>@openai/agents-core',
      '@openai/agents>@openai/agents-core>openai',
    ]);
    expect(g.nodes.get('openai@^7.0.0')).toEqual({ name: 'openai', version: '7.57.0' });
  });
});

describe('lockfile graphs on malformed and hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lockgraph-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const lines = fc.array(
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        'importers:',
        '  .:',
        '    dependencies:',
        "      'a':",
        '        version: 1.0.0(x@1)',
        'snapshots:',
        "  'a@1.0.0(x@1)':",
        '      b: 2.0.0',
        '  __proto__:',
        '    dependencies:',
        '      constructor: 1.0.0',
      ),
    ),
    { maxLength: 40 },
  );

  it('reads arbitrary text into a graph or a VigilError, never a crash (property)', () => {
    let n = 0;
    fc.assert(
      fc.property(lines, (ls) => {
        const f = join(dir, `p${n++}.yaml`);
        writeFileSync(f, ls.join('\n'));
        for (const read of [readPnpmLockGraph, (p: string) => readYarnLockGraph(p, { a: '1.0.0' })]) {
          try {
            const g = read(f);
            for (const [k] of transitiveDependencies(g, '.')) expect(typeof k).toBe('string');
          } catch (e) {
            expect(isVigilError(e)).toBe(true);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('a pnpm dependency listed before any importer is skipped, not a TypeError (the fixed-seed counterexample)', () => {
    const f = join(dir, 'orphan-pnpm-lock.yaml');
    writeFileSync(f, 'importers:\n    dependencies:\n      b: 2.0.0\n        version: 1.0.0(x@1)');
    expect([...transitiveDependencies(readPnpmLockGraph(f), '.')]).toEqual([]);
  });

  it('turns malformed, truncated and cyclic package-locks into a VigilError or a finite graph', () => {
    const f = join(dir, 'package-lock.json');
    writeFileSync(f, '{"lockfileVersion": 3, "packages": {"": {"dependencies": {"a": "1"');
    expect(() => readPackageLockGraph(f)).toThrow(/package-lock.json is not valid JSON/);
    writeFileSync(
      f,
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { a: '1' } },
          'node_modules/a': { version: '1.0.0', dependencies: { b: '1' } },
          'node_modules/b': { version: '1.0.0', dependencies: { a: '1', __proto__: '1' } },
          'node_modules/c': null,
        },
      }),
    );
    const reach = transitiveDependencies(readPackageLockGraph(f), '.');
    expect([...reach.values()].map((v) => v.join('>'))).toEqual(['a', 'a>b']);
  });
});
