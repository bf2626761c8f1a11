import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ObservedUseDocument, severityRank } from '@vigil/core';
import semver from 'semver';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AdvisoryIndex,
  AdvisorySetSchema,
  advisorySeverity,
  buildAdvisorySet,
  comparePep440,
  createAdvisoryScanner,
  cvss3BaseScore,
  inOsvRange,
  type OsvAdvisory,
  parsePep440,
  scanPaths,
  shippedAdvisories,
} from '../../src/index.js';
import { put } from './corpus.js';
import { buildSupplyCorpus } from './supply-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-advisories-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = buildSupplyCorpus(join(dir, 'corpus'));

describe('PEP 440 ordering', () => {
  // Each version sorts strictly before the next (the ordering PEP 440 gives as its example, and more).
  const ordered = [
    '1.0.dev456',
    '1.0a1',
    '1.0a2.dev456',
    '1.0a12.dev456',
    '1.0a12',
    '1.0b1.dev456',
    '1.0b2',
    '1.0b2.post345.dev456',
    '1.0b2.post345',
    '1.0rc1.dev456',
    '1.0rc1',
    '1.0',
    '1.0+abc.5',
    '1.0+abc.7',
    '1.0+5',
    '1.0.post456.dev34',
    '1.0.post456',
    '1.0.15',
    '1.1.dev1',
    '2!0.1',
  ];
  it.each(ordered.slice(0, -1).map((v, i) => [v, ordered[i + 1]!]))('%s < %s', (a, b) => {
    expect(comparePep440(parsePep440(a)!, parsePep440(b)!)).toBeLessThan(0);
    expect(comparePep440(parsePep440(b)!, parsePep440(a)!)).toBeGreaterThan(0);
  });
  it.each([
    ['1.0', '1.0.0'],
    ['1.0RC1', '1.0rc1'],
    ['1.0-post2', '1.0.post2'],
    ['1.0-2', '1.0.post2'],
    ['v1.0', '1.0'],
    ['1.0alpha1', '1.0a1'],
    ['1.0c1', '1.0rc1'],
  ])('%s equals %s', (a, b) => {
    expect(comparePep440(parsePep440(a)!, parsePep440(b)!)).toBe(0);
  });
  it.each(['', 'abc', '1.0-', '1..0', '1.0+', `1.${'9'.repeat(400)}`, '1.99999999999999999999'])(
    '%j is not a version',
    (v) => {
      expect(parsePep440(v)).toBeUndefined();
    },
  );
});

describe('OSV ranges', () => {
  it.each([
    ['pypi', '1.12.0', [{ introduced: '0' }, { fixed: '1.13.1' }], true],
    ['pypi', '1.13.1', [{ introduced: '0' }, { fixed: '1.13.1' }], false],
    ['pypi', '1.13.1rc1', [{ introduced: '0' }, { fixed: '1.13.1' }], true],
    ['pypi', '0.0.131', [{ introduced: '0' }, { last_affected: '0.0.131' }], true],
    ['pypi', '0.0.132', [{ introduced: '0' }, { last_affected: '0.0.131' }], false],
    ['pypi', '1.5', [{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '1.4' }, { fixed: '1.6' }], true],
    [
      'pypi',
      '1.3',
      [{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '1.4' }, { fixed: '1.6' }],
      false,
    ],
    ['pypi', '0.9', [{ introduced: '1.0' }, { fixed: '1.2' }], false],
    ['npm', '4.17.20', [{ introduced: '0' }, { fixed: '4.17.21' }], true],
    ['npm', '4.17.21', [{ introduced: '0' }, { fixed: '4.17.21' }], false],
    ['npm', '5.0.0-beta.1', [{ introduced: '5.0.0-alpha.1' }, { fixed: '5.0.0' }], true],
    ['npm', '1.0.0', [{ introduced: '1.0.0' }, { limit: '2.0.0' }], true],
  ] as const)('%s %s in %j is %s', (eco, v, events, affected) => {
    expect(inOsvRange(eco, v, events)).toBe(affected);
  });
  it('a version that cannot be compared matches nothing', () => {
    expect(inOsvRange('pypi', 'not a version', [{ introduced: '0' }])).toBeUndefined();
    expect(inOsvRange('npm', 'latest', [{ introduced: '0' }])).toBeUndefined();
    expect(inOsvRange('npm', '1.0.0', [{ introduced: 'x.y' }])).toBeUndefined();
  });
  it('npm comparisons agree with semver on random versions', () => {
    for (let i = 0; i < 200; i++) {
      const v = () => `${(i * 7) % 5}.${(i * 13) % 11}.${(i * 17) % 7}`;
      const a = v();
      const b = `${(i * 3) % 5}.${(i * 5) % 11}.${(i * 11) % 7}`;
      expect(inOsvRange('npm', a, [{ introduced: '0' }, { fixed: b }])).toBe(semver.lt(a, b));
    }
  });
});

describe('CVSS v3 base scores', () => {
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
  ])('%s is %s', (v, score) => {
    expect(cvss3BaseScore(v)).toBe(score);
  });
  it.each(['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'CVSS:3.1/AV:X', 'junk'])(
    '%s has none',
    (v) => {
      expect(cvss3BaseScore(v)).toBeUndefined();
    },
  );
});

describe('the shipped advisory set', () => {
  it('validates, names its sources, and every entry has an id, a date and a bounded affected range', () => {
    const set = shippedAdvisories();
    expect(AdvisorySetSchema.parse(set)).toEqual(set);
    expect(set.sources.length).toBeGreaterThan(0);
    for (const s of set.sources) expect(s.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const ids = set.advisories.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of set.advisories) {
      expect(a.modified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      for (const aff of a.affected) {
        const eco = aff.ranges?.filter((r) => r.type !== 'GIT') ?? [];
        expect(eco.length, a.id).toBeGreaterThan(0);
        // A range that never closes would flag every version ever published.
        for (const r of eco)
          expect(
            r.events.some((e) => 'fixed' in e || 'last_affected' in e),
            a.id,
          ).toBe(true);
      }
    }
  });

  it('matches the versions each advisory names, and not the fixed ones', () => {
    const index = new AdvisoryIndex(shippedAdvisories().advisories);
    const at = (name: string, v: string) => index.match('pypi', name, v).map((m) => m.advisory.id);
    // PYSEC-2022-43015: torch introduced 0, fixed 1.13.1.
    expect(at('torch', '1.12.0')).toContain('PYSEC-2022-43015');
    expect(at('torch', '1.13.1')).not.toContain('PYSEC-2022-43015');
    // The newest torch bound in the set is PYSEC-2026-139's last_affected 2.10.0.
    expect(at('torch', '2.10.0')).toEqual(['PYSEC-2026-139']);
    expect(at('torch', '2.11.0')).toEqual([]);
    expect(at('LangChain', '0.0.131')).toEqual(
      expect.arrayContaining(['GHSA-fprp-p869-w6q2', 'PYSEC-2024-43']),
    );
    expect(at('langchain', '0.0.132')).not.toContain('GHSA-fprp-p869-w6q2');
    expect(at('langchain', '0.0.132')).toContain('PYSEC-2024-43');
    expect(at('langchain', '0.1.11')).not.toContain('PYSEC-2024-43');
    expect(at('langchain_core', '0.1.10')).toContain('PYSEC-2024-45');
    expect(at('langchain-core', '0.1.11')).not.toContain('PYSEC-2024-45');
    expect(at('Llama_Index', '0.7.13')).toEqual(expect.arrayContaining(['PYSEC-2023-148', 'PYSEC-2024-12']));
    expect(
      index.match('pypi', 'transformers', '4.37.2').find((m) => m.advisory.id === 'GHSA-37q5-v5qm-c9v8')
        ?.severity,
    ).toBe('low');
    expect(
      index.match('pypi', 'llama-index', '0.7.0').find((m) => m.advisory.id === 'PYSEC-2023-148')?.severity,
    ).toBe('critical');
    // The 2025-2026 advisories for serving, model loading and the MCP SDK.
    expect(at('vllm', '0.10.0')).toContain('GHSA-wr9h-g72x-mwhm');
    expect(at('vllm', '0.11.0')).not.toContain('GHSA-wr9h-g72x-mwhm');
    expect(at('keras', '3.10.0')).toContain('GHSA-36fq-jgmw-4r9c');
    expect(at('keras', '3.11.0')).not.toContain('GHSA-36fq-jgmw-4r9c');
    expect(at('mcp', '1.22.0')).toContain('GHSA-9h52-p55h-vw2f');
    expect(at('mcp', '1.23.0')).not.toContain('GHSA-9h52-p55h-vw2f');
    expect(index.match('npm', 'torch', '1.12.0')).toEqual([]);
  });

  it('keeps a GHSA over its PYSEC twin and leaves out ranges whose bounds are no version', () => {
    const set = shippedAdvisories().advisories;
    const ids = new Set(set.map((a) => a.id));
    for (const a of set)
      for (const alias of a.aliases ?? [])
        if (ids.has(alias))
          // Both in the set only when they name different packages (one CVE in langchain and langchain-core).
          expect(
            set
              .find((b) => b.id === alias)!
              .affected.some((f) => a.affected.some((g) => g.package.name === f.package.name)),
            `${a.id} and ${alias}`,
          ).toBe(false);
    // pypa/advisory-database's PYSEC-2025-189 (torch) closes at "2.6.0-cu124", which PEP 440 cannot order.
    expect(ids.has('PYSEC-2025-189')).toBe(false);
    for (const a of set)
      for (const f of a.affected)
        for (const r of f.ranges ?? [])
          if (r.type !== 'GIT')
            expect(
              inOsvRange(f.package.ecosystem === 'npm' ? 'npm' : 'pypi', '1.0.0', r.events),
              a.id,
            ).not.toBe(undefined);
  });

  it('every entry names the file it was read from, and the ranges it carries decide: a bound that is affected matches, a fixed version does not', () => {
    const set = shippedAdvisories();
    const index = new AdvisoryIndex(set.advisories);
    let affectedChecks = 0;
    let fixedChecks = 0;
    for (const a of set.advisories) {
      const src = a.transcribed_from;
      expect(src, a.id).toBeDefined();
      expect(src!.commit, a.id).toMatch(/^[0-9a-f]{40}$/);
      expect(src!.path, a.id).toContain(a.id);
      // The two databases, or the mirror and fork of them the newer entries were read from.
      expect([
        'github/advisory-database',
        'scm-repo-mirror/github_advisory-database',
        'pypa/advisory-database',
        'westonsteimel/advisory-database-pypa',
      ]).toContain(src!.repository);
      for (const aff of a.affected) {
        const eco = aff.package.ecosystem === 'npm' ? 'npm' : 'pypi';
        const ranges = (aff.ranges ?? []).filter((r) => r.type !== 'GIT');
        const inAny = (v: string) => ranges.some((r) => inOsvRange(eco, v, r.events) === true);
        const ids = (v: string) => index.match(eco, aff.package.name, v).map((m) => m.advisory.id);
        for (const r of ranges)
          for (const e of r.events) {
            const bound =
              'introduced' in e ? e.introduced : 'last_affected' in e ? e.last_affected : undefined;
            if (bound !== undefined && bound !== '0') {
              expect(inOsvRange(eco, bound, r.events), `${a.id} ${bound}`).toBe(true);
              expect(ids(bound), `${a.id} ${aff.package.name} ${bound}`).toContain(a.id);
              affectedChecks++;
            }
            if ('fixed' in e) {
              expect(inOsvRange(eco, e.fixed, r.events), `${a.id} ${e.fixed}`).toBe(false);
              if (!inAny(e.fixed)) expect(ids(e.fixed), `${a.id} fixed ${e.fixed}`).not.toContain(a.id);
              fixedChecks++;
            }
          }
      }
    }
    // Ranges that start at 0 only have a fixed bound; every entry has at least one bound checked.
    expect(fixedChecks + affectedChecks).toBeGreaterThanOrEqual(set.advisories.length);
  });

  it('covers the AI packages it is meant to, and counts per ecosystem', () => {
    const byEco = new Map<string, Set<string>>();
    for (const a of shippedAdvisories().advisories)
      for (const f of a.affected) {
        const s = byEco.get(f.package.ecosystem) ?? new Set<string>();
        s.add(a.id);
        byEco.set(f.package.ecosystem, s);
      }
    expect(byEco.get('PyPI')?.size).toBeGreaterThanOrEqual(400);
    expect(byEco.get('npm')?.size).toBeGreaterThanOrEqual(5);
    const names = new Set(
      shippedAdvisories().advisories.flatMap((a) => a.affected.map((f) => f.package.name)),
    );
    for (const n of [
      'langchain',
      'langchain-core',
      'langchain-experimental',
      'llama-index',
      'transformers',
      'torch',
      'mlflow',
      'gradio',
      'vllm',
      'keras',
      'bentoml',
      'ray',
      'mcp',
      'fastmcp',
      'llama-index-core',
      'langchain-community',
      'langgraph',
      '@modelcontextprotocol/sdk',
      '@langchain/community',
      '@langchain/core',
    ])
      expect(names, n).toContain(n);
  });

  it('an advisory without a rating or CVSS vector is medium', () => {
    const a: OsvAdvisory = {
      id: 'TEST-1',
      modified: '2026-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'PyPI', name: 'x' } }],
    };
    expect(advisorySeverity(a)).toBe('medium');
  });
});

const observedUse = (paths: string[], events = 500, workload = 'host:python3'): ObservedUseDocument =>
  ({
    schemaVersion: 1,
    kind: 'ObservedUse',
    events,
    workloads: [workload],
    uses: paths.map((path) => ({
      subject: `workload:${workload}`,
      action: 'read',
      target: { domain: 'file', path },
      count: 1,
      firstTs: 1,
      lastTs: 1,
    })),
    toolLists: {},
  }) as unknown as ObservedUseDocument;

describe('the advisory scanner', () => {
  it('flags every vulnerable lockfile of the corpus at medium or above, and no clean one', async () => {
    const files = [corpus.bad.requirements, corpus.bad.poetry, corpus.bad.uv];
    const result = await scanPaths(files, { scanners: [createAdvisoryScanner()] });
    expect(result.errors).toEqual([]);
    for (const f of files) {
      const mine = result.findings.filter((x) => x.evidence[0]?.uri === f);
      expect(mine.length, f).toBeGreaterThan(0);
      expect(
        mine.some((x) => severityRank(x.severity) >= severityRank('medium')),
        f,
      ).toBe(true);
    }
    const req = result.findings.filter((x) => x.evidence[0]?.uri === corpus.bad.requirements);
    // torch 1.12.0 (line 1) is in 18 of the set's torch ranges, langchain-core 0.1.10 (line 2) in 8;
    // requests (line 3) is no AI package.
    expect(req.filter((x) => x.evidence[0]?.line === 1)).toHaveLength(18);
    expect(req.filter((x) => x.evidence[0]?.line === 2)).toHaveLength(8);
    expect(req).toHaveLength(26);
    expect(req.map((x) => x.summary.split(':')[0])).toEqual(
      expect.arrayContaining([
        'torch 1.12.0 is affected by PYSEC-2022-43015 (CVE-2022-45907)',
        'langchain-core 0.1.10 is affected by PYSEC-2024-45 (CVE-2024-28088)',
      ]),
    );
    expect(req.some((x) => x.evidence.some((e) => e.description.startsWith('pkg:pypi/torch@1.12.0')))).toBe(
      true,
    );
    const good = await scanPaths([join(dir, 'corpus/good')], { scanners: [createAdvisoryScanner()] });
    expect(good.errors).toEqual([]);
    expect(good.findings).toEqual([]);
  });

  it('confirms a vulnerable package that was loaded and demotes one that was not, with counts before and after', async () => {
    const observed = observedUse([
      '/srv/app/.venv/lib/python3.11/site-packages/torch/__init__.py',
      '/srv/app/.venv/lib/python3.11/site-packages/numpy/__init__.py',
    ]);
    const plain = await scanPaths([corpus.bad.requirements], { scanners: [createAdvisoryScanner()] });
    const result = await scanPaths([corpus.bad.requirements], {
      scanners: [createAdvisoryScanner({ observed })],
      observed,
    });
    const before = new Map(plain.findings.map((f) => [f.summary, f.severity]));
    const torch = result.findings.filter((f) => f.summary.startsWith('torch'));
    const core = result.findings.filter((f) => f.summary.startsWith('langchain-core'));
    expect(torch).toHaveLength(18);
    expect(core).toHaveLength(8);
    // Loaded: every torch finding keeps its severity and says who loaded it.
    for (const f of torch) {
      expect(before.get(f.summary), f.summary).toBe(f.severity);
      expect(f.risk.reasons.join(' ')).toMatch(/torch was loaded at run time by host:python3/);
    }
    // Never loaded: one step down, never below low.
    const down = { critical: 'high', high: 'medium', medium: 'low', low: 'low', info: 'info' } as const;
    for (const f of core) {
      const was = before.get(f.summary.replace(/ \[not loaded at run time\]$/, ''))!;
      expect(f.severity, f.summary).toBe(down[was]);
      expect(f.summary).toMatch(/\[not loaded at run time\]$/);
      expect(f.risk.reasons.join(' ')).toMatch(
        new RegExp(`never loaded in 500 observed events: not reachable at run time, demoted from ${was}`),
      );
    }
    const medium = (fs: typeof torch) =>
      fs.find((f) => f.summary.includes('PYSEC-2024-45') || f.summary.includes('PYSEC-2022-43015'))!;
    expect(medium(torch).risk.score).toBeGreaterThan(medium(core).risk.score);
    // torch 1.12.0: 2 critical, 8 high, 7 medium, 1 low; langchain-core 0.1.10: 1 critical, 2 high, 4 medium, 1 low.
    expect(result.runtime).toMatchObject({
      observed: true,
      confirmed: 18,
      demoted: 8,
      severityBefore: { critical: 3, high: 10, medium: 11, low: 2 },
      severityAfter: { critical: 2, high: 9, medium: 9, low: 6 },
    });
  });

  it('reads npm lockfiles and matches npm advisories by SemVer', async () => {
    const lock = put(dir, 'npm/package-lock.json', {
      name: 'a',
      lockfileVersion: 3,
      packages: {
        '': { name: 'a' },
        'node_modules/left-pad': { version: '1.2.0' },
        'node_modules/@scope/x': { version: '2.0.0' },
      },
    });
    const advisories = [
      AdvisorySetSchema.parse({
        schemaVersion: 1,
        kind: 'AdvisorySet',
        name: 'test',
        sources: [{ name: 'test fixture', url: 'file:test', retrieved: '2026-12-06' }],
        advisories: [
          {
            id: 'TEST-npm-1',
            modified: '2026-01-01T00:00:00Z',
            summary: 'fixture',
            affected: [
              {
                package: { ecosystem: 'npm', name: '@scope/x' },
                ranges: [{ type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.0.1' }] }],
              },
            ],
            database_specific: { severity: 'HIGH' },
          },
        ],
      }),
    ];
    const result = await scanPaths([lock], { scanners: [createAdvisoryScanner({ advisories })] });
    expect(result.findings.map((f) => [f.severity, f.summary])).toEqual([
      ['high', '@scope/x 2.0.0 is affected by TEST-npm-1: fixture'],
    ]);
    expect(result.findings[0]!.evidence[1]!.description).toMatch(
      /^pkg:npm\/%40scope\/x@2\.0\.0 in affected range >=2\.0\.0, <2\.0\.1/,
    );
  });

  it('flags a vulnerable MCP SDK and LangChain.js in package-lock v3, pnpm-lock and yarn.lock with the shipped npm advisories, and not the fixed versions', async () => {
    const sdk = '@modelcontextprotocol/sdk';
    const community = '@langchain/community';
    const lock = put(dir, 'npm-ai/lock/package-lock.json', {
      name: 'agent',
      lockfileVersion: 3,
      packages: {
        '': { name: 'agent' },
        [`node_modules/${sdk}`]: { version: '1.20.0' },
        [`node_modules/${community}`]: { version: '1.1.13' },
        'node_modules/langchain': { version: '1.2.2' },
        'node_modules/@langchain/core': { version: '0.3.80' },
        'node_modules/zod': { version: '3.23.8' },
      },
    });
    const pnpm = put(
      dir,
      'npm-ai/pnpm/pnpm-lock.yaml',
      [
        "lockfileVersion: '9.0'",
        '',
        'importers:',
        '  .:',
        '    dependencies:',
        `      '${sdk}':`,
        '        specifier: 1.25.1',
        '        version: 1.25.1',
        '',
        'packages:',
        `  '${sdk}@1.25.1':`,
        '    resolution: {integrity: sha512-AAAA}',
        `  '${community}@1.1.14':`,
        '    resolution: {integrity: sha512-BBBB}',
        '',
      ].join('\n'),
    );
    const yarn = put(
      dir,
      'npm-ai/yarn/yarn.lock',
      [
        '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.',
        '# yarn lockfile v1',
        '',
        '',
        `"${sdk}@^1.26.0":`,
        '  version "1.26.0"',
        '  resolved "https://registry.yarnpkg.com/@modelcontextprotocol/sdk/-/sdk-1.26.0.tgz"',
        '',
        `"${community}@1.1.0":`,
        '  version "1.1.0"',
        '',
      ].join('\n'),
    );
    const result = await scanPaths([lock, pnpm, yarn], { scanners: [createAdvisoryScanner()] });
    expect(result.errors).toEqual([]);
    const of = (f: string) =>
      result.findings
        .filter((x) => x.evidence[0]?.uri === f)
        .map((x) => x.summary.split(':')[0])
        .sort();
    // 1.20.0: DNS rebinding (<1.24.0), shared transport reuse (1.10.0 to <1.26.0), ReDoS (<=1.25.1).
    // langchain 1.2.2 is before the serialization fix (1.2.3); @langchain/core 0.3.80 is that fix on 0.3.
    expect(of(lock)).toEqual([
      '@langchain/community 1.1.13 is affected by GHSA-gf3v-fwqg-4vh7 (CVE-2026-26019)',
      '@modelcontextprotocol/sdk 1.20.0 is affected by GHSA-345p-7cg4-v4c7 (CVE-2026-25536)',
      '@modelcontextprotocol/sdk 1.20.0 is affected by GHSA-8r9q-7v3j-jr4g (CVE-2026-0621)',
      '@modelcontextprotocol/sdk 1.20.0 is affected by GHSA-w48q-cv73-mx4w (CVE-2025-66414)',
      'langchain 1.2.2 is affected by GHSA-r399-636x-v7f6 (CVE-2025-68665)',
    ]);
    // 1.25.1 is the ReDoS advisory's last affected version and still before the reuse fix;
    // @langchain/community 1.1.14 is its fixed version.
    expect(of(pnpm)).toEqual([
      '@modelcontextprotocol/sdk 1.25.1 is affected by GHSA-345p-7cg4-v4c7 (CVE-2026-25536)',
      '@modelcontextprotocol/sdk 1.25.1 is affected by GHSA-8r9q-7v3j-jr4g (CVE-2026-0621)',
    ]);
    // 1.26.0 is fixed for all three.
    expect(of(yarn)).toEqual([
      '@langchain/community 1.1.0 is affected by GHSA-gf3v-fwqg-4vh7 (CVE-2026-26019)',
    ]);
    for (const f of result.findings) {
      expect(severityRank(f.severity)).toBeGreaterThanOrEqual(severityRank('medium'));
      expect(f.evidence.some((e) => e.description.startsWith('pkg:npm/'))).toBe(true);
    }
    expect(result.findings.filter((f) => f.summary.includes('GHSA-w48q'))[0]?.severity).toBe('high');
  });

  it('npm ranges of the shipped set follow SemVer pre-releases: a pre-release of a fixed version is still affected, one after a last affected version is not', () => {
    const index = new AdvisoryIndex(shippedAdvisories().advisories);
    const ids = (name: string, v: string) =>
      index
        .match('npm', name, v)
        .map((m) => m.advisory.id)
        .sort();
    const sdk = '@modelcontextprotocol/sdk';
    // GHSA-w48q: introduced 0, fixed 1.24.0.
    expect(ids(sdk, '1.24.0-beta.1')).toContain('GHSA-w48q-cv73-mx4w');
    expect(ids(sdk, '1.24.0')).not.toContain('GHSA-w48q-cv73-mx4w');
    // GHSA-8r9q: last_affected 1.25.1, so 1.25.1 is affected and 1.25.2's pre-releases come after it.
    expect(ids(sdk, '1.25.1')).toContain('GHSA-8r9q-7v3j-jr4g');
    expect(ids(sdk, '1.25.2-rc.0')).not.toContain('GHSA-8r9q-7v3j-jr4g');
    // GHSA-345p: introduced 1.10.0, so a 1.10.0 pre-release is before it; fixed 1.26.0.
    expect(ids(sdk, '1.9.9')).not.toContain('GHSA-345p-7cg4-v4c7');
    expect(ids(sdk, '1.10.0-alpha.0')).not.toContain('GHSA-345p-7cg4-v4c7');
    expect(ids(sdk, '1.10.0')).toContain('GHSA-345p-7cg4-v4c7');
    expect(ids(sdk, '1.26.0-rc.1')).toEqual(['GHSA-345p-7cg4-v4c7']);
    expect(ids(sdk, '1.26.0')).toEqual([]);
    expect(ids('@langchain/community', '1.1.14-dev.0')).toEqual(['GHSA-gf3v-fwqg-4vh7']);
    // GHSA-r399: two ranges per package, 0 to 0.3.80 and 1.0.0 to 1.1.8 for @langchain/core.
    expect(ids('@langchain/core', '0.3.79')).toEqual(['GHSA-r399-636x-v7f6']);
    expect(ids('@langchain/core', '0.3.80')).toEqual([]);
    expect(ids('@langchain/core', '1.0.0-rc.1')).toEqual([]);
    expect(ids('@langchain/core', '1.0.0')).toEqual(['GHSA-r399-636x-v7f6']);
    expect(ids('@langchain/core', '1.1.8-beta.0')).toEqual(['GHSA-r399-636x-v7f6']);
    expect(ids('@langchain/core', '1.1.8')).toEqual([]);
    expect(ids('langchain', '0.3.36')).toEqual(['GHSA-r399-636x-v7f6']);
    expect(ids('langchain', '0.3.37')).toEqual([]);
    expect(ids('@langchain/community', '1.1.14')).toEqual([]);
    // npm names are exact: another scope or the PyPI ecosystem does not match.
    expect(index.match('npm', '@modelcontextprotocol/server-memory', '0.1.0')).toEqual([]);
    expect(index.match('pypi', sdk, '1.20.0')).toEqual([]);
  });

  it('confirms a vulnerable npm package that was loaded and demotes one that was never loaded', async () => {
    const lock = put(dir, 'npm-ai/reach/package-lock.json', {
      name: 'agent',
      lockfileVersion: 3,
      packages: {
        '': { name: 'agent' },
        'node_modules/@modelcontextprotocol/sdk': { version: '1.25.3' },
        'node_modules/@langchain/community': { version: '1.1.13' },
      },
    });
    // A pnpm layout: the package's files sit under the innermost node_modules/.
    const observed = observedUse(
      [
        '/srv/agent/node_modules/.pnpm/@modelcontextprotocol+sdk@1.25.3/node_modules/@modelcontextprotocol/sdk/dist/esm/server/index.js',
        '/srv/agent/node_modules/zod/lib/index.js',
      ],
      500,
      'host:node',
    );
    const result = await scanPaths([lock], { scanners: [createAdvisoryScanner({ observed })], observed });
    expect(result.errors).toEqual([]);
    const sdk = result.findings.find((f) => f.summary.startsWith('@modelcontextprotocol/sdk'))!;
    const community = result.findings.find((f) => f.summary.startsWith('@langchain/community'))!;
    expect(result.findings).toHaveLength(2);
    expect(sdk.severity).toBe('high');
    expect(sdk.risk.reasons.join(' ')).toMatch(
      /@modelcontextprotocol\/sdk was loaded at run time by host:node/,
    );
    expect(community.severity).toBe('low');
    expect(community.summary).toMatch(/\[not loaded at run time\]$/);
    expect(community.risk.reasons.join(' ')).toMatch(/not reachable at run time, demoted from medium/);
    expect(result.runtime).toMatchObject({
      observed: true,
      confirmed: 1,
      demoted: 1,
      severityBefore: { high: 1, medium: 1, low: 0 },
      severityAfter: { high: 1, medium: 0, low: 1 },
    });
  });

  it('a malformed lockfile is an error of that file and the scan goes on', async () => {
    const broken = put(dir, 'broken/requirements.txt', 'torch==1.12.0\n%%% not a requirement\n');
    const result = await scanPaths([broken, corpus.bad.uv], { scanners: [createAdvisoryScanner()] });
    expect(result.errors).toEqual([expect.objectContaining({ file: broken, code: 'PARSE' })]);
    expect(result.errors[0]!.message).toMatch(/expected a requirement/);
    expect(result.findings.some((f) => f.evidence[0]?.uri === corpus.bad.uv)).toBe(true);
    expect(resolve(broken)).toBe(broken);
  });
});

describe('refreshing the set from OSV files', () => {
  const torch = shippedAdvisories().advisories.find((a) => a.id === 'PYSEC-2022-43015')!;

  it('keeps the AI framework packages, drops versions lists of closed ranges, newer modified wins', () => {
    const newer = {
      ...torch,
      modified: '2030-01-01T00:00:00Z',
      unknown_field: 1,
      affected: [{ ...torch.affected[0]!, versions: ['1.12.0'] }],
    };
    const other = {
      id: 'GHSA-aaaa-bbbb-cccc',
      modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'PyPI', name: 'requests' } }],
    };
    const maven = {
      id: 'GHSA-aaaa-bbbb-dddd',
      modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'Maven', name: 'torch' } }],
    };
    const { set, added, updated, skipped } = buildAdvisorySet(shippedAdvisories(), [
      { name: 'a.json', doc: newer },
      { name: 'b.json', doc: other },
      { name: 'c.json', doc: maven },
      { name: 'd.json', doc: { ...torch, modified: '2000-01-01T00:00:00Z', summary: 'older' } },
    ]);
    expect([added, updated, skipped]).toEqual([[], ['PYSEC-2022-43015'], 2]);
    const got = set.advisories.find((a) => a.id === 'PYSEC-2022-43015')!;
    expect(got.modified).toBe('2030-01-01T00:00:00Z');
    expect(got.affected[0]!.versions).toBeUndefined();
    expect('unknown_field' in got).toBe(false);
    expect(set.advisories).toHaveLength(shippedAdvisories().advisories.length);
  });

  it('rebuilding the shipped set from its own entries changes nothing', () => {
    const base = shippedAdvisories();
    const { set } = buildAdvisorySet(
      { ...base, advisories: [] },
      base.advisories.map((doc) => ({ name: doc.id, doc })),
    );
    expect(set.advisories).toEqual([...base.advisories].sort((a, b) => a.id.localeCompare(b.id)));
  });

  it('keeps one entry per advisory and package: a PYSEC twin of a GHSA is left out, one CVE in two packages is two, a range that never closes is dropped', () => {
    const ghsa = shippedAdvisories().advisories.find((a) => a.id === 'GHSA-fprp-p869-w6q2')!;
    const twin = {
      id: 'PYSEC-2023-18',
      modified: '2023-05-04T03:49:46Z',
      aliases: ['CVE-2023-29374'],
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'langchain' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.0.132' }] }],
        },
      ],
    };
    const sibling = {
      ...twin,
      id: 'PYSEC-2099-1',
      affected: [{ ...twin.affected[0]!, package: { ecosystem: 'PyPI', name: 'langchain-core' } }],
    };
    const open = {
      id: 'PYSEC-2099-2',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'llama-index-core' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
          versions: ['0.10.0'],
        },
      ],
    };
    const source = {
      repository: 'pypa/advisory-database',
      path: 'vulns/langchain-core/PYSEC-2099-1.yaml',
      commit: 'a'.repeat(40),
    };
    // A bound PEP 440 cannot order (as pypa/advisory-database's PYSEC-2025-189 has) matches nothing.
    const unreadable = {
      id: 'PYSEC-2099-3',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'torch' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '2.6.0-cu124' }] }],
        },
      ],
    };
    // One of two packages readable: only that one is kept.
    const half = {
      id: 'PYSEC-2099-4',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        unreadable.affected[0]!,
        {
          package: { ecosystem: 'npm', name: '@langchain/core' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.1.8-rc.1' }] }],
        },
      ],
    };
    const out = buildAdvisorySet({ ...shippedAdvisories(), advisories: [ghsa] }, [
      { name: 'twin.yaml', doc: twin },
      { name: 'sibling.yaml', doc: sibling, source },
      { name: 'open.yaml', doc: open },
      { name: 'unreadable.yaml', doc: unreadable },
      { name: 'half.yaml', doc: half },
    ]);
    expect([out.added, out.duplicates, out.open, out.unreadable]).toEqual([
      ['PYSEC-2099-1', 'PYSEC-2099-4'],
      ['PYSEC-2023-18'],
      ['PYSEC-2099-2'],
      ['PYSEC-2099-3'],
    ]);
    expect(
      out.set.advisories.find((a) => a.id === 'PYSEC-2099-4')?.affected.map((f) => f.package.name),
    ).toEqual(['@langchain/core']);
    expect(out.set.advisories.find((a) => a.id === 'PYSEC-2099-1')?.transcribed_from).toEqual(source);
  });

  it('refresh.ts rebuilds a set from a git repository of OSV files and records each file and its commit', () => {
    const repo = join(dir, 'osv-repo');
    const torch = shippedAdvisories().advisories.find((a) => a.id === 'PYSEC-2022-43015')!;
    const { transcribed_from: _, ...plain } = torch;
    put(repo, 'vulns/torch/PYSEC-2022-43015.json', plain);
    put(repo, 'vulns/requests/PYSEC-2099-9.json', {
      ...plain,
      id: 'PYSEC-2099-9',
      affected: [{ package: { ecosystem: 'PyPI', name: 'requests' } }],
    });
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'osv');
    const head = git('rev-parse', 'HEAD');
    const set = join(dir, 'set.json');
    writeFileSync(set, JSON.stringify({ ...shippedAdvisories(), advisories: [] }));
    const out = execFileSync(
      resolve('scripts/ts'),
      [
        resolve('scripts/advisories/refresh.ts'),
        '--set',
        set,
        '--git',
        join(repo, '.git'),
        '--repository',
        'pypa/advisory-database',
        'vulns',
      ],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/1 advisories \(1 added.*1 files for other packages\)/);
    const written = AdvisorySetSchema.parse(JSON.parse(readFileSync(set, 'utf8')));
    expect(written.advisories.map((a) => a.transcribed_from)).toEqual([
      { repository: 'pypa/advisory-database', path: 'vulns/torch/PYSEC-2022-43015.json', commit: head },
    ]);
    expect(new AdvisoryIndex(written.advisories).match('pypi', 'torch', '1.12.0')).toHaveLength(1);
  }, 120_000);

  it('refresh.ts reads files copied one at a time with the commit each was read at, and refuses a file the list does not name', () => {
    const copy = join(dir, 'ghsa-copy');
    const sdk = shippedAdvisories().advisories.find((a) => a.id === 'GHSA-w48q-cv73-mx4w')!;
    const { transcribed_from: from, ...plain } = sdk;
    put(copy, from!.path, plain);
    const commits = put(dir, 'ghsa-commits.tsv', `${from!.path}\t${'b'.repeat(40)}\t2658\n`);
    const set = join(dir, 'set-copies.json');
    writeFileSync(set, JSON.stringify({ ...shippedAdvisories(), advisories: [] }));
    const refresh = (...args: string[]) =>
      execFileSync(resolve('scripts/ts'), [resolve('scripts/advisories/refresh.ts'), '--set', set, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const args = ['--repository', 'scm-repo-mirror/github_advisory-database', '--root', copy];
    expect(refresh(...args, '--commits', commits, join(copy, 'advisories'))).toMatch(
      /1 advisories \(1 added/,
    );
    const written = AdvisorySetSchema.parse(JSON.parse(readFileSync(set, 'utf8')));
    expect(written.advisories[0]!.transcribed_from).toEqual({
      repository: 'scm-repo-mirror/github_advisory-database',
      path: from!.path,
      commit: 'b'.repeat(40),
    });
    expect(
      new AdvisoryIndex(written.advisories).match('npm', '@modelcontextprotocol/sdk', '1.23.1'),
    ).toHaveLength(1);
    put(copy, 'advisories/github-reviewed/2099/01/GHSA-xxxx-xxxx-xxxx/GHSA-xxxx-xxxx-xxxx.json', {
      ...plain,
      id: 'GHSA-xxxx-xxxx-xxxx',
    });
    expect(() => refresh(...args, '--commits', commits, join(copy, 'advisories'))).toThrow(
      /names no commit for advisories\/github-reviewed\/2099\/01\/GHSA-xxxx-xxxx-xxxx/,
    );
  }, 120_000);

  it('a document that is not an OSV advisory is a VigilError naming it and the field', () => {
    expect(() =>
      buildAdvisorySet(shippedAdvisories(), [{ name: 'bad.json', doc: { id: 'x', affected: [] } }]),
    ).toThrow(/bad\.json|not an OSV advisory/);
  });
});
